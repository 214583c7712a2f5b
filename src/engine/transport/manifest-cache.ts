// Manifests of images sent before, so that sending the same image again does not hash it again.
// Hashing (SHA-256 of every block and of the whole image) costs ~0.2 s of CPU per 128 MB and
// minutes for 50 GB; a sender does it during the session's first seconds, when it competes with
// sending, and receivers hold what they get unverified until the manifest arrives.
//
// An entry is keyed by what identifies a file's content without reading it: device, inode, size,
// and modification and change times in nanoseconds (any write moves the change time, which no
// system call can set back), plus the block geometry. Only regular files: a block device's times
// do not follow its content. File times are coarse (a clock tick, 2 s on FAT): a write in the same
// tick as the last one would not move them, so a manifest is stored only for a file whose change
// time was at least RACY_MS old when it was opened (as git treats its index). An entry starts
// with its key, so a hash collision of entry names is a miss. Entries are written under a temporary name and renamed; the newest MAX_ENTRIES are kept.
// The cache is an optimisation: one that cannot be read or written behaves as an empty one.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, type BigIntStats } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const MAX_ENTRIES = 64;
const RACY_MS = 2000;
const SUFFIX = '.mcm';

/** The cache of the site at `home`: it lives with the site, the owner's only. */
export function siteManifestCacheDir(home: string): string {
  return join(home, 'cache', 'manifests');
}

/** The site's cache when a site home is given (MCSHELL_HOME), else $XDG_CACHE_HOME/mcshell/manifests or ~/.cache/mcshell/manifests. */
export function defaultManifestCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MCSHELL_HOME) return siteManifestCacheDir(env.MCSHELL_HOME);
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mcshell', 'manifests');
}

/**
 * The cache key of an image opened at `openedAt` (Date.now()), or null when its content cannot be
 * identified by its metadata: not a regular file, or changed too recently.
 */
export function manifestCacheKey(stat: BigIntStats, symbolSize: number, k: number, openedAt: number): string | null {
  if (!stat.isFile() || msUntilCacheable(Number(stat.ctimeMs), openedAt) > 0) return null;
  const { dev, ino, size, mtimeNs, ctimeNs } = stat;
  return `mcshell manifest cache v1 dev=${dev} ino=${ino} size=${size} mtime=${mtimeNs} ctime=${ctimeNs} symbol=${symbolSize} k=${k}\n`;
}

/** Milliseconds until a file last changed at `ctimeMs` can be cached (0: now). */
export function msUntilCacheable(ctimeMs: number, now = Date.now()): number {
  return Math.max(0, ctimeMs + RACY_MS - now);
}

function entryPath(dir: string, key: string): string {
  return join(dir, createHash('sha256').update(key).digest('hex').slice(0, 40) + SUFFIX);
}

/** The manifest bytes stored under `key`, or null. */
export function loadCachedManifest(dir: string, key: string): Buffer | null {
  let entry: Buffer;
  try {
    entry = readFileSync(entryPath(dir, key));
  } catch {
    return null;
  }
  const stored = Buffer.from(key);
  if (entry.length <= stored.length || !entry.subarray(0, stored.length).equals(stored)) return null;
  return entry.subarray(stored.length);
}

/** Stores manifest bytes under `key`; null when stored, else why not. */
export function storeCachedManifest(dir: string, key: string, manifestBytes: Buffer): string | null {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = entryPath(dir, key);
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, Buffer.concat([Buffer.from(key), manifestBytes]), { mode: 0o600 });
    renameSync(temporary, path);
  } catch (e) {
    // Not cached: the next send of this image hashes it again.
    return e instanceof Error ? e.message : String(e);
  }
  try {
    prune(dir);
  } catch {
    // Another sender pruned at the same time; the next store prunes again.
  }
  return null;
}

/** Removes all but the MAX_ENTRIES most recently written entries. */
function prune(dir: string): void {
  const entries = readdirSync(dir).filter((name) => name.endsWith(SUFFIX));
  if (entries.length <= MAX_ENTRIES) return;
  const byAge = entries.map((name) => ({ name, written: statSync(join(dir, name)).mtimeMs })).sort((a, b) => b.written - a.written);
  for (const { name } of byAge.slice(MAX_ENTRIES)) unlinkSync(join(dir, name));
}
