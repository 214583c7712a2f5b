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
import { checkBlockShape } from './fec.js';

const MANIFEST_MAGIC = 0x4d434d31; // 'MCM1'
const HASH_BYTES = 32;
const FIXED_BYTES = 4 + 8 + 4 + 4 + HASH_BYTES + 4;

/** How an image is cut into blocks of k symbols; the last block may have fewer symbols. */
export class Geometry {
  readonly blockBytes: number;
  readonly blockCount: number;

  constructor(
    readonly imageSize: number,
    readonly symbolSize: number,
    readonly k: number,
  ) {
    checkBlockShape(k, symbolSize);
    this.blockBytes = k * symbolSize;
    this.blockCount = Math.ceil(imageSize / this.blockBytes);
  }

  offsetOf(block: number): number {
    return block * this.blockBytes;
  }

  /** Image bytes in the block (blockBytes except for the last block). */
  bytesIn(block: number): number {
    return Math.min(this.blockBytes, this.imageSize - block * this.blockBytes);
  }

  /** Source symbols in the block. */
  symbolsIn(block: number): number {
    return Math.ceil(this.bytesIn(block) / this.symbolSize);
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

/** Reads the image once, hashing every block and the whole. */
export function buildManifest(path: string, symbolSize: number, k: number): Manifest {
  const fd = openSync(path, 'r');
  try {
    const geometry = new Geometry(fstatSync(fd).size, symbolSize, k);
    const whole = createHash('sha256');
    const blockHashes = Buffer.alloc(geometry.blockCount * HASH_BYTES);
    const buf = Buffer.allocUnsafe(geometry.blockBytes);
    for (let b = 0; b < geometry.blockCount; b++) {
      const n = geometry.bytesIn(b);
      let got = 0;
      while (got < n) {
        const r = readSync(fd, buf, got, n - got, geometry.offsetOf(b) + got);
        if (r === 0) throw new Error(`${path} shrank while it was being read`);
        got += r;
      }
      const data = buf.subarray(0, n);
      whole.update(data);
      sha256(data).copy(blockHashes, b * HASH_BYTES);
    }
    return assemble(geometry, whole.digest(), blockHashes);
  } finally {
    closeSync(fd);
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
