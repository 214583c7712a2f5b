import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedDisks, listDisks, selectDisk } from '../../../src/engine/client/disks.js';
import { readInventory } from '../../../src/engine/client/pxe.js';
import { ClientError } from '../../../src/engine/client/connection.js';

const GiB = 1024 ** 3;

/** A machine's /sys and /proc: two fixed disks, a USB stick, the disk it runs from (vda1 mounted), and devices that are no disks. */
async function fakeMachine(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'mcshell-sys-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const disk = async (name: string, facts: { dev: string; bytes: number; removable?: boolean; model?: string; serial?: string; partitions?: Record<string, string> }) => {
    const dir = join(root, 'sys/block', name);
    await mkdir(join(dir, 'device'), { recursive: true });
    await writeFile(join(dir, 'dev'), `${facts.dev}\n`);
    await writeFile(join(dir, 'size'), `${facts.bytes / 512}\n`);
    await writeFile(join(dir, 'removable'), facts.removable ? '1\n' : '0\n');
    if (facts.model) await writeFile(join(dir, 'device/model'), `${facts.model}   \n`);
    if (facts.serial) await writeFile(join(dir, 'device/serial'), `${facts.serial}\n`);
    for (const [partition, dev] of Object.entries(facts.partitions ?? {})) {
      await mkdir(join(dir, partition), { recursive: true });
      await writeFile(join(dir, partition, 'dev'), `${dev}\n`);
    }
  };
  await disk('sda', { dev: '8:0', bytes: 500 * GiB, model: 'ST500DM002', serial: 'Z3T1' });
  await disk('sdb', { dev: '8:16', bytes: 16 * GiB, removable: true, model: 'USB Flash' });
  await disk('vda', { dev: '252:0', bytes: 20 * GiB, partitions: { vda1: '252:1' } });
  await disk('nvme0n1', { dev: '259:0', bytes: 1000 * GiB, model: 'Samsung SSD 980', serial: 'S64' });
  await disk('sdc', { dev: '8:32', bytes: 0 });
  for (const other of ['loop0', 'sr0', 'zram0', 'ram0']) await disk(other, { dev: '7:0', bytes: GiB });
  await mkdir(join(root, 'proc/self'), { recursive: true });
  await writeFile(join(root, 'proc/self/mountinfo'), ['22 1 0:21 / / rw - rootfs rootfs rw', '30 22 252:1 / /boot rw,relatime - ext4 /dev/vda1 rw'].join('\n'));
  await writeFile(join(root, 'proc/meminfo'), 'MemTotal:        2048000 kB\nMemFree:  100 kB\n');
  for (const [nic, mac] of [['lo', '00:00:00:00:00:00'], ['eth0', '52:54:00:aa:bb:cc']]) {
    await mkdir(join(root, 'sys/class/net', nic!), { recursive: true });
    await writeFile(join(root, 'sys/class/net', nic!, 'address'), `${mac}\n`);
  }
  await mkdir(join(root, 'sys/class/dmi/id'), { recursive: true });
  await writeFile(join(root, 'sys/class/dmi/id/product_uuid'), '6F1B3C2A-1D2E-4F50-9A8B-0C1D2E3F4A5B\n');
  return root;
}

const refused = (id: string, message: RegExp) => (error: unknown) => error instanceof ClientError && error.id === id && message.test(error.message);

test('fixed disks: never removable, empty, loop/RAM/optical devices, nor the disk the machine runs from; in name order', async (t) => {
  const root = await fakeMachine(t);
  assert.deepEqual(fixedDisks(root).map((disk) => disk.name), ['nvme0n1', 'sda']);
  assert.deepEqual(listDisks(root).map((disk) => `${disk.name}${disk.removable ? ' removable' : ''}`), ['nvme0n1', 'sda', 'sdb removable', 'sdc', 'vda']);
});

test('Disk:0, Disk:Serial=, Disk:Model= and Disk:MinSize= pick a fixed disk; none or a bad form is refused listing the disks', async (t) => {
  const root = await fakeMachine(t);
  assert.equal(selectDisk('Disk:0', root).path, '/dev/nvme0n1');
  assert.equal(selectDisk('disk:1', root).path, '/dev/sda');
  assert.equal(selectDisk('Disk:Serial=Z3T1', root).path, '/dev/sda');
  assert.equal(selectDisk('Disk:Model=samsung*', root).path, '/dev/nvme0n1');
  assert.equal(selectDisk('Disk:MinSize=600G', root).path, '/dev/nvme0n1');
  assert.equal(selectDisk('Disk:MinSize=100GB', root).path, '/dev/nvme0n1');
  assert.throws(() => selectDisk('Disk:2', root), refused('DiskNotFound', /Disk:2: no fixed disk matches; the fixed disks .* are: 0: \/dev\/nvme0n1 1000\.0 GB Samsung SSD 980 serial S64; 1: \/dev\/sda 500\.0 GB ST500DM002 serial Z3T1$/));
  assert.throws(() => selectDisk('Disk:Model=USB*', root), refused('DiskNotFound', /no fixed disk matches/));
  assert.throws(() => selectDisk('Disk:largest', root), refused('InvalidTarget', /use Disk:0 \(the first fixed disk\)/));
});

test('the inventory: memory, disks with model, serial and removable, NICs but loopback, the SMBIOS UUID in lower case', async (t) => {
  const root = await fakeMachine(t);
  const { inventory, uuid } = readInventory(root);
  assert.equal(uuid, '6f1b3c2a-1d2e-4f50-9a8b-0c1d2e3f4a5b');
  assert.equal(inventory.memoryBytes, 2048000 * 1024);
  assert.deepEqual(inventory.nics, [{ name: 'eth0', mac: '52:54:00:aa:bb:cc' }]);
  assert.deepEqual(inventory.disks[0], { name: 'nvme0n1', sizeBytes: 1000 * GiB, model: 'Samsung SSD 980', serial: 'S64', removable: false });
});
