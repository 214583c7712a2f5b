// The test OS disk that the bare-metal proofs deploy (src/vmlab/testos.ts): built reproducibly, laid
// out for both firmwares on one disk, and booted from its virtio disk by a BIOS VM and a UEFI VM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestOsDisk, TESTOS_MARKER_PATTERN } from '../../src/vmlab/testos.js';
import { kernel, requireAvailable, secondsSince, skipUnless, startLab, testOsDisk, testOsUnavailable, vmLabUnavailable } from './harness.js';

function mtools(args: string[]): string {
  const result = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '1', MTOOLSRC: '/dev/null' } });
  assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

test('test OS disk: reproducible; an MBR with syslinux boot code and one active FAT32 partition of type ef holding syslinux for BIOS, EFI/BOOT/BOOTX64.EFI for UEFI, the kernel, the initramfs and its version', { skip: skipUnless(testOsUnavailable()) }, (t) => {
  requireAvailable(testOsUnavailable());
  const dir = mkdtempSync(join(tmpdir(), 'mcshell-testos-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const started = Date.now();
  const first = buildTestOsDisk({ kernel: kernel(), version: '7', out: join(dir, 'a.img') });
  t.diagnostic(`built ${first.bytes} bytes in ${secondsSince(started)} s`);
  const again = buildTestOsDisk({ kernel: kernel(), version: '7', out: join(dir, 'b.img') });
  assert.equal(again.sha256, first.sha256, 'the same inputs give the same bytes');
  const named = buildTestOsDisk({ kernel: kernel(), version: '7', out: join(dir, 'c.img'), hostname: 'lab-07' });
  assert.notEqual(named.sha256, first.sha256);

  const mbr = Buffer.alloc(512);
  const fd = openSync(first.path, 'r');
  readSync(fd, mbr, 0, 512, 0);
  closeSync(fd);
  assert.equal(mbr.readUInt16LE(510), 0xaa55, 'boot signature');
  assert.equal(mbr[446], 0x80, 'partition 1 is active');
  assert.equal(mbr[446 + 4], 0xef, 'partition 1 is an EFI System Partition');
  assert.equal(mbr.readUInt32LE(446 + 8), 2048, 'partition 1 starts at 1 MiB');
  assert.equal(mbr.readUInt32LE(446 + 12) * 512 + 2048 * 512, first.bytes, 'partition 1 fills the disk');
  assert.equal(mbr[446 + 16 + 4], 0, 'no second partition');

  const partition = `${first.path}@@1M`;
  assert.match(mtools(['minfo', '-i', partition, '::']), /disk type="FAT32\s*"/);
  const root = mtools(['mdir', '-a', '-i', partition, '::/']);
  for (const file of ['ldlinux  sys', 'ldlinux  c32', 'syslinux cfg', 'vmlinuz', 'initrd   img']) assert.ok(root.includes(file), `${file} in the root:\n${root}`);
  const efi = mtools(['mdir', '-i', partition, '::/EFI/BOOT']);
  for (const file of ['BOOTX64  EFI', 'ldlinux  e64', 'syslinux cfg']) assert.ok(efi.includes(file), `${file} in EFI/BOOT:\n${efi}`);
  assert.equal(mtools(['mtype', '-i', partition, '::/testos/version']), '7\n');
  assert.equal(mtools(['mtype', '-i', `${named.path}@@1M`, '::/testos/hostname']), 'lab-07\n');
});

test('test OS: a BIOS VM and a UEFI VM each boot it from their virtio disk, print the marker with hostname, version and firmware, and power off', { skip: skipUnless(vmLabUnavailable()) }, async (t) => {
  const lab = await startLab(t);
  const disk = testOsDisk(lab, '3', 'testos-host');
  const started = Date.now();
  await Promise.all(
    (['bios', 'uefi'] as const).map(async (firmware) => {
      const vm = lab.startVm({ name: `disk-${firmware}`, firmware, disk: { path: lab.overlayDisk(`disk-${firmware}`, disk.path), format: 'qcow2' }, boot: 'disk' });
      const marker = await vm.waitForSerial(TESTOS_MARKER_PATTERN, 120_000);
      assert.deepEqual(marker.slice(1), ['testos-host', '3', firmware], vm.tail());
      t.diagnostic(`${firmware}: marker after ${secondsSince(started)} s`);
      const exit = await vm.waitForExit(60_000);
      assert.equal(exit.code, 0, `${firmware}: QEMU exits cleanly when the guest powers off\n${vm.tail()}`);
    }),
  );
  t.diagnostic(`both booted and powered off in ${secondsSince(started)} s (in parallel)`);
});
