// Partial copies of images being imported: `import-<pid>-<random>.partial` in the content
// directory. While the importing process lives, a copy is removed if the process ends on a signal
// (SIGTERM, SIGHUP, an unhandled SIGINT) or exits; one that outlived its process anyway (SIGKILL,
// a power cut) carries the dead owner's pid, so the next opening of the site removes it.
import { randomUUID } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { readdir, unlink } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';

const PARTIAL = /^import-(?:(\d+)-)?[0-9a-f-]+\.partial$/;

/** A fresh partial file's path for this process. */
export const partialPath = (contentDir: string): string => join(contentDir, `import-${process.pid}-${randomUUID()}.partial`);

const pending = new Set<string>();
const TERMINATING = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;

function removePending(): void {
  for (const path of pending) {
    try {
      unlinkSync(path);
    } catch {
      // Already gone (the import's own cleanup won the race).
    }
  }
  pending.clear();
}

function onSignal(signal: (typeof TERMINATING)[number]): void {
  // SIGINT with another listener is the shell's Ctrl+C: it cancels the import, which cleans up.
  if (signal === 'SIGINT' && process.listenerCount('SIGINT') > 1) return;
  removePending();
  process.exit(128 + constants.signals[signal]);
}

/** Removes `path` if the process ends before the returned function is called. */
export function removeIfInterrupted(path: string): () => void {
  if (pending.size === 0) {
    process.on('exit', removePending);
    for (const signal of TERMINATING) process.on(signal, onSignal);
  }
  pending.add(path);
  return () => {
    pending.delete(path);
    if (pending.size > 0) return;
    process.off('exit', removePending);
    for (const signal of TERMINATING) process.off(signal, onSignal);
  };
}

/** Removes partial copies whose importing process has gone (or that predate owner pids). */
export async function sweepStalePartials(contentDir: string): Promise<void> {
  const names = await readdir(contentDir).catch(() => [] as string[]);
  for (const name of names) {
    const partial = PARTIAL.exec(name);
    const owner = partial?.[1];
    if (partial && !(owner && isAlive(Number(owner)))) await unlink(join(contentDir, name)).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
