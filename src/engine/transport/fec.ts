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

/** Symbols sit 16-byte aligned in the heap, each padded to a multiple of 16 bytes. */
function strideOf(symbolSize: number): number {
  return (symbolSize + 15) & ~15;
}

/** Copies k symbols of `block` into the heap at `base`, one per stride. */
function load(block: Uint8Array, k: number, symbolSize: number, base: number): void {
  const stride = strideOf(symbolSize);
  for (let i = 0; i < k; i++) heap.set(block.subarray(i * symbolSize, (i + 1) * symbolSize), base + i * stride);
}

export function checkBlockShape(k: number, symbolSize: number): void {
  if (!Number.isInteger(k) || k < 1 || k >= MAX_SYMBOLS) throw new RangeError(`k must be 1..${MAX_SYMBOLS - 1} (got ${k})`);
  if (!Number.isInteger(symbolSize) || symbolSize < 4 || symbolSize % 4 !== 0) {
    throw new RangeError(`symbol size must be a positive multiple of 4 (got ${symbolSize})`);
  }
}

/** Which block's source symbols are in the heap for encoding (callers name blocks by a key). */
let loadedKey: number | null = null;

/**
 * Writes repair symbol `repairId` (k ≤ repairId < 256) of a block into out[outOff .. outOff+symbolSize).
 * `block` holds the k source symbols back to back (the last one zero-padded to symbolSize). Repairs of
 * one block usually go out together: with the same `key` the block is not copied to the coder again.
 */
export function encodeRepair(
  block: Uint8Array,
  k: number,
  symbolSize: number,
  repairId: number,
  out: Uint8Array,
  outOff = 0,
  key?: number,
): void {
  if (repairId < k || repairId >= MAX_SYMBOLS) throw new RangeError(`repair id must be ${k}..${MAX_SYMBOLS - 1} (got ${repairId})`);
  const stride = strideOf(symbolSize);
  const result = TABLES + k * stride;
  reserve(result + stride);
  if (key === undefined || key !== loadedKey) {
    load(block, k, symbolSize, TABLES);
    loadedKey = key ?? null;
  }
  heap.fill(0, result, result + stride);
  for (let i = 0; i < k; i++) mulAdd(result, TABLES + i * stride, coefficient(repairId, i), stride);
  out.set(heap.subarray(result, result + symbolSize), outOff);
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
  for (const id of repairIds) {
    if (id < k || id >= MAX_SYMBOLS) throw new RangeError(`a slot holds symbol ${id}, which is not a repair symbol of a ${k}-symbol block`);
  }
  const stride = strideOf(symbolSize);
  const y = TABLES + k * stride;
  reserve(y + e * stride);
  loadedKey = null;
  load(block, k, symbolSize, TABLES);
  // Remove the known sources' contribution from each repair symbol: what is left is A·x_missing.
  for (let r = 0; r < e; r++) {
    heap.copyWithin(y + r * stride, TABLES + missing[r]! * stride, TABLES + missing[r]! * stride + stride);
    for (let i = 0; i < k; i++) {
      if (slotIds[i] === i) mulAdd(y + r * stride, TABLES + i * stride, coefficient(repairIds[r]!, i), stride);
    }
  }
  const a = new Uint8Array(e * e);
  for (let r = 0; r < e; r++) for (let c = 0; c < e; c++) a[r * e + c] = coefficient(repairIds[r]!, missing[c]!);
  const inv = invertMatrix(a, e);
  for (let c = 0; c < e; c++) {
    const dst = TABLES + missing[c]! * stride;
    heap.fill(0, dst, dst + stride);
    for (let r = 0; r < e; r++) mulAdd(dst, y + r * stride, inv[c * e + r]!, stride);
    block.set(heap.subarray(dst, dst + symbolSize), missing[c]! * symbolSize);
    slotIds[missing[c]!] = missing[c]!;
  }
}
