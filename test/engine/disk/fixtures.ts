// Real disks in files for the disk-image tests (root only: loop devices): a partition table, a
// FAT32, an NTFS, an unknown-filesystem and an ext4 partition (last, so it is the one that grows),
// each holding known files. Every loop device attached here is detached by the helper that made it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MiB = 1024 * 1024;
export const root = process.getuid?.() === 0;

export function sh(command: string, args: string[], input?: string): string {
  const result = spawnSync(command, args, { encoding: 'utf8', input });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Runs `use` with a loop device over [offset, offset + size) of `file`, detaching it afterwards. */
export async function withLoop<T>(file: string, offset: number, size: number, use: (device: string) => Promise<T> | T): Promise<T> {
  const device = sh('losetup', ['--find', '--show', '--offset', String(offset), '--sizelimit', String(size), file]).trim();
  try {
    return await use(device);
  } finally {
    spawnSync('losetup', ['--detach', device]);
  }
}

export interface Partition {
  number: number;
  start: number;
  size: number;
}

export function partitions(file: string): Partition[] {
  const table = JSON.parse(sh('sfdisk', ['--json', file])) as { partitiontable: { partitions: { node: string; start: number; size: number }[] } };
  return table.partitiontable.partitions.map((p) => ({ number: Number(/(\d+)$/.exec(p.node)![1]), start: p.start * 512, size: p.size * 512 }));
}

/** The files each filesystem gets: text, random bytes, an empty file. */
export function sampleFiles(seed: string): Map<string, Buffer> {
  return new Map([
    ['readme.txt', Buffer.from(`disk image test ${seed}\n`.repeat(2000))],
    ['random.bin', randomBytes(3 * MiB + 123)],
    ['empty.dat', Buffer.alloc(0)],
  ]);
}

export interface TestDisk {
  file: string;
  label: 'gpt' | 'dos';
  files: Map<string, Buffer>;
  /** The unknown partition's bytes. */
  unknown: Buffer;
}

/** A 160 MiB disk: 1 FAT32 (40 MiB), 2 NTFS (40 MiB), 3 unknown (8 MiB), 4 ext4 (the rest). */
export async function makeDisk(dir: string, label: 'gpt' | 'dos'): Promise<TestDisk> {
  const file = join(dir, `source-${label}.raw`);
  sh('truncate', ['--size', String(160 * MiB), file]);
  const types = label === 'gpt' ? ['U', 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7', 'L', 'L'] : ['c', '7', 'da', '83'];
  sh('sfdisk', ['--quiet', file], `label: ${label}\n,40M,${types[0]}\n,40M,${types[1]}\n,8M,${types[2]}\n,,${types[3]}\n`);
  // Grub-like boot code before the first partition: kept with the table.
  const boot = randomBytes(440);
  await writeBytes(file, 0, boot);
  const files = sampleFiles(label);
  const content = await mkdtemp(join(tmpdir(), 'disk-files-'));
  try {
    for (const [name, data] of files) await writeFile(join(content, name), data);
    const [fat, ntfs, unknownPart, ext4] = partitions(file);
    await withLoop(file, fat!.start, fat!.size, (dev) => {
      sh('mkfs.vfat', ['-F', '32', '-s', '1', dev]);
      for (const name of files.keys()) sh('mcopy', ['-i', dev, join(content, name), `::/${name}`]);
    });
    await withLoop(file, ntfs!.start, ntfs!.size, (dev) => {
      sh('mkntfs', ['--quick', '--force', '--quiet', dev]);
      for (const name of files.keys()) sh('ntfscp', ['--force', dev, join(content, name), name]);
    });
    const unknown = Buffer.alloc(unknownPart!.size);
    randomBytes(MiB).copy(unknown, 0);
    randomBytes(4096).copy(unknown, 5 * MiB);
    await writeBytes(file, unknownPart!.start, unknown);
    await withLoop(file, ext4!.start, ext4!.size, (dev) => sh('mkfs.ext4', ['-q', '-d', content, dev]));
    return { file, label, files, unknown };
  } finally {
    await rm(content, { recursive: true, force: true });
  }
}

export async function writeBytes(file: string, offset: number, data: Buffer): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.write(data, 0, data.length, offset);
  } finally {
    await handle.close();
  }
}

/** Checks every filesystem of a disk made by makeDisk: fsck clean, the files byte for byte, the unknown partition's bytes. */
export async function assertDiskMatches(disk: TestDisk, target: string): Promise<void> {
  const [fat, ntfs, unknownPart, ext4] = partitions(target);
  await withLoop(target, fat!.start, fat!.size, (dev) => {
    sh('fsck.vfat', ['-n', dev]);
    for (const [name, data] of disk.files) assert.ok(readVia('mcopy', ['-i', dev, `::/${name}`, '-']).equals(data), `FAT ${name}`);
  });
  await withLoop(target, ntfs!.start, ntfs!.size, (dev) => {
    sh('ntfsfix', ['--no-action', dev]);
    for (const [name, data] of disk.files) assert.ok(readVia('ntfscat', [dev, name]).equals(data), `NTFS ${name}`);
  });
  const unknown = Buffer.alloc(unknownPart!.size);
  const handle = await open(target, 'r');
  await handle.read(unknown, 0, unknown.length, unknownPart!.start);
  await handle.close();
  assert.ok(unknown.equals(disk.unknown), 'the unknown partition is byte for byte the source');
  await withLoop(target, ext4!.start, ext4!.size, (dev) => {
    sh('e2fsck', ['-f', '-n', dev]);
    for (const [name, data] of disk.files) assert.ok(readVia('debugfs', ['-R', `cat /${name}`, dev]).equals(data), `ext4 ${name}`);
  });
}

function readVia(command: string, args: string[]): Buffer {
  const result = spawnSync(command, args, { maxBuffer: 64 * MiB });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}: ${String(result.stderr)}`);
  return result.stdout;
}

export async function scratch(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-disk-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(dir, { recursive: true });
  return dir;
}
