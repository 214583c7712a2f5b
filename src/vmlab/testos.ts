// The small bootable test OS that the bare-metal proofs deploy: one disk that both firmwares boot.
//
//   LBA 0        syslinux's MBR (mbr.bin) and a partition table with one partition, active, type ef
//   LBA 2048…    FAT32, label TESTOS:
//                  ldlinux.sys, ldlinux.c32, syslinux.cfg         BIOS: SeaBIOS → MBR → syslinux
//                  EFI/BOOT/BOOTX64.EFI (syslinux.efi), ldlinux.e64, syslinux.cfg
//                                                                 UEFI: OVMF finds the ESP (type ef)
//                  vmlinuz, initrd.img                            Debian's kernel, a busybox initramfs
//                  testos/version                                 set when the image is built
//                  testos/hostname                                written by the deployment (optional)
//
// The initramfs's init loads the virtio disk and FAT modules, mounts /dev/vda1 read-only, prints
//   MCSHELL-TESTOS-BOOTED host=<testos/hostname or "unnamed"> version=<testos/version> firmware=<bios|uefi>
// to the serial console and powers the machine off (QEMU then exits). It is made without mounting
// anything (mtools, mkfs.vfat on a file, cpio), as any user, and byte-for-byte reproducibly.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, lutimesSync, writeFileSync, writeSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { imageModulePath, moduleBytes, resolveModules } from '../engine/boot/image/modules.js';
import type { DebianKernel } from './debian-kernel.js';

export const TESTOS_MARKER = 'MCSHELL-TESTOS-BOOTED';

/** The marker line the test OS prints, as a pattern: groups host, version, firmware. */
export const TESTOS_MARKER_PATTERN = /MCSHELL-TESTOS-BOOTED host=(\S+) version=(\S+) firmware=(bios|uefi)/;

/**
 * How a deployment names the test OS it just wrote (a task-sequence RunCommand after SetHostname, run
 * in the boot image with MCSHELL_TARGET = the disk and MCSHELL_HOSTNAME = the name): reread the disk's
 * new partition table, mount partition 1 and write testos/hostname. The boot image needs the vfat
 * drivers for it (TESTOS_BOOT_IMAGE_DRIVERS).
 */
export const TESTOS_NAME_COMMAND = 'blockdev --rereadpt "$MCSHELL_TARGET" && mkdir -p /tmp/testos && mount -t vfat "$MCSHELL_TARGET"1 /tmp/testos && echo "$MCSHELL_HOSTNAME" > /tmp/testos/testos/hostname && umount /tmp/testos';
export const TESTOS_BOOT_IMAGE_DRIVERS = ['vfat', 'nls_cp437', 'nls_ascii'];

/** Where the FAT partition starts (1 MiB, the usual alignment) and how big it is: FAT32 needs ≥ 65525 clusters. */
const PARTITION_START_SECTOR = 2048;
const PARTITION_BYTES = 40 * 1024 * 1024;
/** Every timestamp in the image (2026-01-01T00:00:00Z): the image is reproducible. */
const EPOCH = 1767225600;
/** Kernel modules the init loads to read its own partition (Debian builds them as modules). */
const INIT_MODULES = ['virtio_pci', 'virtio_blk', 'vfat', 'nls_cp437', 'nls_ascii'];

const BUSYBOX = '/bin/busybox';
const MBR_BIN = '/usr/lib/syslinux/mbr/mbr.bin';
const SYSLINUX_EFI = '/usr/lib/SYSLINUX.EFI/efi64/syslinux.efi';
const LDLINUX_E64 = '/usr/lib/syslinux/modules/efi64/ldlinux.e64';

/** What building needs, each with the Debian package that provides it. */
const NEEDS: [path: string, debianPackage: string][] = [
  [BUSYBOX, 'busybox-static'],
  [MBR_BIN, 'syslinux-common'],
  [SYSLINUX_EFI, 'syslinux-efi'],
  [LDLINUX_E64, 'syslinux-common'],
  ['syslinux', 'syslinux'],
  ['mkfs.vfat', 'dosfstools'],
  ['mcopy', 'mtools'],
  ['cpio', 'cpio'],
  ['zstd', 'zstd'],
];

/** What is missing to build the test OS, as one sentence naming the Debian packages, or false. */
export function testOsToolsMissing(): string | false {
  const missing = NEEDS.filter(([path]) => (path.startsWith('/') ? !existsSync(path) : spawnSync('sh', ['-c', `command -v ${path}`]).status !== 0));
  if (missing.length === 0) return false;
  return `the test OS disk needs ${missing.map(([path]) => path).join(', ')}: apt-get install -y ${[...new Set(missing.map(([, pkg]) => pkg))].join(' ')}`;
}

export interface TestOsDisk {
  path: string;
  bytes: number;
  sha256: string;
}

export interface TestOsOptions {
  kernel: DebianKernel;
  /** Printed in the marker: tells one deployed image from another (refresh: version 1 → 2). */
  version: string;
  /** The file to write (a raw disk image). */
  out: string;
  /** Bakes testos/hostname in; normally the deployment writes it. */
  hostname?: string;
}

/** Builds the disk image; the same inputs give the same bytes. */
export function buildTestOsDisk(options: TestOsOptions): TestOsDisk {
  const missing = testOsToolsMissing();
  if (missing) throw new Error(missing);
  if (!/^[A-Za-z0-9._-]{1,32}$/.test(options.version)) throw new Error(`test OS version must be 1-32 letters, digits, '.', '_' or '-' (got '${options.version}')`);
  if (options.hostname !== undefined && !/^[A-Za-z0-9.-]{1,63}$/.test(options.hostname)) throw new Error(`test OS hostname must be 1-63 letters, digits, '.' or '-' (got '${options.hostname}')`);
  const work = mkdtempSync(join(tmpdir(), 'mcshell-testos-'));
  try {
    const initrd = join(work, 'initrd.img');
    buildInitramfs(options.kernel, join(work, 'initramfs'), initrd);
    const written: [string, string][] = [
      ['testos/version', `${options.version}\n`],
      ...(options.hostname ? ([['testos/hostname', `${options.hostname}\n`]] as [string, string][]) : []),
    ];
    return writeBootableDisk({ kernel: options.kernel.vmlinuz, initrd, written, partitionBytes: PARTITION_BYTES, append: LAB_KERNEL_APPEND }, options.out);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** What a bootable disk of the lab holds: a kernel, its initramfs, small text files, and the kernel's command line. */
export interface BootableDiskSpec {
  kernel: string;
  initrd: string;
  /** Files written into the FAT partition: [path, text]. */
  written: [string, string][];
  partitionBytes: number;
  append: string;
}

/** Writes `out`: the MBR, then the FAT partition that syslinux boots (BIOS and UEFI); reproducible. */
export function writeBootableDisk(spec: BootableDiskSpec, out: string): TestOsDisk {
  const work = mkdtempSync(join(tmpdir(), 'mcshell-disk-'));
  try {
    const partition = join(work, 'partition.img');
    buildPartition(spec, join(work, 'files'), partition);
    writeDisk(partition, out);
    const bytes = readFileSync(out);
    return { path: out, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const INIT = `#!/bin/busybox sh
# mcshell test OS: report which machine booted which image, then power off.
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for module in $(cat /modules.load); do insmod "/modules/$module.ko"; done
mounted=
for try in $(seq 100); do
  [ -b /dev/vda1 ] && mount -t vfat -o ro /dev/vda1 /mnt 2>/dev/null && mounted=yes && break
  sleep 0.1
done
[ -n "$mounted" ] || echo "mcshell test OS: cannot mount /dev/vda1 (its virtio disk's FAT partition)" >/dev/console
host=$(head -n 1 /mnt/testos/hostname 2>/dev/null | tr -cd 'A-Za-z0-9.-')
version=$(head -n 1 /mnt/testos/version 2>/dev/null | tr -cd 'A-Za-z0-9._-')
firmware=bios
[ -d /sys/firmware/efi ] && firmware=uefi
echo "${TESTOS_MARKER} host=\${host:-unnamed} version=\${version:-unknown} firmware=$firmware" >/dev/console
umount /mnt 2>/dev/null
sync
poweroff -f
`;

function buildInitramfs(kernel: DebianKernel, root: string, out: string): void {
  for (const dir of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'proc', 'sys', 'dev', 'mnt', 'modules']) mkdirSync(join(root, dir), { recursive: true });
  copyFileSync(BUSYBOX, join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  symlinkSync('busybox', join(root, 'bin/sh'));
  writeFileSync(join(root, 'init'), INIT, { mode: 0o755 });
  // The boot image's resolver: dependencies first, compressed modules unpacked (insmod takes a plain .ko).
  const order = resolveModules(kernel.modules, INIT_MODULES).loadOrder.map((path) => ({ path, name: basename(imageModulePath(path), '.ko') }));
  for (const { path, name } of order) writeFileSync(join(root, 'modules', `${name}.ko`), moduleBytes(kernel.modules, path));
  writeFileSync(join(root, 'modules.load'), order.map(({ name }) => name).join('\n') + '\n');
  pinTimes(root);
  const files = listTree(root).map((path) => relative(root, path) || '.');
  const cpio = spawnSync('cpio', ['--quiet', '-o', '-H', 'newc', '--reproducible', '-R', '0:0'], { cwd: root, input: files.join('\n') + '\n', maxBuffer: 256 << 20 });
  if (cpio.status !== 0) throw new Error(`cpio failed: ${cpio.stderr.toString().trim()}`);
  const zstd = spawnSync('zstd', ['-q', '-19', '-c'], { input: cpio.stdout, maxBuffer: 256 << 20 });
  if (zstd.status !== 0) throw new Error(`zstd failed: ${zstd.stderr.toString().trim()}`);
  writeFileSync(out, zstd.stdout);
}

/**
 * The kernel command line of the lab's disks. no_timer_check: on an overloaded host an emulated
 * machine's timer can miss the kernel's early IO-APIC timer check, which then panics ("IO-APIC +
 * timer doesn't work!").
 */
export const LAB_KERNEL_APPEND = 'console=ttyS0 loglevel=4 no_timer_check';

const syslinuxCfg = (append: string) => `DEFAULT testos
PROMPT 0
TIMEOUT 0
LABEL testos
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND ${append}
`;

function buildPartition(spec: BootableDiskSpec, staging: string, out: string): void {
  const files: [source: string, target: string][] = [
    [spec.kernel, 'vmlinuz'],
    [spec.initrd, 'initrd.img'],
    [SYSLINUX_EFI, 'EFI/BOOT/BOOTX64.EFI'],
    [LDLINUX_E64, 'EFI/BOOT/ldlinux.e64'],
  ];
  const written: [string, string][] = [['syslinux.cfg', syslinuxCfg(spec.append)], ['EFI/BOOT/syslinux.cfg', syslinuxCfg(spec.append)], ...spec.written];
  for (const [source, target] of files) {
    mkdirSync(dirname(join(staging, target)), { recursive: true });
    copyFileSync(source, join(staging, target));
  }
  for (const [target, text] of written) {
    mkdirSync(dirname(join(staging, target)), { recursive: true });
    writeFileSync(join(staging, target), text);
  }
  pinTimes(staging);
  closeSync(openSync(out, 'w'));
  spawnOrThrow('truncate', ['-s', String(spec.partitionBytes), out]);
  // Hidden sectors = where the partition starts, so the BIOS boot code finds itself on the disk.
  spawnOrThrow('mkfs.vfat', ['-F', '32', '-S', '512', '-s', '1', '-h', String(PARTITION_START_SECTOR), '-n', 'TESTOS', '--invariant', '--mbr=n', out]);
  const mtools = { ...process.env, SOURCE_DATE_EPOCH: String(EPOCH), MTOOLS_SKIP_CHECK: '1', MTOOLSRC: '/dev/null' };
  const targets = [...files.map(([, target]) => target), ...written.map(([target]) => target)].sort();
  const dirs = new Set(targets.flatMap((target) => target.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
  for (const dir of [...dirs].sort()) spawnOrThrow('mmd', ['-i', out, `::/${dir}`], mtools);
  for (const target of targets) spawnOrThrow('mcopy', ['-i', out, '-m', join(staging, target), `::/${target}`], mtools);
  spawnOrThrow('syslinux', ['--install', out], mtools);
}

/** Writes the MBR (syslinux's boot code, one active partition of type ef) and the partition after it. */
function writeDisk(partition: string, out: string): void {
  const sectors = statSync(partition).size / 512;
  const mbr = Buffer.alloc(512);
  readFileSync(MBR_BIN).copy(mbr, 0, 0, 440);
  mbr.writeUInt32LE(0x4d435354, 440); // disk signature "MCST": fixed, for reproducibility
  const entry = 446;
  mbr[entry] = 0x80; // active: syslinux's MBR boots it
  chs(PARTITION_START_SECTOR).copy(mbr, entry + 1);
  mbr[entry + 4] = 0xef; // EFI System Partition: OVMF boots EFI/BOOT/BOOTX64.EFI from it
  chs(PARTITION_START_SECTOR + sectors - 1).copy(mbr, entry + 5);
  mbr.writeUInt32LE(PARTITION_START_SECTOR, entry + 8);
  mbr.writeUInt32LE(sectors, entry + 12);
  mbr.writeUInt16LE(0xaa55, 510);
  const fd = openSync(out, 'w');
  try {
    writeSync(fd, mbr, 0, 512, 0);
    writeSync(fd, Buffer.alloc((PARTITION_START_SECTOR - 1) * 512), 0, (PARTITION_START_SECTOR - 1) * 512, 512);
    writeSync(fd, readFileSync(partition), 0, sectors * 512, PARTITION_START_SECTOR * 512);
  } finally {
    closeSync(fd);
  }
}

/** A cylinder/head/sector address in the usual 255-head, 63-sector geometry (BIOS boot code may still read it). */
function chs(lba: number): Buffer {
  const cylinder = Math.min(Math.floor(lba / (255 * 63)), 1023);
  const head = Math.floor(lba / 63) % 255;
  const sector = (lba % 63) + 1;
  return Buffer.from([head, ((cylinder >> 2) & 0xc0) | sector, cylinder & 0xff]);
}

function listTree(root: string): string[] {
  const out = [root];
  if (lstatSync(root).isDirectory()) for (const entry of readdirSync(root).sort()) out.push(...listTree(join(root, entry)));
  return out;
}

function pinTimes(root: string): void {
  for (const path of listTree(root)) lutimesSync(path, EPOCH, EPOCH);
}

function spawnOrThrow(command: string, args: string[], env?: NodeJS.ProcessEnv): void {
  const result = spawnSync(command, args, { encoding: 'utf8', env });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}): ${(result.stderr || result.stdout || result.error?.message || '').trim()}`);
}
