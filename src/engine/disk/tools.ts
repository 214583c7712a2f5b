// The Debian tools the disk format relies on (util-linux, partclone, e2fsprogs, ntfs-3g …), run as
// child processes with errors that name the command and what it said.
import { execFile } from 'node:child_process';
import { EngineError } from '../errors.js';

export interface RunOptions {
  input?: string;
  /** Exit codes that are not failures (e2fsck's 1: errors corrected). */
  okCodes?: number[];
}

/** Runs a tool and returns its standard output; a failure names the command line and its stderr. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { maxBuffer: 64 << 20, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      if (code !== null && (code === 0 || options.okCodes?.includes(code))) return resolve(stdout);
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
        return reject(new EngineError('DiskToolMissing', 'ResourceUnavailable', `${command} is not installed; install it (Debian: ${debianPackage(command)}).`, command));
      }
      const said = (stderr || stdout).trim().split('\n').slice(-3).join(' / ');
      reject(new EngineError('DiskToolFailed', 'InvalidOperation', `${command} ${args.join(' ')} failed${code === null ? '' : ` (exit ${code})`}: ${said}`, command));
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

function debianPackage(command: string): string {
  if (command.startsWith('partclone')) return 'partclone';
  const packages: Record<string, string> = { sfdisk: 'fdisk', blockdev: 'util-linux', blkdiscard: 'util-linux', blkid: 'util-linux', losetup: 'mount', resize2fs: 'e2fsprogs', e2fsck: 'e2fsprogs', ntfsresize: 'ntfs-3g', fatresize: 'fatresize', xfs_growfs: 'xfsprogs', btrfs: 'btrfs-progs' };
  return packages[command] ?? command;
}

/** A loop device over [offset, offset + size) of a file or device; detach it with detachLoop. */
export async function attachLoop(path: string, offset: number, size: number, readOnly: boolean): Promise<string> {
  const args = ['--find', '--show', '--offset', String(offset), '--sizelimit', String(size)];
  if (readOnly) args.push('--read-only');
  return (await run('losetup', [...args, path])).trim();
}

export async function detachLoop(device: string): Promise<void> {
  await run('losetup', ['--detach', device]).catch(() => undefined);
}

export async function withLoop<T>(path: string, offset: number, size: number, readOnly: boolean, use: (device: string) => Promise<T>): Promise<T> {
  const device = await attachLoop(path, offset, size, readOnly);
  try {
    return await use(device);
  } finally {
    await detachLoop(device);
  }
}
