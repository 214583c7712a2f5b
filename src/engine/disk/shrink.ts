// Capturing shrinkable (FOG's "resizable" images): the last partition's filesystem is shrunk to its
// minimum on a sparse copy of its used blocks (the source is never changed), so that the image fits
// disks smaller than the source; apply grows the partition and filesystem again to fill the disk.
import { open, truncate } from 'node:fs/promises';
import { EngineError } from '../errors.js';
import { detectFilesystem, lastOf, usedRanges, type PartitionTable } from './probe.js';
import { run } from './tools.js';

const MiB = 1 << 20;

/** Shrinks a copy of the last partition into `path`; its size (whole MiB). Only ext2/3/4 shrink here. */
export async function shrinkLastPartition(source: string, table: PartitionTable, path: string): Promise<{ path: string; size: number }> {
  const last = lastOf(table);
  const filesystem = await detectFilesystem(source, last.start, last.size);
  if (!filesystem || !['ext2', 'ext3', 'ext4'].includes(filesystem)) {
    throw new EngineError('NotShrinkable', 'InvalidArgument', `-Shrinkable shrinks the last partition's filesystem, which mcshell can do for ext2/3/4 only; partition ${last.number} holds ${filesystem ?? 'no filesystem mcshell knows'}. Import it without -Shrinkable.`, source);
  }
  const input = await open(source, 'r');
  const copy = await open(path, 'wx', 0o600);
  try {
    await copy.truncate(last.size);
    const buf = Buffer.allocUnsafe(MiB);
    for (const [offset, length] of await usedRanges('partclone.extfs', source, last.start, last.size)) {
      for (let at = offset; at < offset + length; at += MiB) {
        const { bytesRead } = await input.read(buf, 0, Math.min(MiB, offset + length - at), last.start + at);
        await copy.write(buf, 0, bytesRead, at);
      }
    }
  } finally {
    await input.close();
    await copy.close();
  }
  await run('e2fsck', ['-f', '-y', path], { okCodes: [1] });
  await run('resize2fs', ['-M', path]);
  const superblock = await run('dumpe2fs', ['-h', path]);
  const fsBytes = Number(/^Block count:\s+(\d+)/m.exec(superblock)?.[1]) * Number(/^Block size:\s+(\d+)/m.exec(superblock)?.[1]);
  const size = Math.min(last.size, Math.ceil(fsBytes / MiB) * MiB);
  await truncate(path, size);
  return { path, size };
}
