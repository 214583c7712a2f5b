// Growing each filesystem mcshell grows on apply (root only: loop devices, mounts): a GPT disk whose
// last partition holds FAT32, xfs or btrfs is converted and applied to a larger disk; the partition
// and its filesystem fill the new space, the filesystem checks clean and its files match. And an MBR
// disk with an extended partition and logical ones, the last FAT32: applied at its size and larger.
// Each disk is about as small as its tools allow, and sparse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyDiskImage } from '../../../src/engine/disk/apply.js';
import { convertDisk } from '../../../src/engine/disk/convert.js';
import { readPartitionTable } from '../../../src/engine/disk/probe.js';
import { MiB, partitions, root, sampleFiles, scratch, sh, withLoop, writeBytes } from './fixtures.js';

const skip = !root && 'loop devices and mounts need root';

interface Filesystem {
  name: string;
  /** The source partition's size: about the least its tools accept (libparted resizes FAT32 only from about 260 MiB, the kernel resizes btrfs only to 256 MiB and more). */
  sizeMiB: number;
  make(device: string, files: Map<string, Buffer>): Promise<unknown>;
  check(device: string): void;
  /** The bytes the filesystem spans. */
  bytes(device: string): number;
  read(device: string, name: string): Promise<Buffer> | Buffer;
}

const filesystems: Filesystem[] = [
  {
    name: 'vfat',
    sizeMiB: 272,
    make: async (device, files) => {
      sh('mkfs.vfat', ['-F', '32', device]);
      await inFolder(files, (dir) => {
        for (const name of files.keys()) sh('mcopy', ['-i', device, join(dir, name), `::/${name}`]);
      });
    },
    check: (device) => sh('fsck.vfat', ['-n', device]),
    // The boot sector's total sector count (FAT32: offset 32) times its bytes per sector (offset 11).
    bytes: (device) => {
      const boot = spawnSync('dd', [`if=${device}`, 'bs=512', 'count=1', 'status=none']).stdout;
      return boot.readUInt32LE(32) * boot.readUInt16LE(11);
    },
    read: (device, name) => spawnSync('mcopy', ['-i', device, `::/${name}`, '-'], { maxBuffer: 64 * MiB }).stdout,
  },
  {
    name: 'xfs',
    sizeMiB: 300,
    make: async (device, files) => {
      sh('mkfs.xfs', ['-q', device]);
      await mountedAt(device, (dir) => Promise.all([...files].map(([name, data]) => writeFile(join(dir, name), data))));
    },
    check: (device) => sh('xfs_repair', ['-n', device]),
    bytes: (device) => {
      const [dblocks, blocksize] = ['dblocks', 'blocksize'].map((field) => Number(/= (\d+)/.exec(sh('xfs_db', ['-r', '-c', 'sb 0', '-c', `print ${field}`, device]))![1]));
      return dblocks! * blocksize!;
    },
    read: (device, name) => mountedAt(device, (dir) => readFile(join(dir, name))),
  },
  {
    name: 'btrfs',
    sizeMiB: 256,
    make: (device, files) => inFolder(files, (dir) => sh('mkfs.btrfs', ['-q', '-f', '--rootdir', dir, device])),
    check: (device) => sh('btrfs', ['check', '--readonly', device]),
    bytes: (device) => Number(/^total_bytes\s+(\d+)/m.exec(sh('btrfs', ['inspect-internal', 'dump-super', device]))![1]),
    read: (device, name) => mountedAt(device, (dir) => readFile(join(dir, name))),
  },
];

const vfat = filesystems[0]!;

for (const fs of filesystems) {
  test(`onto a larger disk a last partition holding ${fs.name} grows, and so does its filesystem: checked clean, files intact`, { skip }, async (t) => {
    const dir = await scratch(t);
    const source = join(dir, 'source.raw');
    sh('truncate', ['--size', String((fs.sizeMiB + 2) * MiB), source]);
    sh('sfdisk', ['--quiet', source], 'label: gpt\n,,L\n');
    const files = sampleFiles(fs.name);
    const before = partitions(source)[0]!;
    await withLoop(source, before.start, before.size, (device) => fs.make(device, files));
    const image = join(dir, 'image.mcdisk');
    const index = await convertDisk(source, (await stat(source)).size, (await readPartitionTable(source))!, image);
    assert.deepEqual([index.partitions[0]!.filesystem, index.partitions[0]!.method], [fs.name, 'used-blocks']);

    const target = join(dir, 'larger.raw');
    sh('truncate', ['--size', String((fs.sizeMiB + 34) * MiB), target]);
    const notes: string[] = [];
    const result = await applyDiskImage(image, target, { onNote: (note) => notes.push(note) });
    assert.deepEqual(notes, []);
    const after = partitions(target)[0]!;
    assert.equal(after.size, before.size + 32 * MiB, 'the partition grew by the 32 MiB the disk grew');
    assert.deepEqual(result.grown, { number: 1, sizeBytes: after.size, filesystem: fs.name, filesystemGrown: true });
    assert.equal(sh('sfdisk', ['--dump', target]).split('\n').find((line) => line.includes('type=')), sh('sfdisk', ['--dump', source]).split('\n').find((line) => line.includes('type='))!.replace('source.raw', 'larger.raw').replace(`size=${String(before.size / 512).padStart(12)}`, `size=${String(after.size / 512).padStart(12)}`), 'the table is as apply wrote it');
    await withLoop(target, after.start, after.size, async (device) => {
      fs.check(device);
      const grownTo = fs.bytes(device);
      assert.ok(grownTo > after.size - 4 * MiB && grownTo <= after.size, `${fs.name} spans ${grownTo} bytes of its ${after.size}-byte partition (it spanned at most ${before.size})`);
      for (const [name, data] of files) assert.ok((await fs.read(device, name)).equals(data), `${fs.name} ${name}`);
    });
  });
}

async function inFolder<T>(files: Map<string, Buffer>, use: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'disk-files-'));
  try {
    for (const [name, data] of files) await writeFile(join(dir, name), data);
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function mountedAt<T>(device: string, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'disk-mount-'));
  sh('mount', [device, dir]);
  try {
    return await use(dir);
  } finally {
    sh('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  }
}

test('an MBR disk with logical partitions in an extended one round-trips, and onto a larger disk its last logical FAT32 grows', { skip }, async (t) => {
  const dir = await scratch(t);
  const source = join(dir, 'source.raw');
  sh('truncate', ['--size', String(300 * MiB), source]);
  // 1 ext4 (primary), 2 extended: 5 unknown, 6 FAT32 (the rest).
  sh('sfdisk', ['--quiet', source], 'label: dos\n,16M,83\n,,5\n,4M,da\n,,c\n');
  const [ext4, extended, unknown, fat] = partitions(source);
  assert.deepEqual([ext4!.number, extended!.number, unknown!.number, fat!.number], [1, 2, 5, 6]);
  const files = sampleFiles('mbr');
  await inFolder(files, (content) => withLoop(source, ext4!.start, ext4!.size, (device) => sh('mkfs.ext4', ['-q', '-d', content, device])));
  const unknownBytes = randomBytes(MiB);
  await writeBytes(source, unknown!.start + MiB, unknownBytes);
  await withLoop(source, fat!.start, fat!.size, (device) => vfat.make(device, files));
  const image = join(dir, 'image.mcdisk');
  const index = await convertDisk(source, (await stat(source)).size, (await readPartitionTable(source))!, image);
  assert.deepEqual(index.partitions.map((p) => [p.number, p.filesystem, p.method]), [[1, 'ext4', 'used-blocks'], [5, null, 'whole'], [6, 'vfat', 'used-blocks']]);

  const dump = (file: string) => sh('sfdisk', ['--dump', file]).replace(/^device:.*$/m, '').replaceAll(/^\S+?(\d+) :/gm, '$1 :');
  const checkFiles = async (file: string) => {
    const [e, , u, f] = partitions(file);
    await withLoop(file, e!.start, e!.size, (device) => {
      sh('e2fsck', ['-f', '-n', device]);
      for (const [name, data] of files) assert.ok(spawnSync('debugfs', ['-R', `cat /${name}`, device], { maxBuffer: 64 * MiB }).stdout.equals(data), `ext4 ${name}`);
    });
    assert.ok((await readAt(file, u!.start + MiB, MiB)).equals(unknownBytes), 'the unknown logical partition is byte for byte the source');
    await withLoop(file, f!.start, f!.size, async (device) => {
      vfat.check(device);
      for (const [name, data] of files) assert.ok((await vfat.read(device, name)).equals(data), `FAT ${name}`);
    });
  };
  const same = join(dir, 'same.raw');
  await applyDiskImage(image, same);
  assert.equal(dump(same), dump(source), 'the table, extended and logical partitions included, is the source\'s');
  await checkFiles(same);

  const larger = join(dir, 'larger.raw');
  sh('truncate', ['--size', String(332 * MiB), larger]);
  const notes: string[] = [];
  const result = await applyDiskImage(image, larger, { onNote: (note) => notes.push(note) });
  assert.deepEqual(notes, []);
  const grown = partitions(larger);
  assert.equal(grown[1]!.size, extended!.size + 32 * MiB, 'the extended partition grew by the 32 MiB the disk grew');
  assert.equal(grown[3]!.size, fat!.size + 32 * MiB - 512, 'the logical FAT partition grew with it (to a sector short of the end: libparted wants that)');
  assert.deepEqual(result.grown, { number: 6, sizeBytes: grown[3]!.size, filesystem: 'vfat', filesystemGrown: true });
  await withLoop(larger, grown[3]!.start, grown[3]!.size, (device) => assert.ok(vfat.bytes(device) > fat!.size + 28 * MiB, 'FAT32 fills its grown partition'));
  await checkFiles(larger);
});

async function readAt(file: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const data = Buffer.alloc(length);
    await handle.read(data, 0, length, offset);
    return data;
  } finally {
    await handle.close();
  }
}
