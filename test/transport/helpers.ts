// Shared fixtures for the transport tests. They run inside the private network namespace the test
// runner creates; multicast goes over `lo` only.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
// Images and received copies are megabytes each: remove them when the test file's process ends.
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcshell-transport-'));
  made.push(dir);
  return dir;
}

/** Writes `size` bytes of seeded pseudo-random data and returns the path and its SHA-256. */
export function makeImage(dir: string, size: number, seed = 1): { path: string; sha256: string } {
  const data = Buffer.alloc(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    data[i] = s & 255;
  }
  const path = join(dir, `image-${size}-${seed}.bin`);
  writeFileSync(path, data);
  return { path, sha256: fileSha256(path) };
}

export function fileSha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

let nextPort = 21000 + Math.floor(Math.random() * 20000);

/** A fresh session channel (group, port) and announce channel per test, so tests never hear each other. */
export function channel(): { interface: string; group: string; port: number; announceGroup: string; announcePort: number } {
  const port = nextPort;
  nextPort += 2;
  return { interface: 'lo', group: '239.255.42.1', port, announceGroup: '239.255.42.2', announcePort: port + 1 };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
