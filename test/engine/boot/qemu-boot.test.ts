// The boot image really boots: QEMU (TCG: KVM hangs on these machines) loads its kernel and
// initramfs directly (-kernel/-initrd, no network boot needed here) with a virtio disk and a
// virtio NIC on a tap inside the test's private network namespace (never -netdev user); /init loads
// the drivers, finds the NIC by the MAC on the command line, and runs `mcshell client --pxe
// --dry-run`, whose inventory line on the serial console must show the disk, the NIC, the memory
// and the SMBIOS UUID QEMU gave the machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SiteStore } from '../../../src/engine/site/store.js';
import { bootFolder, newBootImage } from '../../../src/engine/boot/image/library.js';
import { testKernel } from './kernel.js';

const MAC = '52:54:00:12:34:56';
const UUID = '6f1b3c2a-1d2e-4f50-9a8b-0c1d2e3f4a5b';
const DISK_BYTES = 64 * 1024 * 1024;

async function waitForLine(log: string, pattern: RegExp, exited: () => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(log, 'utf8').catch(() => '');
    const match = text.split('\n').find((line) => pattern.test(line));
    if (match) return match;
    if (exited() || Date.now() > deadline) assert.fail(`the boot image did not print ${pattern} (${exited() ? 'QEMU exited' : 'timed out'}); the serial console ends:\n${text.split('\n').slice(-40).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

test('the boot image boots in QEMU: drivers load, the booting NIC is found by its MAC, and the agent reports the disks, NICs, memory and UUID it sees', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-qemu-boot-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = await SiteStore.open(join(dir, 'site'));
  const kernel = testKernel();
  const { record } = await newBootImage(store, { name: 'Lab', kernel: kernel.vmlinuz, modulesPath: kernel.modules });
  const folder = bootFolder(store, record.id);
  const disk = join(dir, 'disk.raw');
  await writeFile(disk, '');
  await truncate(disk, DISK_BYTES);
  // The tap lives in this test's private network namespace (the test runner's unshare -n).
  const tap = `mcbt${process.pid % 100000}`;
  const made = spawnSync('ip', ['tuntap', 'add', 'dev', tap, 'mode', 'tap'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  t.after(() => void spawnSync('ip', ['link', 'del', tap]));
  const log = join(dir, 'serial.log');
  const qemu = spawn(
    'qemu-system-x86_64',
    [
      // -cpu max: node's WebAssembly needs SSE4.1 (every PC since 2008), which QEMU's default qemu64 CPU lacks.
      '-accel', 'tcg', '-cpu', 'max', '-m', '1024', '-smp', '1', '-no-reboot', '-display', 'none', '-monitor', 'none',
      '-serial', `file:${log}`,
      '-smbios', `type=1,uuid=${UUID}`,
      '-kernel', join(folder, 'vmlinuz'), '-initrd', join(folder, 'initrd.img'),
      '-append', `console=ttyS0 panic=-1 mcshell.mac=${MAC} mcshell.dryrun`,
      '-drive', `file=${disk},format=raw,if=virtio`,
      '-netdev', `tap,id=n0,ifname=${tap},script=no,downscript=no`, '-device', `virtio-net-pci,netdev=n0,mac=${MAC}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let exited = false;
  let stderr = '';
  qemu.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  qemu.on('exit', () => (exited = true));
  t.after(() => {
    if (!exited) qemu.kill('SIGKILL');
  });
  const line = await waitForLine(log, /^\{"dryRun":true/, () => exited, 180_000).catch((error: Error) => assert.fail(`${error.message}\nQEMU: ${stderr}`));
  const serial = await readFile(log, 'utf8');
  assert.match(serial, /mcshell: loaded \d+ driver module\(s\)/);
  assert.match(serial, new RegExp(`mcshell: the machine booted from eth0 \\(${MAC}\\)`));
  const report = JSON.parse(line) as { commandLine: { mac: string }; bootImage: { fingerprint: string } | null; uuid: string; inventory: { memoryBytes: number; disks: { name: string; sizeBytes: number; removable: boolean }[]; nics: { name: string; mac: string }[] } };
  assert.equal(report.commandLine.mac, MAC);
  assert.equal(report.uuid, UUID);
  assert.ok(report.bootImage && /^[0-9a-f]{64}$/.test(report.bootImage.fingerprint), 'the agent found the boot image pins');
  assert.deepEqual(report.inventory.disks.map(({ name, sizeBytes, removable }) => ({ name, sizeBytes, removable })), [{ name: 'vda', sizeBytes: DISK_BYTES, removable: false }]);
  assert.deepEqual(report.inventory.nics, [{ name: 'eth0', mac: MAC }]);
  assert.ok(report.inventory.memoryBytes > 900 * 1024 * 1024 && report.inventory.memoryBytes <= 1024 * 1024 * 1024, `memory ${report.inventory.memoryBytes}`);
  await waitForLine(log, /mcshell: dry run finished|the client agent finished without restarting/, () => exited, 60_000);
});
