// A newc ("070701") cpio archive, the format the kernel unpacks an initramfs from, written by our
// own code so that the archive is reproducible: entries sorted by path, inode numbers given in
// that order, every owner root and every time the same fixed mtime. It can also hold device nodes
// (/dev/console, which the kernel opens for init before anything is mounted) without root.
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';

export type CpioEntry =
  | { path: string; kind: 'dir'; mode?: number }
  | { path: string; kind: 'file'; mode: number; data: Buffer }
  /** A file whose bytes are read from `source` while the archive is written (large ones: node). */
  | { path: string; kind: 'file'; mode: number; source: string; size: number }
  | { path: string; kind: 'symlink'; target: string }
  | { path: string; kind: 'char'; mode: number; major: number; minor: number };

const TYPE = { dir: 0o040000, file: 0o100000, symlink: 0o120000, char: 0o020000 } as const;
const TRAILER = 'TRAILER!!!';

/** Sorted by path (a folder before what it holds), duplicates refused: the archive's order never depends on how entries were gathered. */
export function sortEntries(entries: readonly CpioEntry[]): CpioEntry[] {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.path === sorted[i - 1]!.path) throw new Error(`the initramfs would hold ${sorted[i]!.path} twice`);
  }
  return sorted;
}

function header(fields: { ino: number; mode: number; nlink: number; mtime: number; size: number; rdevMajor: number; rdevMinor: number; nameBytes: number }): Buffer {
  const hex = (value: number) => value.toString(16).padStart(8, '0');
  const { ino, mode, nlink, mtime, size, rdevMajor, rdevMinor, nameBytes } = fields;
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
  return Buffer.from(`070701${[ino, mode, 0, 0, nlink, mtime, size, 0, 0, rdevMajor, rdevMinor, nameBytes, 0].map(hex).join('')}`, 'ascii');
}

const padding = (length: number) => Buffer.alloc((4 - (length % 4)) % 4);

/** One entry's header and name, padded: the data follows. */
function head(path: string, ino: number, mode: number, nlink: number, mtime: number, size: number, rdev: [number, number] = [0, 0]): Buffer {
  const name = Buffer.from(`${path}\0`, 'utf8');
  const start = header({ ino, mode, nlink, mtime, size, rdevMajor: rdev[0], rdevMinor: rdev[1], nameBytes: name.length });
  return Buffer.concat([start, name, padding(start.length + name.length)]);
}

/** Writes `write` and waits while the stream asks for it (the compressor reads slower than we write). */
async function put(out: Writable, chunk: Buffer): Promise<void> {
  if (!out.write(chunk)) await new Promise<void>((resolve, reject) => {
    const done = () => {
      out.off('error', reject);
      resolve();
    };
    out.once('drain', done);
    out.once('error', reject);
  });
}

/**
 * Writes the archive of `entries` (sorted here) to `out`, then ends it. `mtime` (seconds) is every
 * entry's time. `onBytes` counts the bytes of file data written, for progress.
 */
export async function writeCpio(entries: readonly CpioEntry[], out: Writable, mtime: number, onBytes?: (bytes: number) => void): Promise<void> {
  let ino = 0;
  for (const entry of sortEntries(entries)) {
    const path = entry.path.replace(/^\/+/, '');
    ino++;
    switch (entry.kind) {
      case 'dir':
        await put(out, head(path, ino, TYPE.dir | (entry.mode ?? 0o755), 2, mtime, 0));
        break;
      case 'symlink': {
        const target = Buffer.from(entry.target, 'utf8');
        await put(out, Buffer.concat([head(path, ino, TYPE.symlink | 0o777, 1, mtime, target.length), target, padding(target.length)]));
        break;
      }
      case 'char':
        await put(out, head(path, ino, TYPE.char | entry.mode, 1, mtime, 0, [entry.major, entry.minor]));
        break;
      case 'file': {
        const size = 'data' in entry ? entry.data.length : entry.size;
        await put(out, head(path, ino, TYPE.file | entry.mode, 1, mtime, size));
        if ('data' in entry) {
          await put(out, entry.data);
          onBytes?.(size);
        } else {
          let read = 0;
          for await (const chunk of createReadStream(entry.source, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
            read += chunk.length;
            if (read > size) break;
            await put(out, chunk);
            onBytes?.(chunk.length);
          }
          if (read !== size) throw new Error(`${entry.source} changed size while the initramfs was written (${size} bytes expected, ${read} read)`);
        }
        await put(out, padding(size));
        break;
      }
    }
  }
  await put(out, head(TRAILER, 0, 0, 1, 0, 0));
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** The archive of `entries` in memory, for small ones (a refresh's handoff, a test OS's overlay). */
export async function cpioBytes(entries: readonly CpioEntry[], mtime: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await writeCpio(entries, sink, mtime);
  return Buffer.concat(chunks);
}
