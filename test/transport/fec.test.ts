import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBlock, encodeRepair, gfInv, gfMul, MAX_SYMBOLS } from '../../src/engine/transport/fec.js';

/** Small deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomBlock(k: number, size: number, rand: () => number): Uint8Array {
  const b = new Uint8Array(k * size);
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/** Picks `count` distinct ids out of 0..n-1. */
function pick(n: number, count: number, rand: () => number): number[] {
  const ids = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids.slice(0, count);
}

/** Builds the receiver's slot layout from a set of received symbol ids and decodes it. */
function decodeFrom(source: Uint8Array, k: number, size: number, ids: number[]): Uint8Array {
  const block = new Uint8Array(k * size);
  const slotIds = new Uint8Array(k);
  const filled = new Array<boolean>(k).fill(false);
  const repairs = ids.filter((id) => id >= k);
  for (const id of ids.filter((i) => i < k)) {
    block.set(source.subarray(id * size, id * size + size), id * size);
    slotIds[id] = id;
    filled[id] = true;
  }
  const symbol = new Uint8Array(size);
  for (let s = 0; s < k; s++) {
    if (filled[s]) continue;
    const id = repairs.pop()!;
    encodeRepair(source, k, size, id, symbol);
    block.set(symbol, s * size);
    slotIds[s] = id;
  }
  decodeBlock(block, k, size, slotIds);
  return block;
}

test('GF(2^8) arithmetic: every non-zero element has an inverse', () => {
  for (let a = 1; a < 256; a++) assert.equal(gfMul(a, gfInv(a)), 1);
  assert.equal(gfMul(0, 77), 0);
  assert.equal(gfMul(2, 0x80), 0x1d);
});

test('any k of n symbols decode (random subsets, several block shapes)', () => {
  const rand = rng(1);
  for (const [k, size] of [[1, 4], [4, 16], [16, 36], [64, 100], [200, 24], [255, 8]] as const) {
    const source = randomBlock(k, size, rand);
    for (let trial = 0; trial < 6; trial++) {
      const ids = pick(MAX_SYMBOLS, k, rand);
      assert.deepEqual(decodeFrom(source, k, size, ids), source, `k=${k} ids=${ids.join(',')}`);
    }
  }
});

test('decoding from only repair symbols and from a single missing source', () => {
  const rand = rng(2);
  const k = 32;
  const size = 64;
  const source = randomBlock(k, size, rand);
  const onlyRepair = Array.from({ length: k }, (_, i) => k + 10 + i);
  assert.deepEqual(decodeFrom(source, k, size, onlyRepair), source);
  const oneMissing = [...Array.from({ length: k }, (_, i) => i).filter((i) => i !== 7), 200];
  assert.deepEqual(decodeFrom(source, k, size, oneMissing), source);
});

test('repair symbols match the Cauchy generator computed byte by byte', () => {
  const rand = rng(3);
  const k = 5;
  const size = 20; // not a multiple of 16: exercises the coder's padding
  const source = randomBlock(k, size, rand);
  const out = new Uint8Array(size);
  for (const id of [k, 100, 255]) {
    encodeRepair(source, k, size, id, out, 0, 42);
    const expected = new Uint8Array(size);
    for (let i = 0; i < k; i++) for (let t = 0; t < size; t++) expected[t]! ^= gfMul(gfInv(id ^ i), source[i * size + t]!);
    assert.deepEqual(out, expected, `repair ${id}`);
  }
  // A decode in between replaces what the coder holds: the same key must not reuse stale data.
  decodeFrom(randomBlock(k, size, rand), k, size, [0, 1, 2, 3, 200]);
  encodeRepair(source, k, size, 7, out, 0, 42);
  const expected = new Uint8Array(size);
  for (let i = 0; i < k; i++) for (let t = 0; t < size; t++) expected[t]! ^= gfMul(gfInv(7 ^ i), source[i * size + t]!);
  assert.deepEqual(out, expected);
});

test('encodeRepair rejects ids that are not repair ids', () => {
  const out = new Uint8Array(4);
  assert.throws(() => encodeRepair(new Uint8Array(8), 2, 4, 1, out), RangeError);
  assert.throws(() => encodeRepair(new Uint8Array(8), 2, 4, 256, out), RangeError);
});
