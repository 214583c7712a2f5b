// SHA-256 of a file read as a stream (images and boot files are too large to read whole).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

/** Hex SHA-256 of the file, or of its first `bytes` (an image on a larger disk); `signal` stops the read. */
export async function sha256OfFile(path: string, options: { bytes?: number; signal?: AbortSignal } = {}): Promise<string> {
  const hash = createHash('sha256');
  const range = options.bytes ? { end: options.bytes - 1 } : {};
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20, ...range, ...(options.signal ? { signal: options.signal } : {}) }), hash);
  return hash.digest('hex');
}
