// Growing a filesystem into its enlarged partition, with each filesystem's own tool. A filesystem
// that needs a check first gets it (e2fsck -f before resize2fs); one that cannot be grown here is
// reported with the command that would do it.
import { mkdtemp, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../errors.js';
import type { DiskPartition } from './format.js';
import { run, withLoop } from './tools.js';

/** Grows the partition's filesystem to `sizeBytes`; false (and a note) when it was left as it was. */
export async function growFilesystem(disk: string, partition: DiskPartition, sizeBytes: number, onNote?: (message: string) => void): Promise<boolean> {
  const fs = partition.filesystem!;
  return withLoop(disk, partition.start, sizeBytes, false, async (device) => {
    try {
      switch (fs) {
        case 'ext2':
        case 'ext3':
        case 'ext4':
          // resize2fs refuses a filesystem not checked since it was last mounted.
          await run('e2fsck', ['-f', '-p', device], { okCodes: [1] });
          await run('resize2fs', [device]);
          return true;
        case 'ntfs':
          await run('ntfsresize', ['--force', '--no-progress-bar', device], { input: 'y\n' });
          return true;
        case 'vfat':
          await run('fatresize', ['--size', String(sizeBytes), device]);
          return true;
        case 'xfs':
          await mounted(device, (dir) => run('xfs_growfs', [dir]));
          return true;
        case 'btrfs':
          await mounted(device, (dir) => run('btrfs', ['filesystem', 'resize', 'max', dir]));
          return true;
        default:
          onNote?.(`Partition ${partition.number} grew to ${sizeBytes} bytes, but mcshell does not know how to grow ${fs}; its filesystem keeps its size.`);
          return false;
      }
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      onNote?.(`Partition ${partition.number} grew to ${sizeBytes} bytes, but its ${fs} filesystem was not grown: ${error.message}`);
      return false;
    }
  });
}

async function mounted(device: string, use: (dir: string) => Promise<unknown>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-grow-'));
  try {
    await run('mount', [device, dir]);
    try {
      await use(dir);
    } finally {
      await run('umount', [dir]);
    }
  } finally {
    await rmdir(dir).catch(() => undefined);
  }
}
