// Growing each filesystem mcshell grows on apply (root only: loop devices, mounts): a GPT disk whose
// last partition holds FAT32, xfs or btrfs is converted and applied to a larger disk; the partition
// and its filesystem fill the new space, the filesystem checks clean and its files match. Each disk
// is about as small as its tools allow, and sparse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyDiskImage } from '../../../src/engine/disk/apply.js';
import { convertDisk } from '../../../src/engine/disk/convert.js';
import { readPartitionTable } from '../../../src/engine/disk/probe.js';
import { MiB, partitions, root, sampleFiles, scratch, sh, withLoop } from './fixtures.js';

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
