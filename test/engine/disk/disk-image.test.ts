// The disk image format on real disks in files (root only: loop devices, partclone, mkfs): a GPT
// and an MBR disk with FAT32, NTFS, an unknown filesystem and ext4 are converted and applied back,
// onto a fresh sparse file, a disk full of old data, a larger disk (the last partition and its ext4
// grow) and a smaller one (refused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyDiskImage } from '../../../src/engine/disk/apply.js';
import { convertDisk } from '../../../src/engine/disk/convert.js';
import { readDiskImage } from '../../../src/engine/disk/format.js';
import { readPartitionTable } from '../../../src/engine/disk/probe.js';
import { shrinkLastPartition } from '../../../src/engine/disk/shrink.js';
import { assertDiskMatches, makeDisk, MiB, partitions, root, scratch, sh, withLoop, type TestDisk } from './fixtures.js';

const skip = !root && 'loop devices need root';

async function convert(dir: string, disk: TestDisk): Promise<string> {
  const image = join(dir, `${disk.label}.mcdisk`);
  const table = await readPartitionTable(disk.file);
  assert.ok(table, 'the disk has a partition table');
  await convertDisk(disk.file, (await stat(disk.file)).size, table, image);
  return image;
}

/** A disk of `label` made and converted in a scratch folder, and where to apply it. */
async function converted(t: { after(fn: () => Promise<void>): void }, label: 'gpt' | 'dos', targetName: string) {
  const dir = await scratch(t);
  const disk = await makeDisk(dir, label);
  return { disk, image: await convert(dir, disk), target: join(dir, targetName) };
}

for (const label of ['gpt', 'dos'] as const) {
  test(`a ${label} disk round-trips: used blocks of FAT32, NTFS and ext4, the unknown partition whole, files byte for byte, fsck clean`, { skip }, async (t) => {
    const dir = await scratch(t);
    const disk = await makeDisk(dir, label);
    const image = await convert(dir, disk);
    const { index } = readDiskImage(image);
    assert.deepEqual(
      index.partitions.map((p) => [p.number, p.filesystem, p.method]),
      [
        [1, 'vfat', 'used-blocks'],
        [2, 'ntfs', 'used-blocks'],
        [3, null, 'whole'],
        [4, 'ext4', 'used-blocks'],
      ],
    );
    const stored = (await stat(image)).size;
    assert.ok(stored < 0.25 * index.diskBytes, `stored ${stored} bytes of a ${index.diskBytes}-byte disk`);
    const target = join(dir, 'target.raw');
    const result = await applyDiskImage(image, target);
    assert.equal(result.sha256, index.sha256);
    assert.equal(result.chunksSkipped, 0);
    const written = await stat(target);
    assert.equal(written.size, index.diskBytes);
    assert.ok(written.blocks * 512 < 0.5 * index.diskBytes, `the target stays sparse (${written.blocks * 512} bytes allocated)`);
    assert.equal(sh('sfdisk', ['--dump', target]).replace(/^device:.*$/m, '').replaceAll('target.raw', 'X'), sh('sfdisk', ['--dump', disk.file]).replace(/^device:.*$/m, '').replaceAll(`source-${label}.raw`, 'X'));
    const heads = await Promise.all([disk.file, target].map(async (file) => {
      const handle = await open(file, 'r');
      const head = Buffer.alloc(440);
      await handle.read(head, 0, 440, 0);
      await handle.close();
      return head;
    }));
    assert.ok(heads[0]!.equals(heads[1]!), 'the boot code before the table is copied');
    await assertDiskMatches(disk, target);

    // Applied again: every chunk is already there, nothing is written.
    const again = await applyDiskImage(image, target);
    assert.equal(again.chunksWritten, 0);
    assert.equal(again.chunksSkipped, index.chunks.length);
  });
}

test('onto a disk full of old data: the filesystems check clean, files and the unknown partition match', { skip }, async (t) => {
  const { disk, image, target } = await converted(t, 'gpt', 'old.raw');
  await writeFile(target, Buffer.alloc(160 * MiB, 0xa5));
  const result = await applyDiskImage(image, target);
  assert.ok(result.chunksWritten > 0);
  await assertDiskMatches(disk, target);
});

test('onto a larger disk the last partition and its ext4 grow, and fsck finds it clean', { skip }, async (t) => {
  const { disk, image, target } = await converted(t, 'gpt', 'larger.raw');
  sh('truncate', ['--size', String(224 * MiB), target]);
  const notes: string[] = [];
  const result = await applyDiskImage(image, target, { onNote: (note) => notes.push(note) });
  assert.deepEqual(notes, []);
  const before = partitions(disk.file).at(-1)!;
  const after = partitions(target).at(-1)!;
  assert.equal(after.size, before.size + 64 * MiB, `the last partition grew by the 64 MiB the disk grew (${after.size - before.size})`);
  assert.deepEqual(result.grown, { number: 4, sizeBytes: after.size, filesystem: 'ext4', filesystemGrown: true });
  await withLoop(target, after.start, after.size, (dev) => {
    const superblock = sh('dumpe2fs', ['-h', dev]);
    const blocks = Number(/^Block count:\s+(\d+)/m.exec(superblock)![1]);
    const blockSize = Number(/^Block size:\s+(\d+)/m.exec(superblock)![1]);
    assert.equal(blocks * blockSize, after.size - (after.size % blockSize), 'ext4 fills its partition');
  });
  await assertDiskMatches(disk, target);
});

test('a smaller disk is refused, naming both sizes, and left as it was', { skip }, async (t) => {
  const { image, target } = await converted(t, 'dos', 'smaller.raw');
  await writeFile(target, Buffer.alloc(128 * MiB, 0x5a));
  await assert.rejects(applyDiskImage(image, target), (error: Error & { id?: string }) => {
    assert.equal(error.id, 'DiskTooSmall');
    assert.match(error.message, new RegExp(`holds ${128 * MiB} bytes, smaller than the image: its partitions need ${160 * MiB} bytes .*not captured shrinkable: Import-OSImage -Shrinkable`));
    return true;
  });
  const content = Buffer.alloc(128 * MiB);
  const handle = await open(target, 'r');
  await handle.read(content, 0, content.length, 0);
  await handle.close();
  assert.ok(content.every((byte) => byte === 0x5a), 'nothing was written');
});

test('a damaged filesystem is kept whole, with a note saying why, and restored byte for byte', { skip }, async (t) => {
  const dir = await scratch(t);
  const disk = await makeDisk(dir, 'gpt');
  const ext4 = partitions(disk.file).at(-1)!;
  // The group descriptors (block 2 of a 1 KiB-block ext4): blkid still sees ext4, partclone cannot map it.
  const handle = await open(disk.file, 'r+');
  await handle.write(randomBytes(1024), 0, 1024, ext4.start + 2048);
  await handle.close();
  const table = (await readPartitionTable(disk.file))!;
  const image = join(dir, 'damaged.mcdisk');
  const notes: string[] = [];
  const index = await convertDisk(disk.file, (await stat(disk.file)).size, table, image, { onNote: (note) => notes.push(note) });
  assert.deepEqual([index.partitions[3]!.filesystem, index.partitions[3]!.method], ['ext4', 'whole']);
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, /^Partition 4: partclone\.extfs could not read the ext4 filesystem .*kept whole, zero runs skipped; check it with fsck/);
  const target = join(dir, 'restored.raw');
  await applyDiskImage(image, target);
  const read = async (file: string) => {
    const bytes = Buffer.alloc(ext4.size);
    const h = await open(file, 'r');
    await h.read(bytes, 0, bytes.length, ext4.start);
    await h.close();
    return bytes;
  };
  assert.ok((await read(target)).equals(await read(disk.file)), 'the damaged partition is restored as it was');
});

test('captured shrinkable, the image fits a smaller disk: its last partition is stored shrunk and grows to fill the target', { skip }, async (t) => {
  const dir = await scratch(t);
  const disk = await makeDisk(dir, 'gpt');
  const table = (await readPartitionTable(disk.file))!;
  const shrunk = await shrinkLastPartition(disk.file, table, join(dir, 'shrunk.part'));
  const source = partitions(disk.file).at(-1)!;
  assert.ok(shrunk.size < source.size / 2, `ext4 shrunk from ${source.size} to ${shrunk.size} bytes`);
  const image = join(dir, 'shrinkable.mcdisk');
  const index = await convertDisk(disk.file, (await stat(disk.file)).size, table, image, { shrunk });
  assert.equal(index.shrunk, true);
  assert.equal(index.partitions[3]!.size, shrunk.size);
  const target = join(dir, 'smaller.raw');
  sh('truncate', ['--size', String(128 * MiB), target]);
  const result = await applyDiskImage(image, target);
  const after = partitions(target).at(-1)!;
  assert.deepEqual(result.grown, { number: 4, sizeBytes: after.size, filesystem: 'ext4', filesystemGrown: true });
  assert.ok(after.start + after.size > 120 * MiB, 'the last partition fills the smaller disk');
  await assertDiskMatches(disk, target);
});
