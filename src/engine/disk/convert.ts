// Converting a raw disk (an image file or a device) into the disk image format (format.ts): the
// partition table, the boot code before the first partition, each partition's used blocks
// (partclone's map) or, for a filesystem partclone does not know, its non-zero blocks; compressed
// once, chunk by chunk, at a high zstd level.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open, unlink } from 'node:fs/promises';
import { EngineError } from '../errors.js';
import { CHUNK_BYTES, dataOffsetFor, DEFAULT_LEVEL, encodeHeader, HEADER_BYTES, type DiskChunk, type DiskIndex, type DiskPartition } from './format.js';
import { detectFilesystem, lastOf, partcloneFor, usedRanges, type PartitionTable, type TablePartition } from './probe.js';
import { COMPRESS_WORKERS, CompressPool } from './zstd-pool.js';

export interface ConvertOptions {
  level?: number;
  onProgress?: (done: number, total: number) => void;
  /** Told why a partition is kept whole although it holds a filesystem. */
  onNote?: (message: string) => void;
  signal?: AbortSignal;
  /** Where the chunks go until the index is known (default: beside `dest`); removed at the end. */
  scratch?: string;
  /** The last partition's filesystem shrunk to its minimum (shrink.ts): read from here instead, at this size. */
  shrunk?: { path: string; size: number };
}

/** Free gaps up to this size between used ranges are kept: fewer, longer extents compress and write better. */
const MERGE_GAP_BYTES = 64 << 10;
const READ_BYTES = 1 << 20;
const PARTITION_TAIL_BYTES = 64 << 10;
/** Zero runs are skipped in whole partitions at this granularity. */
const ZERO_BLOCK = 4096;
const ZEROS = Buffer.alloc(ZERO_BLOCK);

/** The boot code outside the partition table's own structures, before the first partition. */
export function bootAreaExtents(table: PartitionTable): [number, number][] {
  const first = Math.min(...table.partitions.map((p) => p.start));
  const entries = Number(/^table-length:\s*(\d+)/m.exec(table.dump)?.[1] ?? 128);
  const tableEnd = table.label === 'gpt' ? (2 + Math.ceil((entries * 128) / table.sectorSize)) * table.sectorSize : table.sectorSize;
  const extents: [number, number][] = [[0, 440]];
  if (first > tableEnd) extents.push([tableEnd, first - tableEnd]);
  return extents;
}

/**
 * Where the chunks of a disk being read go, each distinct chunk once: compressed into an image's
 * chunk area (convertDisk), or uploaded to a DP (a capture, src/engine/client/capture.ts).
 */
export interface ChunkStore {
  /**
   * Keeps a chunk seen for the first time (`data` is reused once this returns: hand it on at once);
   * resolves with where its frame lies in the chunk area ([offset, length]; a capture's DP lays the
   * frames out itself and fills these in).
   */
  keep(sha256: string, data: Buffer): Promise<[number, number]>;
}

export async function convertDisk(source: string, diskBytes: number, table: PartitionTable, dest: string, options: ConvertOptions = {}): Promise<DiskIndex> {
  const level = options.level ?? DEFAULT_LEVEL;
  // Chunks go to a scratch file first: the index, which comes before them, is known only at the end.
  const scratch = options.scratch ?? `${dest}.chunks`;
  const chunksFile = await open(scratch, 'wx+', 0o600);
  const pool = new CompressPool();
  try {
    const frames = new FrameFile(chunksFile, level, pool);
    const index = await chunkDisk(source, diskBytes, table, frames, { ...options, level });
    index.storedChunkBytes = frames.position;
    const indexBytes = Buffer.from(JSON.stringify(index));
    const output = await open(dest, 'wx', 0o600);
    try {
      await output.write(encodeHeader(indexBytes), 0, HEADER_BYTES, 0);
      await output.write(indexBytes, 0, indexBytes.length, HEADER_BYTES);
      await copyAll(chunksFile, frames.position, output, dataOffsetFor(indexBytes.length));
      await output.sync();
    } finally {
      await output.close();
    }
    return index;
  } finally {
    await pool.close();
    await chunksFile.close();
    await unlink(scratch).catch(() => undefined);
  }
}

/**
 * Reads a disk into chunks: the partition table, the boot area, each partition's used blocks (or
 * non-zero blocks); every distinct chunk goes to `store` as it is made. The index it returns has
 * storedChunkBytes 0: the caller knows what its store wrote.
 */
export async function chunkDisk(source: string, diskBytes: number, table: PartitionTable, store: ChunkStore, options: Omit<ConvertOptions, 'scratch'> = {}): Promise<DiskIndex> {
  const started = performance.now();
  const level = options.level ?? DEFAULT_LEVEL;
  const plans: { partition: DiskPartition; extents: [number, number][]; shrunk: boolean }[] = [];
  const last = lastOf(table);
  for (const original of table.partitions.filter((candidate) => !candidate.extended)) {
    const shrunk = original === last && options.shrunk !== undefined;
    const p = shrunk ? { ...original, size: options.shrunk!.size } : original;
    // Where the partition's bytes are read: the disk, or the shrunk copy (which starts at 0).
    const [file, base] = shrunk ? [options.shrunk!.path, 0] : [source, p.start];
    const filesystem = await detectFilesystem(file, base, p.size);
    const program = filesystem && partcloneFor(filesystem);
    const partition: DiskPartition = { number: p.number, start: p.start, size: p.size, type: p.type, filesystem, method: 'whole', usedBytes: 0 };
    let extents: [number, number][] = [[p.start, p.size]];
    if (filesystem && !program) partition.note = `partclone does not know ${filesystem}: kept whole, zero runs skipped`;
    if (program) {
      try {
        const used = (await usedRanges(program, file, base, p.size)).map(([o, l]): [number, number] => [p.start + o, Math.min(l, p.size - o)]);
        // The partition's tail lies outside the filesystem's block map but matters: NTFS keeps its
        // backup boot sector in the last sector (ntfsfix refuses a volume without it).
        const tail = Math.min(PARTITION_TAIL_BYTES, p.size);
        extents = mergeExtents([...used, [p.start + p.size - tail, tail]]);
        partition.method = 'used-blocks';
      } catch (error) {
        partition.note = `${program} could not read the ${filesystem} filesystem (${(error as Error).message}): kept whole, zero runs skipped; check it with fsck and import again to store its used blocks only`;
      }
    }
    if (partition.note) options.onNote?.(`Partition ${p.number}: ${partition.note}`);
    plans.push({ partition, extents, shrunk });
  }
  const dump = options.shrunk ? shrinkInDump(table, last, options.shrunk.size) : table.dump;
  const boot = bootAreaExtents(table);
  const total = [...boot, ...plans.flatMap((plan) => plan.extents)].reduce((sum, [, length]) => sum + length, 0);

  const input = await open(source, 'r');
  const shrunkInput = options.shrunk ? await open(options.shrunk.path, 'r') : null;
  try {
    const writer = new ChunkWriter(store, dump);
    let done = 0;
    const report = (bytes: number): void => {
      done += bytes;
      options.onProgress?.(done, total);
    };
    for (const [offset, length] of boot) await copyExtent({ file: input, base: 0 }, offset, length, false, writer, report, options.signal);
    for (const plan of plans) {
      const before = writer.logicalBytes;
      const from = plan.shrunk ? { file: shrunkInput!, base: plan.partition.start } : { file: input, base: 0 };
      for (const [offset, length] of plan.extents) await copyExtent(from, offset, length, plan.partition.method === 'whole', writer, report, options.signal);
      await writer.flush();
      plan.partition.usedBytes = writer.logicalBytes - before;
    }
    await writer.finish();
    return {
      format: 'mcshell-disk',
      version: 1,
      diskBytes,
      sectorSize: table.sectorSize,
      label: table.label,
      table: dump,
      ...(options.shrunk ? { shrunk: true } : {}),
      partitions: plans.map((plan) => plan.partition),
      compression: { codec: 'zstd', level },
      chunks: writer.chunks,
      storedChunkBytes: 0,
      sha256: writer.digest(),
      import: { seconds: (performance.now() - started) / 1000, readBytes: total },
    };
  } finally {
    await input.close();
    await shrunkInput?.close();
  }
}

async function copyAll(from: FileHandle, bytes: number, to: FileHandle, at: number): Promise<void> {
  const buf = Buffer.allocUnsafe(READ_BYTES);
  for (let done = 0; done < bytes; ) {
    const { bytesRead } = await from.read(buf, 0, Math.min(READ_BYTES, bytes - done), done);
    await to.write(buf, 0, bytesRead, at + done);
    done += bytesRead;
  }
}

/** The dump with the last partition's size set to `bytes`. */
function shrinkInDump(table: PartitionTable, last: TablePartition, bytes: number): string {
  return table.dump
    .split('\n')
    .map((line) => (Number(/^\S*?(\d+)\s*:/.exec(line)?.[1]) === last.number ? line.replace(/size=\s*\d+/, `size=${bytes / table.sectorSize}`) : line))
    .join('\n');
}

/** Sorted ranges with small gaps closed. */
function mergeExtents(ranges: [number, number][]): [number, number][] {
  const merged: [number, number][] = [];
  for (const [offset, length] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (length <= 0) continue;
    const last = merged.at(-1);
    if (last && offset - (last[0] + last[1]) <= MERGE_GAP_BYTES) last[1] = Math.max(last[1], offset + length - last[0]);
    else merged.push([offset, length]);
  }
  return merged;
}

/** Copies the disk's bytes [offset, offset + length), read from `from.file` at `offset - from.base`. */
async function copyExtent(from: { file: FileHandle; base: number }, offset: number, length: number, skipZeros: boolean, writer: ChunkWriter, report: (bytes: number) => void, signal?: AbortSignal): Promise<void> {
  const buf = Buffer.allocUnsafe(READ_BYTES);
  for (let at = offset; at < offset + length; ) {
    if (signal?.aborted) throw new EngineError('ImportCancelled', 'InvalidOperation', 'import cancelled; nothing was added');
    const want = Math.min(READ_BYTES, offset + length - at);
    const { bytesRead } = await from.file.read(buf, 0, want, at - from.base);
    if (bytesRead !== want) throw new EngineError('DiskImageTruncated', 'InvalidArgument', `the disk ended at byte ${at + bytesRead}, inside a partition the table says goes on to byte ${offset + length}.`);
    const piece = buf.subarray(0, want);
    if (!skipZeros) await writer.add(at, piece);
    else {
      for (let block = 0; block < want; ) {
        const zero = isZero(piece, block);
        let end = block + ZERO_BLOCK;
        while (end < want && isZero(piece, end) === zero) end += ZERO_BLOCK;
        end = Math.min(end, want);
        if (!zero) await writer.add(at + block, piece.subarray(block, end));
        block = end;
      }
    }
    report(want);
    at += want;
  }
}

function isZero(buf: Buffer, at: number): boolean {
  const end = Math.min(at + ZERO_BLOCK, buf.length);
  return buf.subarray(at, end).equals(end - at === ZERO_BLOCK ? ZEROS : ZEROS.subarray(0, end - at));
}

/**
 * Gathers extents into chunks and hands each distinct one to the store once (identical chunks are
 * stored once), several at a time (every compression worker busy, memory bounded).
 */
class ChunkWriter {
  readonly chunks: DiskChunk[] = [];
  logicalBytes = 0;
  private readonly buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private fill = 0;
  private extents: [number, number][] = [];
  /** Each distinct chunk's stored range, once kept. */
  private readonly stored = new Map<string, Promise<[number, number]>>();
  private readonly whole = createHash('sha256');
  /** Chunks being kept, oldest first. */
  private readonly inFlight: Promise<unknown>[] = [];

  constructor(
    private readonly store: ChunkStore,
    table: string,
  ) {
    this.whole.update(table);
  }

  async add(offset: number, data: Buffer): Promise<void> {
    for (let taken = 0; taken < data.length; ) {
      const take = Math.min(CHUNK_BYTES - this.fill, data.length - taken);
      data.copy(this.buf, this.fill, taken, taken + take);
      const last = this.extents.at(-1);
      if (last && last[0] + last[1] === offset + taken) last[1] += take;
      else this.extents.push([offset + taken, take]);
      this.fill += take;
      taken += take;
      if (this.fill === CHUNK_BYTES) await this.flush();
    }
  }

  async flush(): Promise<void> {
    if (this.fill === 0) return;
    const data = this.buf.subarray(0, this.fill);
    const sha256 = createHash('sha256').update(data).digest('hex');
    this.whole.update(data);
    const chunk: DiskChunk = { sha256, bytes: this.fill, stored: [0, 0], extents: this.extents };
    this.chunks.push(chunk);
    let stored = this.stored.get(sha256);
    if (!stored) this.stored.set(sha256, (stored = this.store.keep(sha256, data)));
    const placed = stored.then((range) => void (chunk.stored = range));
    // Awaited below or in finish(); marked handled so that a failure is not also reported as unhandled.
    placed.catch(() => undefined);
    this.inFlight.push(placed);
    if (this.inFlight.length >= 2 * COMPRESS_WORKERS) await this.inFlight.shift();
    this.logicalBytes += this.fill;
    this.fill = 0;
    this.extents = [];
  }

  /** Flushes the last chunk and waits for every chunk to be kept. */
  async finish(): Promise<void> {
    await this.flush();
    await Promise.all(this.inFlight);
  }

  digest(): string {
    return this.whole.digest('hex');
  }
}

/** An import's chunk area: each distinct chunk compressed on the pool, its frame written after those before it. */
class FrameFile implements ChunkStore {
  /** Bytes of frames so far (the next frame's offset from the data offset). */
  position = 0;
  private written: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly output: FileHandle,
    private readonly level: number,
    private readonly pool: CompressPool,
  ) {}

  keep(_sha256: string, data: Buffer): Promise<[number, number]> {
    const frame = this.pool.compress(data, this.level);
    const stored = this.written.then(async (): Promise<[number, number]> => {
      const bytes = await frame;
      await this.output.write(bytes, 0, bytes.length, this.position);
      const range: [number, number] = [this.position, bytes.length];
      this.position += bytes.length;
      return range;
    });
    this.written = stored;
    return stored;
  }
}
