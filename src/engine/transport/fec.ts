// Systematic Reed–Solomon erasure code over GF(2^8) with a Cauchy generator.
//
// A block has k source symbols (ids 0..k-1, sent as they are) and up to 256-k repair symbols
// (ids k..255). Repair symbol r is the sum over sources i of C(r,i)·source_i with
// C(r,i) = 1 / (r XOR i): a Cauchy matrix, because the ids r ≥ k and i < k never coincide.
// Every square submatrix of a Cauchy matrix is invertible, so [I; C] is MDS: ANY k distinct
// symbols of a block decode it. Coding work is proportional to the symbols lost, not to the data.

/** Largest number of symbols (source + repair) a block can have. */
export const MAX_SYMBOLS = 256;

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
/** MUL[a * 256 + b] = a·b in GF(2^8): one table lookup per byte in the inner loops. */
const MUL = new Uint8Array(256 * 256);
const INV = new Uint8Array(256);

(function buildTables(): void {
  // Generator 2 over the primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d).
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
  for (let a = 1; a < 256; a++) {
    INV[a] = EXP[255 - LOG[a]!]!;
    for (let b = 1; b < 256; b++) MUL[a * 256 + b] = EXP[LOG[a]! + LOG[b]!]!;
  }
})();

export function gfMul(a: number, b: number): number {
  return MUL[a * 256 + b]!;
}

export function gfInv(a: number): number {
  if (a === 0) throw new RangeError('0 has no inverse in GF(2^8)');
  return INV[a]!;
}

/** The generator coefficient of source i in repair symbol r (r ≥ k > i). */
function coefficient(repairId: number, sourceIndex: number): number {
  return INV[repairId ^ sourceIndex]!;
}

/** Word view of bytes [off, off+len) of a; off and len are multiples of 4 (the symbol size is). */
function words(a: Uint8Array, off: number, len: number): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset + off, len >>> 2);
}

/**
 * dst ^= c · src, 32 bits at a time: four table lookups per word but one load and one store,
 * about three times faster than a byte loop in V8.
 */
function mulAdd(dst: Uint32Array, src: Uint32Array, c: number): void {
  const n = dst.length;
  if (c === 0) return;
  if (c === 1) {
    for (let t = 0; t < n; t++) dst[t]! ^= src[t]!;
    return;
  }
  const row = c << 8;
  for (let t = 0; t < n; t++) {
    const w = src[t]!;
    dst[t]! ^=
      MUL[row + (w & 255)]! |
      (MUL[row + ((w >>> 8) & 255)]! << 8) |
      (MUL[row + ((w >>> 16) & 255)]! << 16) |
      (MUL[row + (w >>> 24)]! << 24);
  }
}

export function checkBlockShape(k: number, symbolSize: number): void {
  if (!Number.isInteger(k) || k < 1 || k >= MAX_SYMBOLS) throw new RangeError(`k must be 1..${MAX_SYMBOLS - 1} (got ${k})`);
  if (!Number.isInteger(symbolSize) || symbolSize < 4 || symbolSize % 4 !== 0) {
    throw new RangeError(`symbol size must be a positive multiple of 4 (got ${symbolSize})`);
  }
}

/**
 * Writes repair symbol `repairId` (k ≤ repairId < 256) of a block into out[outOff .. outOff+symbolSize).
 * `block` holds the k source symbols back to back (the last one zero-padded to symbolSize).
 * Buffers must be 4-byte aligned at the offsets used (symbol sizes are multiples of 4).
 */
export function encodeRepair(
  block: Uint8Array,
  k: number,
  symbolSize: number,
  repairId: number,
  out: Uint8Array,
  outOff = 0,
): void {
  if (repairId < k || repairId >= MAX_SYMBOLS) throw new RangeError(`repair id must be ${k}..${MAX_SYMBOLS - 1} (got ${repairId})`);
  const dst = words(out, outOff, symbolSize);
  dst.fill(0);
  for (let i = 0; i < k; i++) mulAdd(dst, words(block, i * symbolSize, symbolSize), coefficient(repairId, i));
}

/** Inverts a square matrix over GF(2^8) in place (Gauss–Jordan); the caller guarantees it is invertible. */
function invertMatrix(m: Uint8Array, n: number): Uint8Array {
  const inv = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    while (pivot < n && m[pivot * n + col] === 0) pivot++;
    if (pivot === n) throw new Error('singular decoding matrix');
    if (pivot !== col) {
      for (let j = 0; j < n; j++) {
        let t = m[col * n + j]!;
        m[col * n + j] = m[pivot * n + j]!;
        m[pivot * n + j] = t;
        t = inv[col * n + j]!;
        inv[col * n + j] = inv[pivot * n + j]!;
        inv[pivot * n + j] = t;
      }
    }
    const scale = INV[m[col * n + col]!]!;
    for (let j = 0; j < n; j++) {
      m[col * n + j] = gfMul(m[col * n + j]!, scale);
      inv[col * n + j] = gfMul(inv[col * n + j]!, scale);
    }
    for (let row = 0; row < n; row++) {
      const f = m[row * n + col]!;
      if (row === col || f === 0) continue;
      for (let j = 0; j < n; j++) {
        m[row * n + j]! ^= gfMul(f, m[col * n + j]!);
        inv[row * n + j]! ^= gfMul(f, inv[col * n + j]!);
      }
    }
  }
  return inv;
}

/**
 * Decodes a block in place. `block` has k slots of symbolSize bytes; slotIds[s] names the symbol
 * held in slot s: a source symbol sits in its own slot (slotIds[i] = i), and each repair symbol
 * (id ≥ k) sits in the slot of a missing source. All k slots must be filled with distinct ids.
 * Afterwards slot i holds source symbol i and slotIds is the identity.
 */
export function decodeBlock(block: Uint8Array, k: number, symbolSize: number, slotIds: Uint8Array): void {
  const missing: number[] = [];
  for (let s = 0; s < k; s++) if (slotIds[s] !== s) missing.push(s);
  const e = missing.length;
  if (e === 0) return;
  const repairIds = missing.map((s) => slotIds[s]!);
  // Remove the known sources' contribution from each repair symbol: what is left is A·x_missing.
  const y = new Uint8Array(e * symbolSize);
  for (let r = 0; r < e; r++) {
    const id = repairIds[r]!;
    if (id < k || id >= MAX_SYMBOLS) throw new RangeError(`slot ${missing[r]} holds symbol ${id}, which is not a repair symbol`);
    y.set(block.subarray(missing[r]! * symbolSize, missing[r]! * symbolSize + symbolSize), r * symbolSize);
    const yr = words(y, r * symbolSize, symbolSize);
    for (let i = 0; i < k; i++) {
      if (slotIds[i] === i) mulAdd(yr, words(block, i * symbolSize, symbolSize), coefficient(id, i));
    }
  }
  const a = new Uint8Array(e * e);
  for (let r = 0; r < e; r++) for (let c = 0; c < e; c++) a[r * e + c] = coefficient(repairIds[r]!, missing[c]!);
  const inv = invertMatrix(a, e);
  for (let c = 0; c < e; c++) {
    const dst = words(block, missing[c]! * symbolSize, symbolSize);
    dst.fill(0);
    for (let r = 0; r < e; r++) mulAdd(dst, words(y, r * symbolSize, symbolSize), inv[c * e + r]!);
    slotIds[missing[c]!] = missing[c]!;
  }
}
