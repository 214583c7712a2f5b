// Growing a filesystem into its enlarged partition, with each filesystem's own tool. A filesystem
// that needs a check first gets it (e2fsck -f before resize2fs); one that cannot be grown here is
// reported with the command that would do it.
import { mkdtemp, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../errors.js';
import type { DiskPartition } from './format.js';
import { run, withLoop } from './tools.js';

const BTRFS_MIN_RESIZE_BYTES = 256 << 20;

/** Grows the partition's filesystem to `sizeBytes`; false (and a note) when it was left as it was. */
export async function growFilesystem(disk: string, partition: DiskPartition, sizeBytes: number, sectorSize: number, onNote?: (message: string) => void): Promise<boolean> {
  const fs = partition.filesystem!;
  const grow = async (device: string): Promise<boolean> => {
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
          await growFat(disk, partition.number, sizeBytes, sectorSize);
          return true;
        case 'xfs':
          await mounted(device, (dir) => run('xfs_growfs', [dir]));
          return true;
        case 'btrfs':
          // The kernel's answer to a smaller size is a bare "Invalid argument".
          if (sizeBytes < BTRFS_MIN_RESIZE_BYTES) throw new EngineError('DiskToolFailed', 'InvalidOperation', `the kernel resizes btrfs only to ${BTRFS_MIN_RESIZE_BYTES} bytes (256 MiB) or more`);
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
  };
  // fatresize works on the whole disk (below); the other tools on the partition alone.
  return fs === 'vfat' ? grow(disk) : withLoop(disk, partition.start, sizeBytes, false, grow);
}

/**
 * fatresize (libparted) resizes a FAT only as a partition of a disk with its table (given a lone
 * partition it aborts), resizing the partition too and rewriting the table with its own idea of
 * the partition's type; so it gets the disk and the partition's number, and the table is put back
 * as apply wrote it afterwards. It ends a partition of N bytes one sector past them, hence N less
 * a sector: the partition's own end, where the table already has it.
 */
async function growFat(disk: string, number: number, sizeBytes: number, sectorSize: number): Promise<void> {
  const table = await run('sfdisk', ['--dump', disk]);
  try {
    await run('fatresize', ['--force-yes', '--partition', String(number), '--size', String(sizeBytes - sectorSize), disk], { input: '' });
  } finally {
    if ((await run('sfdisk', ['--dump', disk])) !== table) {
      const args = ['--quiet', '--wipe', 'never', '--wipe-partitions', 'never'];
      if (!(await stat(disk)).isBlockDevice()) args.push('--no-reread', '--no-tell-kernel');
      await run('sfdisk', [...args, disk], { input: table });
    }
  }
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
