// The site lock: a file that exists while one process changes the site. It appears whole (written
// under a private name, then hard-linked into place, which fails if it exists) and names its
// owner by a token: pid, the process's start time (so a reused pid is not taken for the owner)
// and a random part (so no two locks are ever alike).
//
// A lock whose owner is dead is stale and may be taken over, but only by one process: a taker
// first holds the takeover file of that very lock (`site.lock.takeover-<hash of its token>`, a
// lock of its own, taken the same way), then checks that `site.lock` still holds the stale token
// and only then renames its own lock over it. Nothing but the holder of that takeover file can
// replace the stale lock, and its dead owner cannot release it, so the check stays true until
// the rename; a process that judged the lock stale but comes late finds the takeover file held,
// or finds another token in `site.lock`, and waits its turn. A taker that dies holding a takeover
// file leaves a stale lock of its own, taken over by the same rule one level down.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';

/** What a lock file holds, or, for a lock of an older mcshell without a token, its inode and time. */
type Holder = { token: string; pid: number; startTime: string | null } | { token: string; pid: null; ageMs: number };

/** A lock that names no owner (empty: written by an older mcshell on a full disk) is stale past this age. */
const UNOWNED_STALE_MS = 5_000;

export class LockFile {
  private readonly token = `${process.pid} ${processStartTime(process.pid) ?? '-'} ${randomBytes(8).toString('hex')}`;

  constructor(readonly path: string) {}

  /**
   * Takes the lock if it is free or stale; false while a live process holds it. Throws the file
   * system's error when the lock cannot be written (full or read-only disk), leaving nothing behind.
   */
  async tryAcquire(): Promise<boolean> {
    const staging = `${this.path}.${createHash('sha256').update(this.token).digest('hex').slice(0, 16)}.tmp`;
    try {
      await writeFile(staging, `${this.token}\n`, { mode: 0o600, flag: 'wx' });
      for (;;) {
        try {
          await link(staging, this.path);
          return true;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
        const holder = await readHolder(this.path);
        if (holder === null) continue; // released meanwhile
        if (!isStale(holder)) return false;
        if (await this.takeOver(holder.token, staging)) return true;
        // Another process took it over (or is doing so): look again.
        if (!(await stillHolds(this.path, holder.token))) continue;
        return false;
      }
    } finally {
      await unlink(staging).catch(() => undefined);
    }
  }

  /** Releases the lock, if this process still holds it. */
  async release(): Promise<void> {
    if (await stillHolds(this.path, this.token)) await unlink(this.path).catch(() => undefined);
  }

  /** Replaces the stale lock holding `staleToken` with ours (staged at `staging`); false if another process is doing or did so. */
  private async takeOver(staleToken: string, staging: string): Promise<boolean> {
    const takeover = new LockFile(`${this.path}.takeover-${createHash('sha256').update(staleToken).digest('hex').slice(0, 16)}`);
    if (!(await takeover.tryAcquire())) return false;
    try {
      if (!(await stillHolds(this.path, staleToken))) return false;
      await rename(staging, this.path);
      return true;
    } finally {
      await takeover.release();
    }
  }
}

async function readHolder(path: string): Promise<Holder | null> {
  let text: string;
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path, { bigint: true })]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const token = text.trim();
  const [pid, startTime, nonce] = token.split(' ');
  if (nonce && /^\d+$/.test(pid!)) return { token, pid: Number(pid), startTime: startTime === '-' ? null : startTime! };
  // An older mcshell's lock (a bare pid) or an empty one: identified by inode and change time.
  const owner = /^\d+$/.test(token) ? Number(token) : null;
  const identity = `${token}|${info.ino}|${info.ctimeNs}`;
  if (owner !== null) return { token: identity, pid: owner, startTime: null };
  return { token: identity, pid: null, ageMs: Date.now() - Number(info.mtimeMs) };
}

function isStale(holder: Holder): boolean {
  return holder.pid === null ? holder.ageMs > UNOWNED_STALE_MS : !isAlive(holder.pid, holder.startTime);
}

async function stillHolds(path: string, token: string): Promise<boolean> {
  const holder = await readHolder(path);
  return holder !== null && holder.token === token;
}

function isAlive(pid: number, startTime: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // The pid lives, but it may be another process that got the dead owner's pid.
  if (startTime === null) return true;
  const now = processStartTime(pid);
  return now === null || now === startTime;
}

/** The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or null where there is no /proc. */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
