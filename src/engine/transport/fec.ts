// Systematic erasure code over GF(2^8) for blocks of up to MAX_K source symbols.
//
// A block has k source symbols (ids 0..k-1, sent as they are) and repair symbols (ids k..65535).
// Repair symbol r is the sum over sources i of C(r,i)·source_i. For ids below 256 C is a Cauchy
// matrix, C(r,i) = 1 / (r XOR i) (r ≥ k > i never coincide): every square submatrix of it is
// invertible, so with k + repairs ≤ 256 ANY k distinct symbols decode the block (MDS). Bigger
// blocks cost less repair — the worst of N receivers' losses in a block is closer to the mean loss
// when the block is large — but GF(2^8) has no MDS code longer than 256 symbols, so ids from 256 up
// take pseudo-random non-zero coefficients: k symbols then decode unless the repair rows are
// dependent, which happens about once in 256 decodings and costs one more repair symbol
// (decodeBlock names the redundant one). Decoding costs (lost symbols) × k multiply-adds of a
// symbol: coding work stays proportional to the loss, not to the data.

import { nativeAddon } from './native.js';

/** Symbol ids are 16-bit. */
export const SYMBOL_IDS = 65536;
/** Largest number of source symbols in a block. */
export const MAX_K = 4096;

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

/** The generator coefficient of source i in repair symbol r (r ≥ k > i): Cauchy below 256, else a non-zero hash of (r, i). */
function coefficient(repairId: number, sourceIndex: number): number {
  if (repairId < 256) return INV[repairId ^ sourceIndex]!;
  let h = Math.imul(repairId, 0x9e3779b1) ^ Math.imul(sourceIndex + 1, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= h >>> 13;
  return 1 + ((h >>> 0) % 255);
}

// ---- the inner loop: dst ^= c · src, in WebAssembly SIMD -------------------------------------------
//
// Multiplying by a constant c in GF(2^8) is linear over XOR, so c·x = c·(x & 15) ^ c·(x & 240): two
// 16-entry tables per coefficient, looked up for 16 bytes at once with i8x16.swizzle. About ten
// times faster than a table lookup per byte in JavaScript. The module is small enough to assemble
// here, byte by byte, instead of shipping a build step.

// Node.js always has WebAssembly; its type declarations come with the DOM lib, which this project does not load.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

const TABLES = 256 * 32; // per coefficient: c·x for x = 0..15, then c·(x << 4)

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

function mulAddModule(): Uint8Array {
  const simd = (op: number): number[] => [0xfd, ...leb(op)];
  const get = (i: number): number[] => [0x20, i];
  const set = (i: number): number[] => [0x21, i];
  const [DST, SRC, LEN, TBL, I, V, LO, HI, MASK] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const memarg = [0, 0]; // alignment hint 1, offset 0
  const code = [
    ...get(TBL), ...simd(0x00), 0, 0, ...set(LO), // v128.load offset 0
    ...get(TBL), ...simd(0x00), 0, 16, ...set(HI), // v128.load offset 16
    0x41, 15, ...simd(0x0f), ...set(MASK), // i8x16.splat 15
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(I), ...get(LEN), 0x4f, 0x0d, 1, // if i >= len: break
    ...get(SRC), ...get(I), 0x6a, ...simd(0x00), ...memarg, ...set(V),
    ...get(DST), ...get(I), 0x6a, // store address
    ...get(DST), ...get(I), 0x6a, ...simd(0x00), ...memarg,
    ...get(LO), ...get(V), ...get(MASK), ...simd(0x4e), ...simd(0x0e), ...simd(0x51), // ^= swizzle(lo, v & 15)
    ...get(HI), ...get(V), 0x41, 4, ...simd(0x6d), ...simd(0x0e), ...simd(0x51), // ^= swizzle(hi, v >> 4)
    ...simd(0x0b), ...memarg, // v128.store
    ...get(I), 0x41, 16, 0x6a, ...set(I),
    0x0c, 0, 0x0b, 0x0b, // br loop, end loop, end block
    0x0b,
  ];
  const body = [2, 1, 0x7f, 4, 0x7b, ...code]; // locals: 1 × i32, 4 × v128
  const name = (s: string): number[] => [s.length, ...Buffer.from(s)];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 0]), // (i32 dst, i32 src, i32 len, i32 table) -> ()
    ...section(3, [1, 0]),
    ...section(5, [1, 0, 1]), // one memory, at least 1 page, grown on demand
    ...section(7, [2, ...name('muladd'), 0, 0, ...name('mem'), 2, 0]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);
}

const wasm = new WebAssembly.Instance(new WebAssembly.Module(mulAddModule())).exports as {
  muladd: (dst: number, src: number, len: number, table: number) => void;
  mem: { buffer: ArrayBuffer; grow(pages: number): number };
};
let heap = new Uint8Array(wasm.mem.buffer);
for (let c = 0; c < 256; c++) {
  for (let x = 0; x < 16; x++) {
    heap[c * 32 + x] = MUL[c * 256 + x]!;
    heap[c * 32 + 16 + x] = MUL[c * 256 + (x << 4)]!;
  }
}

/** Makes the WebAssembly memory at least `bytes` long (growing replaces the buffer, so re-read heap after). */
function reserve(bytes: number): void {
  const have = wasm.mem.buffer.byteLength;
  if (bytes > have) {
    wasm.mem.grow(Math.ceil((bytes - have) / 65536));
    heap = new Uint8Array(wasm.mem.buffer);
  }
}

/** heap[dst .. dst+len) ^= c · heap[src .. src+len); len a multiple of 16. */
function mulAdd(dst: number, src: number, c: number, len: number): void {
  if (c !== 0) wasm.muladd(dst, src, len, c * 32);
}

const native = nativeAddon();

/**
 * For every d and s: heap row dst[d] ^= matrix[d·src.length + s] · heap row src[s] (rows of len
 * bytes, a multiple of 16). In one call to the native addon when it is built (AVX2/GFNI, several
 * times the WebAssembly kernel's speed), else row by row in WebAssembly.
 */
function matMulAdd(dst: Int32Array, src: Int32Array, matrix: Uint8Array, len: number): void {
  if (native) return native.gfMatMulAdd(heap, dst, src, matrix, len);
  for (let s = 0; s < src.length; s++) for (let d = 0; d < dst.length; d++) mulAdd(dst[d]!, src[s]!, matrix[d * src.length + s]!, len);
}

/** Heap offsets of a loaded block's k source symbols (cached: encoding asks for them per repair symbol). */
let sourceRowsCache = new Int32Array(0);
let sourceRowsStride = 0;
function sourceRows(k: number, stride: number): Int32Array {
  if (sourceRowsCache.length !== k || sourceRowsStride !== stride) {
    sourceRowsCache = Int32Array.from({ length: k }, (_, i) => TABLES + i * stride);
    sourceRowsStride = stride;
  }
  return sourceRowsCache;
}

/** Symbols sit 16-byte aligned in the heap, each padded to a multiple of 16 bytes. */
function strideOf(symbolSize: number): number {
  return (symbolSize + 15) & ~15;
}

/** Copies k symbols of `block` into the heap at `base`, one per stride. */
function load(block: Uint8Array, k: number, symbolSize: number, base: number): void {
  const stride = strideOf(symbolSize);
  if (stride === symbolSize) heap.set(block.subarray(0, k * symbolSize), base);
  else for (let i = 0; i < k; i++) heap.set(block.subarray(i * symbolSize, (i + 1) * symbolSize), base + i * stride);
}

/** The key object of the block whose source symbols are in the heap for encoding (see encodeRepair). */
let loadedKey: object | null = null;

/**
 * Writes repair symbol `repairId` (k ≤ repairId < SYMBOL_IDS) of a block into out[outOff .. outOff+symbolSize).
 * `block` holds the k source symbols back to back (the last one zero-padded to symbolSize). Repairs of
 * one block usually go out together: passed the same `key` object as the call before, the block is
 * not copied to the coder again, so a key must stand for one content (a new object when the bytes
 * change; the sender uses a fresh view of a block buffer each time it fills it). Sessions sharing a
 * process share the coder, which is why a key is an object and not, say, a block number.
 */
export function encodeRepair(
  block: Uint8Array,
  k: number,
  symbolSize: number,
  repairId: number,
  out: Uint8Array,
  outOff = 0,
  key?: object,
): void {
  if (repairId < k || repairId >= SYMBOL_IDS) throw new RangeError(`repair id must be ${k}..${SYMBOL_IDS - 1} (got ${repairId})`);
  const stride = strideOf(symbolSize);
  const result = TABLES + k * stride;
  reserve(result + stride);
  if (key === undefined || key !== loadedKey) {
    load(block, k, symbolSize, TABLES);
    loadedKey = key ?? null;
  }
  heap.fill(0, result, result + stride);
  const coefficients = new Uint8Array(k);
  for (let i = 0; i < k; i++) coefficients[i] = coefficient(repairId, i);
  matMulAdd(Int32Array.of(result), sourceRows(k, stride), coefficients, stride);
  out.set(heap.subarray(result, result + symbolSize), outOff);
}

/**
 * Solves for the inverse of the e×e matrix `a` (row r: the coefficients of repair r on the missing
 * sources) in the heap at `base`, row by row: each row is reduced by the pivot rows before it and
 * then clears its own pivot column from them, so [A | I] becomes [P | E] with E·A = P, P a
 * permutation. Row operations run in the SIMD kernel: at e = 900 (a block of 1024 that lost most of
 * its symbols) this takes tens of milliseconds where a loop over bytes took seconds.
 * Returns, per missing source c, the heap offset of the row of E that yields it; or the index of the
 * first row that the rows before it already span (the matrix is singular).
 */
function solveInHeap(a: Uint8Array, e: number, base: number): { rows: Int32Array } | { redundant: number } {
  const width = (2 * e + 15) & ~15; // [A | I], padded for the kernel
  const temp = base + e * width;
  reserve(temp + width);
  heap.fill(0, base, temp + width);
  const rowOf = (r: number): number => base + r * width;
  for (let r = 0; r < e; r++) {
    heap.set(a.subarray(r * e, r * e + e), rowOf(r));
    heap[rowOf(r) + e + r] = 1;
  }
  const pivotColumn = new Int32Array(e);
  const rows = new Int32Array(e);
  for (let r = 0; r < e; r++) {
    const row = rowOf(r);
    for (let p = 0; p < r; p++) mulAdd(row, rowOf(p), heap[row + pivotColumn[p]!]!, width);
    let lead = 0;
    while (lead < e && heap[row + lead] === 0) lead++;
    if (lead === e) return { redundant: r };
    heap.fill(0, temp, temp + width);
    mulAdd(temp, row, INV[heap[row + lead]!]!, width);
    heap.copyWithin(row, temp, temp + width);
    for (let p = 0; p < r; p++) mulAdd(rowOf(p), row, heap[rowOf(p) + lead]!, width);
    pivotColumn[r] = lead;
  }
  for (let r = 0; r < e; r++) rows[pivotColumn[r]!] = rowOf(r) + e;
  return { rows };
}

/**
 * Decodes a block in place. `block` has k slots of symbolSize bytes; slotIds[s] names the symbol
 * held in slot s: a source symbol sits in its own slot (slotIds[i] = i), and each repair symbol
 * (id ≥ k) sits in the slot of a missing source. All k slots must be filled with distinct ids.
 * Returns -1 when decoded (slot i then holds source symbol i and slotIds is the identity), or, when
 * the repair symbols are linearly dependent (possible only with ids ≥ 256), the slot of one that
 * adds nothing: the block is left as it was, and that slot needs another repair symbol.
 * The native addon does the same in place (native/gf.c, gfDecode); this is the path without it.
 */
export function decodeBlock(block: Uint8Array, k: number, symbolSize: number, slotIds: Uint16Array): number {
  if (native) return native.gfDecode(block, k, symbolSize, slotIds);
  const missing: number[] = [];
  for (let s = 0; s < k; s++) if (slotIds[s] !== s) missing.push(s);
  const e = missing.length;
  if (e === 0) return -1;
  // Indexed loops over typed arrays here: iterating plain arrays made this (large, hot) function
  // deoptimize and recompile in every receiver.
  const repairIds = new Int32Array(e);
  for (let r = 0; r < e; r++) {
    const id = slotIds[missing[r]!]!;
    if (id < k || id >= SYMBOL_IDS) throw new RangeError(`a slot holds symbol ${id}, which is not a repair symbol of a ${k}-symbol block`);
    repairIds[r] = id;
  }
  const a = new Uint8Array(e * e);
  for (let r = 0; r < e; r++) for (let c = 0; c < e; c++) a[r * e + c] = coefficient(repairIds[r]!, missing[c]!);
  const stride = strideOf(symbolSize);
  const y = TABLES + k * stride;
  const solution = solveInHeap(a, e, y + e * stride);
  if ('redundant' in solution) return missing[solution.redundant]!;
  loadedKey = null;
  load(block, k, symbolSize, TABLES);
  // Remove the known sources' contribution from each repair symbol: what is left is A·x_missing.
  const repairRows = Int32Array.from({ length: e }, (_, r) => y + r * stride);
  const missingRows = Int32Array.from(missing, (s) => TABLES + s * stride);
  const known = Int32Array.from({ length: k - e });
  for (let i = 0, j = 0; i < k; i++) if (slotIds[i] === i) known[j++] = i;
  const contribution = new Uint8Array(e * (k - e));
  for (let r = 0; r < e; r++) {
    for (let j = 0; j < k - e; j++) contribution[r * (k - e) + j] = coefficient(repairIds[r]!, known[j]!);
    heap.copyWithin(repairRows[r]!, missingRows[r]!, missingRows[r]! + stride);
  }
  matMulAdd(repairRows, known.map((i) => TABLES + i * stride), contribution, stride);
  // x_missing = A⁻¹ · (A·x_missing), into the missing sources' slots.
  const inverse = new Uint8Array(e * e);
  for (let c = 0; c < e; c++) {
    inverse.set(heap.subarray(solution.rows[c]!, solution.rows[c]! + e), c * e);
    heap.fill(0, missingRows[c]!, missingRows[c]! + stride);
  }
  matMulAdd(missingRows, repairRows, inverse, stride);
  for (let c = 0; c < e; c++) {
    const s = missing[c]!;
    block.set(heap.subarray(TABLES + s * stride, TABLES + s * stride + symbolSize), s * symbolSize);
    slotIds[s] = s;
  }
  return -1;
}
