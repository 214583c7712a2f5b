// The disk image format: what the content library stores for an imported or captured disk.
//
// File layout (big-endian): 'MCDISK01', u64 data offset, u32 index length, the SHA-256 of the index
// bytes, the index (JSON), zero padding to the data offset (a multiple of 4096), then the chunks'
// stored bytes (their offsets in the index count from the data offset). The index comes first, so a
// receiver getting the file in order knows every chunk before the chunks arrive; one that joined
// late (or lost the start) keeps what it got and decodes it once the index is repaired.
//
// A chunk holds up to CHUNK_BYTES of logical disk content: one or more extents (disk offset, length)
// concatenated. Its stored bytes are one self-contained zstd frame, so a receiver decodes a chunk as
// soon as its stored range is complete, whatever arrived before; its SHA-256 is over the
// uncompressed bytes, so a client can tell whether its disk already holds the chunk (skip the
// write; a later delta sender can send only the chunks a client lacks). Identical chunks are stored
// once (content-addressed). The image's digest covers the partition table dump and every chunk's
// uncompressed bytes in index order.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { EngineError } from '../errors.js';

export const MAGIC = Buffer.from('MCDISK01', 'latin1');
export const HEADER_BYTES = 8 + 8 + 4 + 32;
/** Logical bytes per chunk: large enough for zstd to find matches, small enough to repair cheaply. */
export const CHUNK_BYTES = 4 << 20;
export const DEFAULT_LEVEL = 12;

/** How a partition's content is kept. */
export type PartitionMethod = 'used-blocks' | 'whole';

export interface DiskPartition {
  number: number;
  /** Byte offset and size on the source disk. */
  start: number;
  size: number;
  /** sfdisk's type (GPT type GUID or MBR type code). */
  type: string;
  /** blkid's filesystem type, or null when none was recognised. */
  filesystem: string | null;
  /** used-blocks: partclone's used-block map; whole: every non-zero block (apply zeroes the rest). */
  method: PartitionMethod;
  /** Logical bytes kept for the partition. */
  usedBytes: number;
  /** Why a partition with a filesystem was kept whole. */
  note?: string;
}

export interface DiskChunk {
  sha256: string;
  /** Logical (uncompressed) bytes. */
  bytes: number;
  /** Stored zstd frame: offset from the image file's data offset, and length. */
  stored: [number, number];
  /** Disk extents whose bytes the chunk holds, in order: [offset, length]. */
  extents: [number, number][];
}

export interface DiskIndex {
  format: 'mcshell-disk';
  version: 1;
  diskBytes: number;
  sectorSize: number;
  label: 'gpt' | 'dos';
  /** `sfdisk --dump` of the source disk (with the last partition at its shrunk size when shrunk). */
  table: string;
  /** Captured shrinkable: the last partition and its filesystem were shrunk to their minimum; apply grows them to fill the disk. */
  shrunk?: boolean;
  partitions: DiskPartition[];
  compression: { codec: 'zstd'; level: number };
  chunks: DiskChunk[];
  /** Bytes of all chunks' stored frames (deduplicated). */
  storedChunkBytes: number;
  /** Digest of the table dump and every chunk's uncompressed bytes, in index order. */
  sha256: string;
  /** Import figures: seconds spent and logical bytes read. */
  import: { seconds: number; readBytes: number };
}

/** Where the chunks start, after the header and an index of `indexBytes`. */
export function dataOffsetFor(indexBytes: number): number {
  return Math.ceil((HEADER_BYTES + indexBytes) / 4096) * 4096;
}

export function encodeHeader(index: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeBigUInt64BE(BigInt(dataOffsetFor(index.length)), 8);
  header.writeUInt32BE(index.length, 16);
  createHash('sha256').update(index).digest().copy(header, 20);
  return header;
}

/** True when the file starts with the disk image magic. */
export function isDiskImageFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(MAGIC.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(MAGIC);
  } finally {
    closeSync(fd);
  }
}

/** A disk image's index and where its chunks start. */
export interface DiskImage {
  index: DiskIndex;
  dataOffset: number;
}

/** The bytes of the header and index (what a receiver must hold before it decodes chunks), from the header. */
export function headerExtent(header: Buffer): number | null {
  if (header.length < HEADER_BYTES || !header.subarray(0, 8).equals(MAGIC)) return null;
  return HEADER_BYTES + header.readUInt32BE(16);
}

/** Parses and checks the header and index at the start of a disk image (`start` holds at least headerExtent bytes). */
export function parseDiskImage(start: Buffer, path: string): DiskImage {
  const extent = headerExtent(start);
  if (extent === null) throw new EngineError('DiskImageInvalid', 'InvalidArgument', `${path} is not an mcshell disk image (its first bytes are not ${MAGIC.toString('latin1')}).`, path);
  const index = start.subarray(HEADER_BYTES, extent);
  if (index.length !== extent - HEADER_BYTES || !createHash('sha256').update(index).digest().equals(start.subarray(20, 52))) {
    throw new EngineError('DiskImageInvalid', 'InvalidArgument', `${path}: the disk image's index is incomplete or damaged (its SHA-256 does not match the header).`, path);
  }
  const parsed = JSON.parse(index.toString('utf8')) as DiskIndex;
  if (parsed.format !== 'mcshell-disk' || parsed.version !== 1) {
    throw new EngineError('DiskImageInvalid', 'InvalidArgument', `${path}: unsupported disk image version ${String(parsed.version)}; this mcshell reads version 1.`, path);
  }
  return { index: parsed, dataOffset: Number(start.readBigUInt64BE(8)) };
}

/** Reads and checks a disk image's header and index. */
export function readDiskImage(path: string): DiskImage {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    const got = readSync(fd, header, 0, HEADER_BYTES, 0);
    const extent = headerExtent(header.subarray(0, got)) ?? HEADER_BYTES;
    const start = Buffer.alloc(extent);
    return parseDiskImage(start.subarray(0, readSync(fd, start, 0, extent, 0)), path);
  } finally {
    closeSync(fd);
  }
}

/** The summary the site records for a disk image (Get-OSImage shows it). */
export interface DiskSummary {
  label: 'gpt' | 'dos';
  logicalBytes: number;
  usedBytes: number;
  chunks: number;
  compressionLevel: number;
  sha256: string;
  partitions: { number: number; filesystem: string | null; sizeBytes: number; usedBytes: number; method: PartitionMethod }[];
}

export function summarize(index: DiskIndex): DiskSummary {
  return {
    label: index.label,
    logicalBytes: index.diskBytes,
    usedBytes: index.chunks.reduce((sum, chunk) => sum + chunk.bytes, 0),
    chunks: index.chunks.length,
    compressionLevel: index.compression.level,
    sha256: index.sha256,
    partitions: index.partitions.map((p) => ({ number: p.number, filesystem: p.filesystem, sizeBytes: p.size, usedBytes: p.usedBytes, method: p.method })),
  };
}
