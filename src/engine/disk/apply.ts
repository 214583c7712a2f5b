// Applying a disk image (format.ts) to a disk: a block device or a disk-image file. The partition
// table first (sfdisk, fitted to the target's size), then the boot code and each partition's chunks;
// free space is not written (a new file target stays sparse; a partition kept whole has its zero
// runs zeroed by discard or hole punching, not by writing zeros). A chunk the target already holds
// (same SHA-256) is not written again. Then every chunk is read back and checked, and finally the
// last partition and its filesystem grow into a larger target.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open, stat } from 'node:fs/promises';
import { EngineError } from '../errors.js';
import { readDiskImage, type DiskChunk, type DiskIndex, type DiskPartition } from './format.js';
import { growFilesystem } from './grow.js';
import { run } from './tools.js';
import { sizeOfBlockDevice } from './block-device.js';
import { decompress } from './zstd.js';

export interface ApplyOptions {
  onProgress?: (done: number, total: number) => void;
  /** The size of a target file that does not exist yet (default: the image's disk size). */
  newFileBytes?: number;
  /** Told of what the admin should know that does not fail the apply (a filesystem not grown …). */
  onNote?: (message: string) => void;
  signal?: AbortSignal;
}

export interface ApplyResult {
  targetBytes: number;
  chunksWritten: number;
  /** Chunks the target already held (same SHA-256): not written again. */
  chunksSkipped: number;
  bytesWritten: number;
  /** The image's digest, recomputed from what the target holds. */
  sha256: string;
  /** The partition grown into a larger target, with its new size. */
  grown?: { number: number; sizeBytes: number; filesystem: string | null; filesystemGrown: boolean };
}

/** Where on the target the partitions must end (GPT keeps a backup table in the last 33 sectors). */
function requiredBytes(index: DiskIndex): number {
  const end = Math.max(...index.partitions.map((p) => p.start + p.size));
  return end + (index.label === 'gpt' ? 33 * index.sectorSize : 0);
}

/** The partition that grows into a larger disk: the one that ends last. */
function lastPartition(index: DiskIndex): DiskPartition {
  return index.partitions.reduce((a, b) => (b.start + b.size > a.start + a.size ? b : a));
}

/**
 * The source's sfdisk dump fitted to a target of `targetBytes`: without the source's last usable
 * sector, and with the last partition (and the extended partition holding it) left to fill a larger
 * disk, or any disk when the image was captured shrinkable.
 */
export function fitTable(index: DiskIndex, targetBytes: number): string {
  if (targetBytes === index.diskBytes) return index.table;
  let lines = index.table.split('\n').filter((line) => !/^last-lba:/.test(line));
  if (targetBytes > index.diskBytes || index.shrunk) {
    const last = lastPartition(index);
    // libparted (fatresize) refuses to resize a FAT whose MBR partition reaches the disk's last
    // sector: such a partition ends one sector short of it.
    const fatOnMbr = index.label === 'dos' && last.filesystem === 'vfat';
    lines = lines.map((line) => {
      const number = Number(/^\S*?(\d+)\s*:/.exec(line)?.[1]);
      const startSector = Number(/start=\s*(\d+)/.exec(line)?.[1]);
      const type = /type=\s*(\w+)/.exec(line)?.[1]?.toLowerCase() ?? '';
      const holdsLast = index.label === 'dos' && ['5', 'f', '85'].includes(type) && startSector * index.sectorSize < last.start && last.number > 4;
      if (number !== last.number && !holdsLast) return line;
      const size = fatOnMbr && number === last.number ? `, size=${Math.floor(targetBytes / index.sectorSize) - startSector - 1}` : '';
      return line.replace(/,?\s*size=\s*\d+/, size);
    });
  }
  return lines.join('\n');
}

/** A dump without what names the device (the `device:` line, the partitions' node names). */
function normalizeDump(dump: string): string {
  return dump
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('device:'))
    .map((line) => line.replace(/^\S*?(\d+)\s*:/, '$1 :'))
    .join('\n');
}

/**
 * Writes one disk image onto one target: `open` checks the size and writes the partition table,
 * `applyChunk` writes chunks in any order (each decoded and checked; one the target already holds
 * is skipped), `finish` reads everything back, checks the table and grows the last partition.
 */
export class DiskApplier {
  chunksWritten = 0;
  chunksSkipped = 0;
  bytesWritten = 0;
  private readonly applied: Uint8Array;

  private constructor(
    readonly index: DiskIndex,
    readonly target: string,
    private readonly disk: FileHandle,
    readonly targetBytes: number,
    private readonly holdsData: boolean,
    private readonly options: ApplyOptions,
  ) {
    this.applied = new Uint8Array(index.chunks.length);
  }

  static async open(index: DiskIndex, target: string, options: ApplyOptions = {}): Promise<DiskApplier> {
    const existing = await stat(target).catch(() => null);
    const device = existing?.isBlockDevice() ?? false;
    if (existing && !device && !existing.isFile()) {
      throw new EngineError('DiskTargetInvalid', 'InvalidArgument', `${target} is neither a block device nor a regular file; give a disk (/dev/sdX, /dev/nvme0n1, /dev/loopN) or a disk-image file.`, target);
    }
    // An existing disk-image file is a disk of its size; a new (or empty) file gets the image's.
    const targetBytes = device ? sizeOfBlockDevice(target) : existing && existing.size > 0 ? existing.size : (options.newFileBytes ?? index.diskBytes);
    const holdsData = device || (existing?.size ?? 0) > 0;
    const needed = requiredBytes(index);
    if (targetBytes < needed) {
      throw new EngineError(
        'DiskTooSmall',
        'InvalidOperation',
        `${target} holds ${targetBytes} bytes, smaller than the image: its partitions need ${needed} bytes (its disk had ${index.diskBytes} bytes${index.shrunk ? ', and its last partition is already shrunk to its minimum' : ', and the image was not captured shrinkable: Import-OSImage -Shrinkable'}); apply it to a disk of at least ${needed} bytes.`,
        target,
      );
    }
    const table = fitTable(index, targetBytes);
    const disk = await open(target, existing ? 'r+' : 'w+', 0o600);
    try {
      if (!holdsData) await disk.truncate(targetBytes);
      // A table already in place is not written again: sfdisk would also wipe the signatures of the
      // filesystems the target already holds, making their chunks look changed.
      if (!holdsData || normalizeDump(await run('sfdisk', ['--dump', target]).catch(() => '')) !== normalizeDump(table)) {
        const sfdiskArgs = ['--quiet', '--wipe', 'always', '--wipe-partitions', 'always'];
        if (!device) sfdiskArgs.push('--no-reread', '--no-tell-kernel');
        await run('sfdisk', [...sfdiskArgs, target], { input: table });
      }
      if (holdsData) {
        for (const [offset, length] of zeroRuns(index)) await zeroRange(target, device, offset, length);
      }
    } catch (error) {
      await disk.close();
      throw error;
    }
    return new DiskApplier(index, target, disk, targetBytes, holdsData, options);
  }

  /** Writes chunk `number` from its stored frame, unless the target already holds it. */
  async applyChunk(number: number, frame: Buffer): Promise<void> {
    const chunk = this.index.chunks[number]!;
    if (this.options.signal?.aborted) throw new EngineError('ApplyCancelled', 'InvalidOperation', `applying the image to ${this.target} was cancelled; the disk is incomplete`);
    if (this.applied[number]) return;
    if (this.holdsData && (await readChunk(this.disk, chunk)).equals(Buffer.from(chunk.sha256, 'hex'))) this.chunksSkipped++;
    else {
      await writeChunk(this.disk, chunk, await decodeFrame(frame, chunk));
      this.chunksWritten++;
      this.bytesWritten += chunk.bytes;
    }
    this.applied[number] = 1;
  }

  /** Chunks not applied yet. */
  missing(): number[] {
    return [...this.applied.keys()].filter((number) => !this.applied[number]);
  }

  /** Reads every chunk back, checks the table, grows the last partition into a larger target. */
  async finish(): Promise<ApplyResult> {
    const missing = this.missing();
    if (missing.length > 0) throw new EngineError('ApplyIncomplete', 'InvalidOperation', `${this.target}: ${missing.length} of ${this.index.chunks.length} chunks of the image were never applied; the disk is incomplete.`, this.target);
    await this.disk.sync();
    const sha256 = await verify(this.disk, this.index, this.target);
    await checkTable(this.target, this.index);
    const result: ApplyResult = { targetBytes: this.targetBytes, chunksWritten: this.chunksWritten, chunksSkipped: this.chunksSkipped, bytesWritten: this.bytesWritten, sha256 };
    if (this.targetBytes > this.index.diskBytes || this.index.shrunk) result.grown = await growLast(this.index, this.target, this.options);
    return result;
  }

  close(): Promise<void> {
    return this.disk.close();
  }
}

/** Applies a disk image file to a disk (a block device or a disk-image file). */
export async function applyDiskImage(imagePath: string, target: string, options: ApplyOptions = {}): Promise<ApplyResult> {
  const { index, dataOffset } = readDiskImage(imagePath);
  const applier = await DiskApplier.open(index, target, options);
  const image = await open(imagePath, 'r');
  try {
    const total = index.chunks.reduce((sum, chunk) => sum + chunk.bytes, 0);
    let done = 0;
    for (const [number, chunk] of index.chunks.entries()) {
      const frame = Buffer.allocUnsafe(chunk.stored[1]);
      const { bytesRead } = await image.read(frame, 0, frame.length, dataOffset + chunk.stored[0]);
      await applier.applyChunk(number, frame.subarray(0, bytesRead));
      options.onProgress?.((done += chunk.bytes), total);
    }
    return await applier.finish();
  } finally {
    await image.close();
    await applier.close();
  }
}

/** The zero runs of the partitions kept whole: the gaps between their chunks' extents. */
function zeroRuns(index: DiskIndex): [number, number][] {
  const runs: [number, number][] = [];
  const extents = index.chunks.flatMap((chunk) => chunk.extents).sort((a, b) => a[0] - b[0]);
  for (const p of index.partitions.filter((candidate) => candidate.method === 'whole')) {
    let at = p.start;
    for (const [offset, length] of extents) {
      if (offset + length <= p.start || offset >= p.start + p.size) continue;
      if (offset > at) runs.push([at, offset - at]);
      at = Math.max(at, offset + length);
    }
    if (at < p.start + p.size) runs.push([at, p.start + p.size - at]);
  }
  return runs;
}

/** Zeroes a range without writing zeros: discard (zero-out) on a device, a punched hole in a file. */
async function zeroRange(target: string, device: boolean, offset: number, length: number): Promise<void> {
  if (device) await run('blkdiscard', ['--zeroout', '--offset', String(offset), '--length', String(length), target]);
  else await run('fallocate', ['--punch-hole', '--keep-size', '--offset', String(offset), '--length', String(length), target]);
}

/** A chunk's stored frame, decompressed and checked against the chunk's SHA-256. */
export async function decodeFrame(frame: Buffer, chunk: DiskChunk): Promise<Buffer> {
  let data: Buffer | null = null;
  try {
    data = await decompress(frame);
  } catch (error) {
    if (error instanceof EngineError) throw error;
    data = null;
  }
  if (!data || data.length !== chunk.bytes || createHash('sha256').update(data).digest('hex') !== chunk.sha256) {
    throw new EngineError('DiskImageDamaged', 'InvalidOperation', `the chunk stored at byte ${chunk.stored[0]} of the image's data is damaged (it does not decompress to the SHA-256 the index names); import the image again.`);
  }
  return data;
}

export async function writeChunk(disk: FileHandle, chunk: DiskChunk, data: Buffer): Promise<void> {
  let at = 0;
  for (const [offset, length] of chunk.extents) {
    await disk.write(data, at, length, offset);
    at += length;
  }
}

/** The SHA-256 of what the disk holds where the chunk goes (fed to `whole` as well, when given). */
async function readChunk(disk: FileHandle, chunk: DiskChunk, whole?: ReturnType<typeof createHash>): Promise<Buffer> {
  const hash = createHash('sha256');
  for (const [offset, length] of chunk.extents) {
    const buf = Buffer.alloc(length);
    await disk.read(buf, 0, length, offset);
    hash.update(buf);
    whole?.update(buf);
  }
  return hash.digest();
}

/** Reads every chunk back: each must match its SHA-256, and all of them the image's digest. */
async function verify(disk: FileHandle, index: DiskIndex, target: string): Promise<string> {
  const whole = createHash('sha256').update(index.table);
  for (const chunk of index.chunks) {
    if (!(await readChunk(disk, chunk, whole)).equals(Buffer.from(chunk.sha256, 'hex'))) {
      throw new EngineError('DiskVerifyFailed', 'InvalidOperation', `${target}: reading back the bytes written at offset ${chunk.extents[0]![0]} gave another SHA-256 than the image's; the disk is not a good copy (a failing disk, or something else writing to it).`, target);
    }
  }
  const digest = whole.digest('hex');
  if (digest !== index.sha256) throw new EngineError('DiskVerifyFailed', 'InvalidOperation', `${target}: its content's digest ${digest} is not the image's ${index.sha256}.`, target);
  return digest;
}

/** Reads a disk back and checks it against the image's index; its digest when it matches. */
export async function verifyDisk(index: DiskIndex, target: string): Promise<string> {
  const disk = await open(target, 'r');
  try {
    return await verify(disk, index, target);
  } finally {
    await disk.close();
  }
}

/** The target's partition table must hold the image's partitions where the image has them. */
async function checkTable(target: string, index: DiskIndex): Promise<void> {
  const json = JSON.parse(await run('sfdisk', ['--json', target])) as { partitiontable: { partitions?: { node: string; start: number }[] } };
  const starts = new Map((json.partitiontable.partitions ?? []).map((p) => [Number(/(\d+)$/.exec(p.node)?.[1]), p.start * index.sectorSize]));
  for (const p of index.partitions) {
    if (starts.get(p.number) !== p.start) throw new EngineError('DiskVerifyFailed', 'InvalidOperation', `${target}: partition ${p.number} does not start at byte ${p.start} after writing the partition table.`, target);
  }
}

async function growLast(index: DiskIndex, target: string, options: ApplyOptions): Promise<ApplyResult['grown']> {
  const last = lastPartition(index);
  const json = JSON.parse(await run('sfdisk', ['--json', target])) as { partitiontable: { partitions: { node: string; size: number }[] } };
  const entry = json.partitiontable.partitions.find((p) => Number(/(\d+)$/.exec(p.node)?.[1]) === last.number);
  const sizeBytes = (entry?.size ?? 0) * index.sectorSize;
  const filesystemGrown = last.filesystem ? await growFilesystem(target, last, sizeBytes, index.sectorSize, options.onNote) : false;
  if (!last.filesystem) options.onNote?.(`Partition ${last.number} grew to ${sizeBytes} bytes; it holds no filesystem mcshell knows, so nothing inside it was grown.`);
  return { number: last.number, sizeBytes, filesystem: last.filesystem, filesystemGrown };
}
