// The client's disk, for clear errors: which file system holds a target, how much room it has,
// and whether a write error means "this disk is full".
import { readFileSync } from 'node:fs';
import { realpath, stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { discardPartialOutput } from '../transport/index.js';

/** Error codes of a write that found no room (quota and file size limits included). */
const DISK_FULL_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

export function isDiskFull(code: string | undefined): boolean {
  return code !== undefined && DISK_FULL_CODES.has(code);
}

export interface Disk {
  /** Where the file system is mounted, what it is (tmpfs, ext4…) and what backs it (/dev/sda2…). */
  mountPoint: string;
  fsType: string;
  source: string;
  freeBytes: number;
}

/** The file system that holds `path` (a file that may not exist yet), or null when it cannot be told. */
export async function diskOf(path: string): Promise<Disk | null> {
  try {
    const dir = await realpath(dirname(path));
    const info = await statfs(dir);
    const mount = mountOf(dir);
    return { mountPoint: mount?.mountPoint ?? dir, fsType: mount?.fsType ?? 'unknown', source: mount?.source ?? 'unknown', freeBytes: info.bavail * info.bsize };
  } catch {
    return null;
  }
}

/** "the disk /dev/sda2 (ext4, mounted at /srv)" — what an administrator needs to find it. */
export function describeDisk(disk: Disk | null, path: string): string {
  if (!disk) return `the disk holding ${path}`;
  return `the disk ${disk.source} (${disk.fsType}, mounted at ${disk.mountPoint}, ${formatBytes(disk.freeBytes)} free)`;
}

/**
 * A write to `target` failed with `code`: says which disk, and removes what the receive kept for
 * resuming (its sparse copy and state), which frees the space and must not pass for the image.
 */
export async function discardAfterWriteFailure(target: string, code: string, detail: string): Promise<string> {
  const disk = await diskOf(target);
  discardPartialOutput(target);
  return `cannot write ${target}: ${isDiskFull(code) ? 'no space left on' : `${code} on`} ${describeDisk(disk, target)} (${detail}); the partial copy was removed`;
}

/** Bytes that files at `paths` already occupy on disk (sparse files count what they really use). */
export async function allocatedBytes(paths: string[]): Promise<number> {
  let total = 0;
  for (const path of paths) total += await stat(path).then((info) => Math.min(info.size, info.blocks * 512), () => 0);
  return total;
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The longest mount point in /proc/self/mountinfo that contains `dir`. */
function mountOf(dir: string): { mountPoint: string; fsType: string; source: string } | null {
  let best: { mountPoint: string; fsType: string; source: string } | null = null;
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    // id parent major:minor root mount-point options [optional fields…] - fstype source super-options
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const mountPoint = unescapeMount(left.split(' ')[4] ?? '');
    const [fsType = 'unknown', source = 'unknown'] = right.split(' ');
    const inside = mountPoint === '/' || dir === mountPoint || dir.startsWith(`${mountPoint}/`);
    if (inside && (!best || mountPoint.length >= best.mountPoint.length)) best = { mountPoint, fsType, source: unescapeMount(source) };
  }
  return best;
}

/** mountinfo writes space, tab, newline and backslash as octal escapes. */
function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}
