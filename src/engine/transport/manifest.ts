// Block geometry and the manifest: what a receiver must know to verify what it got.
//
// Manifest bytes (big-endian): 'MCM1', u64 image size, u32 symbol size, u32 k, SHA-256 of the
// whole image, u32 block count, then the SHA-256 of each block. The sender announces the SHA-256
// of these bytes, so a receiver can trust the manifest once its digest matches. A signing sender
// also announces an Ed25519 signature of that digest together with the announced geometry (what a
// receiver acts on before the manifest arrives), so a receiver holding the public key refuses a
// forged or unsigned session before it writes anything.
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { loadCachedManifest, manifestCacheKey, storeCachedManifest } from './manifest-cache.js';
import { geometryProblem } from './wire.js';

const MANIFEST_MAGIC = 0x4d434d31; // 'MCM1'
const HASH_BYTES = 32;
/** ManifestBuilder reads and hashes this much at a time (a block can be megabytes). */
const HASH_PIECE_BYTES = 256 << 10;
const FIXED_BYTES = 4 + 8 + 4 + 4 + HASH_BYTES + 4;

/**
 * How an image is cut into blocks of k symbols; the last block may have fewer symbols. Blocks are
 * numbered 0 ≤ block < blockCount. The receiver asks for a block's sizes per datagram: the last
 * block's are computed once (which also keeps the fractional division out of the hot path, where
 * the optimizing compiler had assumed integers).
 */
export class Geometry {
  readonly blockBytes: number;
  readonly blockCount: number;
  private readonly lastBlock: number;
  private readonly lastBytes: number;
  private readonly lastSymbols: number;

  constructor(
    readonly imageSize: number,
    readonly symbolSize: number,
    readonly k: number,
  ) {
    const problem = geometryProblem(imageSize, symbolSize, k);
    if (problem) throw new RangeError(problem);
    this.blockBytes = k * symbolSize;
    this.blockCount = Math.ceil(imageSize / this.blockBytes);
    this.lastBlock = this.blockCount - 1;
    this.lastBytes = imageSize - this.lastBlock * this.blockBytes;
    this.lastSymbols = Math.ceil(this.lastBytes / symbolSize);
  }

  offsetOf(block: number): number {
    return block * this.blockBytes;
  }

  /** Image bytes in the block (blockBytes except for the last block). */
  bytesIn(block: number): number {
    return block === this.lastBlock ? this.lastBytes : this.blockBytes;
  }

  /** Source symbols in the block (k except for the last block). */
  symbolsIn(block: number): number {
    return block === this.lastBlock ? this.lastSymbols : this.k;
  }

  /** Bytes of source symbol `symbol` of `block` that are image data (the rest is zero padding). */
  symbolBytes(block: number, symbol: number): number {
    return Math.min(this.symbolSize, this.bytesIn(block) - symbol * this.symbolSize);
  }
}

export interface Manifest {
  geometry: Geometry;
  imageSha256: Buffer;
  /** blockCount × 32 bytes. */
  blockHashes: Buffer;
  bytes: Buffer;
  digest: Buffer;
}

export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

function assemble(geometry: Geometry, imageSha256: Buffer, blockHashes: Buffer): Manifest {
  const bytes = Buffer.alloc(FIXED_BYTES + blockHashes.length);
  let o = bytes.writeUInt32BE(MANIFEST_MAGIC, 0);
  o = bytes.writeBigUInt64BE(BigInt(geometry.imageSize), o);
  o = bytes.writeUInt32BE(geometry.symbolSize, o);
  o = bytes.writeUInt32BE(geometry.k, o);
  o += imageSha256.copy(bytes, o);
  o = bytes.writeUInt32BE(geometry.blockCount, o);
  blockHashes.copy(bytes, o);
  return { geometry, imageSha256, blockHashes, bytes, digest: sha256(bytes) };
}

/**
 * Hashes an image block by block (each block, and the whole) in slices, so that a sender can send
 * while it hashes: `step` works until a deadline and returns the manifest once the last block is in.
 * Given a cache directory (manifest-cache.ts), an image hashed before is not read at all: the first
 * `step` returns its manifest from the cache; and a manifest built here is stored there.
 */
export class ManifestBuilder {
  readonly geometry: Geometry;
  /** The image's manifest from the cache, when it was hashed before. */
  readonly cached: Manifest | null = null;
  private readonly cacheKey: string | null = null;
  /** Why the manifest built here was not cached (null: it was, or came from the cache, or no cache). */
  notCached: string | null = null;
  private readonly openedAt = Date.now();
  private readonly fd: number;
  private readonly whole = createHash('sha256');
  private readonly blockHashes: Buffer;
  private readonly buf = Buffer.allocUnsafe(HASH_PIECE_BYTES);
  /** The block being hashed, and how far into it. */
  private next = 0;
  private offset = 0;
  private block = createHash('sha256');
  private open = true;

  constructor(
    private readonly path: string,
    symbolSize: number,
    k: number,
    private readonly cacheDir: string | null = null,
  ) {
    this.fd = openSync(path, 'r');
    try {
      const stat = fstatSync(this.fd, { bigint: true });
      this.geometry = new Geometry(Number(stat.size), symbolSize, k);
      if (cacheDir !== null) {
        this.cacheKey = manifestCacheKey(stat, symbolSize, k, this.openedAt);
        const bytes = this.cacheKey === null ? null : loadCachedManifest(cacheDir, this.cacheKey);
        const m = bytes && parseManifest(bytes);
        if (m && m.geometry.imageSize === this.geometry.imageSize && m.geometry.symbolSize === symbolSize && m.geometry.k === k) this.cached = m;
      }
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
    this.blockHashes = Buffer.alloc(this.cached ? 0 : this.geometry.blockCount * HASH_BYTES);
  }

  /** Image bytes hashed so far. */
  get hashedBytes(): number {
    return this.cached ? this.geometry.imageSize : this.geometry.offsetOf(this.next) + this.offset;
  }

  /** Hashes the image until `deadline` (performance.now() ms) or the end; the manifest when done, else null. */
  step(deadline: number): Manifest | null {
    if (this.cached) {
      this.close();
      return this.cached;
    }
    const g = this.geometry;
    try {
      while (this.next < g.blockCount) {
        // A piece of the block at a time, so that one step stays near its deadline whatever the block size.
        const b = this.next;
        const n = Math.min(HASH_PIECE_BYTES, g.bytesIn(b) - this.offset);
        let got = 0;
        while (got < n) {
          const r = readSync(this.fd, this.buf, got, n - got, g.offsetOf(b) + this.offset + got);
          if (r === 0) throw new Error(`${this.path} shrank while it was being read`);
          got += r;
        }
        const piece = this.buf.subarray(0, n);
        this.whole.update(piece);
        this.block.update(piece);
        this.offset += n;
        if (this.offset === g.bytesIn(b)) {
          this.block.digest().copy(this.blockHashes, b * HASH_BYTES);
          this.block = createHash('sha256');
          this.offset = 0;
          this.next++;
        }
        if (performance.now() >= deadline && this.next < g.blockCount) return null;
      }
    } catch (e) {
      this.close();
      throw e;
    }
    const manifest = assemble(g, this.whole.digest(), this.blockHashes);
    if (this.cacheDir !== null) {
      // Cached only if the file did not change while it was read (its key would differ now).
      const unchanged = this.cacheKey !== null && manifestCacheKey(fstatSync(this.fd, { bigint: true }), g.symbolSize, g.k, this.openedAt) === this.cacheKey;
      this.notCached = unchanged ? storeCachedManifest(this.cacheDir, this.cacheKey!, manifest.bytes) : 'the file is not a regular file, or it changed in the last seconds';
    }
    this.close();
    return manifest;
  }

  /** Stops early (the session ended before the image was hashed); idempotent. */
  close(): void {
    if (this.open) closeSync(this.fd);
    this.open = false;
  }
}

/** Parses manifest bytes whose digest the caller has checked; null if they are inconsistent. */
export function parseManifest(bytes: Buffer): Manifest | null {
  if (bytes.length < FIXED_BYTES || bytes.readUInt32BE(0) !== MANIFEST_MAGIC) return null;
  const imageSize = Number(bytes.readBigUInt64BE(4));
  let geometry: Geometry;
  try {
    geometry = new Geometry(imageSize, bytes.readUInt32BE(12), bytes.readUInt32BE(16));
  } catch {
    return null;
  }
  const count = bytes.readUInt32BE(FIXED_BYTES - 4);
  if (count !== geometry.blockCount || bytes.length !== FIXED_BYTES + count * HASH_BYTES) return null;
  return assemble(geometry, Buffer.from(bytes.subarray(20, 20 + HASH_BYTES)), Buffer.from(bytes.subarray(FIXED_BYTES)));
}

export function blockHash(m: Manifest, block: number): Buffer {
  return m.blockHashes.subarray(block * HASH_BYTES, (block + 1) * HASH_BYTES);
}

/** What a manifest signature covers: the manifest's digest and the geometry announced with it. */
export interface ManifestClaim {
  imageSize: number;
  symbolSize: number;
  k: number;
  manifestSize: number;
  manifestDigest: Buffer;
}

function statement(c: ManifestClaim): Buffer {
  const label = Buffer.from('mcshell manifest v1\0');
  const b = Buffer.alloc(label.length + 8 + 4 + 4 + 4 + HASH_BYTES);
  let o = label.copy(b);
  o = b.writeBigUInt64BE(BigInt(c.imageSize), o);
  o = b.writeUInt32BE(c.symbolSize, o);
  o = b.writeUInt32BE(c.k, o);
  o = b.writeUInt32BE(c.manifestSize, o);
  c.manifestDigest.copy(b, o);
  return b;
}

/** Throws a clear error unless `key` is an Ed25519 key of the given type. */
export function checkEd25519(key: KeyObject, type: 'private' | 'public', what: string): void {
  if (key?.type !== type || key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`${what} must be an Ed25519 ${type} key (got ${key?.asymmetricKeyType ?? key?.type ?? typeof key}${key?.type && key.type !== type ? ` ${key.type} key` : ''})`);
  }
}

export function signManifest(key: KeyObject, c: ManifestClaim): Buffer {
  return sign(null, statement(c), key);
}

export function manifestSignatureValid(key: KeyObject, c: ManifestClaim, signature: Buffer): boolean {
  return verify(null, statement(c), key, signature);
}
