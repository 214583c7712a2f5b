// Failed writes to the site's disk, said in an admin's terms: which disk, how much room is left
// on it, and what to do, instead of a bare ENOSPC or EROFS.
import { EngineError } from '../errors.js';
import { describeDisk, diskOf, isDiskFull } from '../client/disk.js';

const NOT_WRITABLE: Record<string, { id: string; what: string; remedy: string }> = {
  EROFS: { id: 'SiteDiskReadOnly', what: 'is mounted read-only', remedy: 'remount it read-write to make changes (reading the site works as it is)' },
  EACCES: { id: 'SiteNotWritable', what: 'does not let this user write there', remedy: "run mcshell as the site's owner" },
  EPERM: { id: 'SiteNotWritable', what: 'does not let this user write there', remedy: "run mcshell as the site's owner" },
};

/** Rethrows a failed write of `action` at `path` as an EngineError when the disk is the cause; any other error as it is. */
export async function rethrowDiskError(action: string, path: string, error: unknown): Promise<never> {
  const code = (error as NodeJS.ErrnoException)?.code;
  const kind = isDiskFull(code) ? { id: 'SiteDiskFull', what: 'is full', remedy: 'free space there and try again' } : code ? NOT_WRITABLE[code] : undefined;
  if (!kind) throw error;
  throw new EngineError(kind.id, 'ResourceUnavailable', `${action} failed: ${describeDisk(await diskOf(path), path)} ${kind.what} (${code}); ${kind.remedy}.`, path);
}

/** Images in the content library: the owner's, and read-only. */
export const IMAGE_FILE = 0o400;
