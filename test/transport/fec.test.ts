import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBlock, encodeRepair, gfInv, gfMul, MAX_K, SYMBOL_IDS } from '../../src/engine/transport/fec.js';

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

/**
 * Builds the receiver's slot layout from a set of received symbol ids and decodes it. When the
 * decoder names a redundant repair symbol, it is replaced by the next of `spare` (as a receiver
 * asks for one more); returns the block and how many were replaced.
 */
function decodeFrom(source: Uint8Array, k: number, size: number, ids: number[], spare: number[] = []): { block: Uint8Array; replaced: number } {
  const block = new Uint8Array(k * size);
  const slotIds = new Uint16Array(k);
  const filled = new Array<boolean>(k).fill(false);
  const repairs = ids.filter((id) => id >= k);
  for (const id of ids.filter((i) => i < k)) {
    block.set(source.subarray(id * size, id * size + size), id * size);
    slotIds[id] = id;
    filled[id] = true;
  }
  const symbol = new Uint8Array(size);
  const put = (slot: number, id: number): void => {
    encodeRepair(source, k, size, id, symbol);
    block.set(symbol, slot * size);
    slotIds[slot] = id;
  };
  for (let s = 0; s < k; s++) if (!filled[s]) put(s, repairs.pop()!);
  let replaced = 0;
  for (let slot = decodeBlock(block, k, size, slotIds); slot >= 0; slot = decodeBlock(block, k, size, slotIds)) {
    const id = spare.shift();
    if (id === undefined) throw new Error(`repair symbol ${slotIds[slot]} is redundant and no spare is left`);
    put(slot, id);
    replaced++;
  }
  return { block, replaced };
}

test('GF(2^8) arithmetic: every non-zero element has an inverse', () => {
  for (let a = 1; a < 256; a++) assert.equal(gfMul(a, gfInv(a)), 1);
  assert.equal(gfMul(0, 77), 0);
  assert.equal(gfMul(2, 0x80), 0x1d);
});

test('with ids below 256 any k of the symbols decode (MDS; random subsets, several block shapes)', () => {
  const rand = rng(1);
  for (const [k, size] of [[1, 4], [4, 16], [16, 36], [64, 100], [200, 24], [255, 8]] as const) {
    const source = randomBlock(k, size, rand);
    for (let trial = 0; trial < 6; trial++) {
      const ids = pick(256, k, rand);
      const { block, replaced } = decodeFrom(source, k, size, ids);
      assert.deepEqual(block, source, `k=${k} ids=${ids.join(',')}`);
      assert.equal(replaced, 0);
    }
  }
});

test('big blocks decode from any mix of source and repair ids up to 65535; dependent repairs are rare and named', () => {
  const rand = rng(4);
  let decodes = 0;
  let replacedTotal = 0;
  for (const [k, size, lossShare] of [[300, 16, 0.3], [1024, 32, 0.02], [1024, 16, 0.1], [MAX_K, 16, 0.01]] as const) {
    const source = randomBlock(k, size, rand);
    for (let trial = 0; trial < 8; trial++) {
      const lost = new Set(pick(k, Math.max(1, Math.round(k * lossShare)), rand));
      const repairIds = pick(SYMBOL_IDS - k, lost.size + 8, rand).map((r) => r + k);
      const ids = [...Array.from({ length: k }, (_, i) => i).filter((i) => !lost.has(i)), ...repairIds.slice(0, lost.size)];
      const { block, replaced } = decodeFrom(source, k, size, ids, repairIds.slice(lost.size));
      assert.deepEqual(block, source, `k=${k} lost=${lost.size} trial ${trial}`);
      decodes++;
      replacedTotal += replaced;
    }
  }
  // About one decoding in 256 meets a dependent repair symbol: far from every one.
  assert.ok(replacedTotal <= 3, `${replacedTotal} of ${decodes} decodings needed another repair symbol`);
});

test('a repair symbol that depends on the others is named, the block is left as it was, and one more decodes it', () => {
  const rand = rng(5);
  const k = 600;
  const size = 16;
  const source = randomBlock(k, size, rand);
  // Two lost sources (0 and 1) and repair 700: find a second repair id whose row repeats 700's up to a factor.
  const row = (id: number): Uint8Array => {
    const unit = new Uint8Array(k * size);
    const coefficients = new Uint8Array(2);
    const out = new Uint8Array(size);
    for (const s of [0, 1]) {
      unit.fill(0);
      unit[s * size] = 1; // source s = the unit vector: byte 0 of the repair is then its coefficient
      encodeRepair(unit, k, size, id, out);
      coefficients[s] = out[0]!;
    }
    return coefficients;
  };
  const first = row(700);
  let dependent = -1;
  for (let id = 701; id < SYMBOL_IDS && dependent < 0; id++) {
    const r = row(id);
    if (gfMul(first[0]!, r[1]!) === gfMul(first[1]!, r[0]!)) dependent = id;
  }
  assert.ok(dependent > 0, 'some repair id in 701..65535 is dependent on 700 for sources 0 and 1');
  const slotIds = new Uint16Array(k).map((_, i) => i);
  const block = source.slice();
  const symbol = new Uint8Array(size);
  for (const [slot, id] of [[0, 700], [1, dependent]] as const) {
    encodeRepair(source, k, size, id, symbol);
    block.set(symbol, slot * size);
    slotIds[slot] = id;
  }
  const before = block.slice();
  assert.equal(decodeBlock(block, k, size, slotIds), 1, 'the second of the two rows is the redundant one');
  assert.deepEqual(block, before, 'nothing decoded');
  assert.deepEqual([slotIds[0], slotIds[1]], [700, dependent]);
  let next = dependent + 1;
  while (gfMul(first[0]!, row(next)[1]!) === gfMul(first[1]!, row(next)[0]!)) next++;
  encodeRepair(source, k, size, next, symbol);
  block.set(symbol, size);
  slotIds[1] = next;
  assert.equal(decodeBlock(block, k, size, slotIds), -1);
  assert.deepEqual(block, source);
});

test('decoding from only repair symbols and from a single missing source', () => {
  const rand = rng(2);
  const k = 32;
  const size = 64;
  const source = randomBlock(k, size, rand);
  const onlyRepair = Array.from({ length: k }, (_, i) => k + 10 + i);
  assert.deepEqual(decodeFrom(source, k, size, onlyRepair).block, source);
  const oneMissing = [...Array.from({ length: k }, (_, i) => i).filter((i) => i !== 7), 200];
  assert.deepEqual(decodeFrom(source, k, size, oneMissing).block, source);
});

test('repair symbols match the Cauchy generator computed byte by byte', () => {
  const rand = rng(3);
  const k = 5;
  const size = 20; // not a multiple of 16: exercises the coder's padding
  const source = randomBlock(k, size, rand);
  const out = new Uint8Array(size);
  for (const id of [k, 100, 255]) {
    encodeRepair(source, k, size, id, out, 0, source);
    const expected = new Uint8Array(size);
    for (let i = 0; i < k; i++) for (let t = 0; t < size; t++) expected[t]! ^= gfMul(gfInv(id ^ i), source[i * size + t]!);
    assert.deepEqual(out, expected, `repair ${id}`);
  }
  // A decode without the addon replaces what the coder holds: the same key must not reuse stale data.
  decodeFrom(randomBlock(k, size, rand), k, size, [0, 1, 2, 3, 200]);
  encodeRepair(source, k, size, 7, out, 0, source);
  const expected = new Uint8Array(size);
  for (let i = 0; i < k; i++) for (let t = 0; t < size; t++) expected[t]! ^= gfMul(gfInv(7 ^ i), source[i * size + t]!);
  assert.deepEqual(out, expected);
});

test('encodeRepair rejects ids that are not repair ids', () => {
  const out = new Uint8Array(4);
  assert.throws(() => encodeRepair(new Uint8Array(8), 2, 4, 1, out), RangeError);
  assert.throws(() => encodeRepair(new Uint8Array(8), 2, 4, SYMBOL_IDS, out), RangeError);
});
