// End-to-end sessions over loopback with real sockets, files and hashes; loss and other impairments
// are injected per receiver by the test-only hook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_K, DEFAULT_SYMBOL_SIZE, receive, send, type Impairment, type ReceiveSummary } from '../../src/engine/transport/index.js';
import { nativeAddon } from '../../src/engine/transport/native.js';
import { decodeAnnounce, VERSION } from '../../src/engine/transport/wire.js';
import { channel, fileSha256, makeImage, sleep, tempDir } from './helpers.js';

const RATE = 200e6;

async function session(size: number, impairments: (Impairment | undefined)[], extra: { k?: number; symbolSize?: number } = {}) {
  const dir = tempDir();
  const image = makeImage(dir, size);
  const ch = channel();
  const outs = impairments.map((_, i) => join(dir, `out${i}`));
  const receivers = impairments.map((impairment, i) => receive({ ...ch, out: outs[i]!, impairment }));
  await sleep(50);
  const summary = await send({ ...ch, file: image.path, minClients: impairments.length, rate: RATE, ...extra });
  const results = await Promise.all(receivers);
  return { image, outs, summary, results };
}

function assertAllVerified(r: Awaited<ReturnType<typeof session>>): void {
  assert.equal(r.summary.ok, true, r.summary.message);
  assert.equal(r.summary.receivers.length, r.outs.length);
  for (const [i, res] of r.results.entries()) {
    assert.equal(res.ok, true, `receiver ${i}: ${res.message}`);
    assert.equal(res.sha256, r.image.sha256);
    assert.equal(fileSha256(r.outs[i]!), r.image.sha256, `receiver ${i} wrote a different image`);
    assert.equal(existsSync(`${r.outs[i]}.mcpart`), false);
    assert.equal(existsSync(`${r.outs[i]}.mcstate`), false);
  }
  for (const rec of r.summary.receivers) {
    assert.equal(rec.status, 'verified');
    assert.equal(rec.sha256, r.image.sha256);
  }
}

for (const loss of [0, 0.01, 0.05, 0.2]) {
  test(`three receivers with ${loss * 100}% independent loss each verify the image`, async () => {
    const r = await session(3_000_000, [0, 1, 2].map((i) => (loss ? { drop: loss, seed: 100 + i } : undefined)));
    assertAllVerified(r);
    // Without injected impairments the native path places the symbols (when built); the test-only
    // impairments act on datagrams in JS, so those sessions run the JS path.
    for (const x of r.results) assert.equal(x.counters.placedNatively > 0, loss === 0 && nativeAddon() !== null);
    if (loss === 0) {
      // Only receive-buffer overruns on a busy machine can cost repair here.
      assert.ok(r.summary.repairSymbols <= r.summary.sourceSymbols * 0.05, `${r.summary.repairSymbols} repair symbols`);
    } else {
      assert.ok(r.summary.repairSymbols > 0);
      assert.ok(r.results.every((x) => x.counters.decodedBlocks > 0));
      // Repair is sized for the worst receiver, not the union of losses.
      assert.ok(r.summary.wireRatio < 1.04 + 3 * loss, `wire ratio ${r.summary.wireRatio}`);
    }
  });
}

test('duplicated and reordered datagrams are harmless', async () => {
  const r = await session(2_000_000, [{ duplicate: 0.05, reorder: 0.05, seed: 7 }, { reorder: 0.2, drop: 0.02, seed: 8 }]);
  assertAllVerified(r);
  assert.ok(r.results[0]!.counters.duplicates > 0);
});

test('corrupted datagrams are caught by the block hashes and fetched again', async () => {
  // A corrupted symbol spoils its whole block, which is then fetched again. With 1 % of datagrams
  // corrupted only small blocks ever arrive intact (0.99^128 = 28 %, 0.99^1024 = 0.003 %); on a real
  // link the UDP checksum drops such datagrams before they reach the receiver.
  const r = await session(2_000_000, [{ corrupt: 0.01, seed: 9 }, undefined], { k: 128 });
  assertAllVerified(r);
  const c = r.results[0]!.counters;
  assert.ok(c.corruptBlocks + c.malformed + c.foreign > 0, JSON.stringify(c));
});

test('an empty image and an image that is not a multiple of the block size', async () => {
  for (const size of [0, 100_001, DEFAULT_SYMBOL_SIZE * DEFAULT_K + 3]) {
    assertAllVerified(await session(size, [undefined, { drop: 0.05, seed: size }]));
  }
});

test('small blocks and short symbols (k=8, 256-byte symbols) with loss', async () => {
  assertAllVerified(await session(300_000, [{ drop: 0.1, seed: 3 }, { drop: 0.1, seed: 4 }], { k: 8, symbolSize: 256 }));
});

test('sessions in one process share the erasure coder: each sends repairs of its own image', { timeout: 60_000 }, async () => {
  // Two senders at once, each image a single block 0 of other bytes, their receivers losing 5 %:
  // repairs of one session's block 0 must never be coded from the other's.
  const dir = tempDir();
  const runs = [2, 3].map(async (seed) => {
    const image = makeImage(dir, 100_001, seed);
    const ch = channel();
    const out = join(dir, `out${seed}`);
    const pending = receive({ ...ch, out, impairment: { drop: 0.05, seed } });
    await sleep(50);
    const summary = await send({ ...ch, file: image.path, rate: RATE });
    const result = await pending;
    assert.equal(summary.ok, true, summary.message);
    assert.equal(result.ok, true, result.message);
    assert.ok(summary.repairSymbols > 0 && result.counters.decodedBlocks > 0, 'the block was repaired');
    assert.equal(fileSha256(out), image.sha256);
  });
  await Promise.all(runs);
});

test('a receiver started before the sender finds the session by its announcement', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 1_000_000, 5);
  const ch = channel();
  // No group or port: the receiver listens on the announce channel only.
  const pending = receive({ interface: 'lo', announceGroup: ch.announceGroup, announcePort: ch.announcePort, out: join(dir, 'out') });
  await sleep(300);
  const summary = await send({ ...ch, file: image.path, rate: RATE });
  const result = await pending;
  assert.equal(summary.ok, true, summary.message);
  assert.equal(result.ok, true, result.message);
  assert.equal(fileSha256(join(dir, 'out')), image.sha256);
});

test('a late joiner gets everything it missed before the session ends', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 4_000_000, 6);
  const ch = channel();
  const first = receive({ ...ch, out: join(dir, 'early') });
  await sleep(50);
  // 30 Mbit/s: the first pass takes about a second; the second receiver joins in the middle.
  const sending = send({ ...ch, file: image.path, minClients: 1, rate: 30e6 });
  await sleep(500);
  const late = await receive({ ...ch, out: join(dir, 'late'), impairment: { drop: 0.01, seed: 11 } });
  const summary = await sending;
  assert.equal((await first).ok, true);
  assert.equal(late.ok, true, late.message);
  assert.equal(summary.ok, true, summary.message);
  assert.equal(summary.receivers.length, 2);
  assert.ok(summary.resentSourceSymbols > 0, 'the blocks sent before the join were sent again');
  assert.equal(fileSha256(join(dir, 'late')), image.sha256);
});

test('malformed and foreign datagrams on the session port are ignored and counted', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 2_000_000, 12);
  const ch = channel();
  const pending = receive({ ...ch, out: join(dir, 'out') });
  const noise = createSocket('udp4');
  await new Promise<void>((r) => noise.bind(0, r));
  noise.setMulticastInterface('127.0.0.1');
  const junk = [
    Buffer.from('hello, not mcshell'),
    Buffer.from([0x4d, VERSION, 3, 0, 1, 2, 3, 4, 0, 0, 0, 1, 0, 0, 0, 0, 9, 9]), // a symbol of another session
    Buffer.from([0x4d, VERSION, 99, 0, 0, 0, 0, 0, 0, 0, 0, 0]), // unknown packet type
    Buffer.alloc(0),
  ];
  const timer = setInterval(() => {
    for (const j of junk) noise.send(j, ch.port, ch.group);
  }, 20);
  await sleep(100);
  const summary = await send({ ...ch, file: image.path, rate: 50e6 });
  const result: ReceiveSummary = await pending;
  clearInterval(timer);
  noise.close();
  assert.equal(summary.ok, true, summary.message);
  assert.equal(result.ok, true, result.message);
  assert.ok(result.counters.malformed > 0, JSON.stringify(result.counters));
  assert.ok(result.counters.foreign > 0, JSON.stringify(result.counters));
  assert.equal(fileSha256(join(dir, 'out')), image.sha256);
});

test('--max-wait: the session runs with whoever joined, and fails without anyone', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 500_000, 13);
  const ch = channel();
  const alone = receive({ ...ch, out: join(dir, 'out') });
  const summary = await send({ ...ch, file: image.path, minClients: 2, maxWaitSeconds: 0.5, rate: RATE });
  assert.equal((await alone).ok, true);
  assert.equal(summary.ok, false, 'fewer than --min-clients verified');
  assert.match(summary.message, /fewer than --min-clients 2/);
  assert.deepEqual(summary.receivers.map((r) => r.status), ['verified']);

  const nobody = await send({ ...channel(), file: image.path, maxWaitSeconds: 0.3 });
  assert.equal(nobody.ok, false);
  assert.match(nobody.message, /no receiver joined within --max-wait 0.3 s/);
});

test('the sender sends while it hashes the image: receivers join a pending manifest, a resuming one keeps its blocks and reports under one id', async () => {
  const dir = tempDir();
  // Large enough that hashing takes several of the sender's 2 ms slices.
  const image = makeImage(dir, 48_000_000, 8);
  const ch = channel();
  const out = join(dir, 'out');
  const blocks = Math.ceil(48_000_000 / (DEFAULT_K * DEFAULT_SYMBOL_SIZE));
  // The first announcement on the well-known channel says "manifest pending" (size 0).
  const listener = createSocket({ type: 'udp4', reuseAddr: true });
  const firstAnnounce = new Promise<Buffer>((resolve) => listener.once('message', resolve));
  await new Promise<void>((resolve) => listener.bind(ch.announcePort, resolve));
  listener.addMembership(ch.announceGroup, '127.0.0.1');
  // A first session, stopped half-way, leaves a resume state beside the output.
  const stop = new AbortController();
  const first = receive({ ...ch, out, signal: stop.signal });
  await sleep(50);
  // No manifest cache: both sessions hash the image while they send.
  const firstSending = send({ ...ch, file: image.path, rate: RATE, receiverTimeoutMs: 1000, manifestCache: null });
  assert.equal(decodeAnnounce(await firstAnnounce)?.manifestSize, 0);
  listener.close();
  for (let i = 0; i < 100 && !existsSync(`${out}.mcstate`); i++) await sleep(50);
  stop.abort();
  assert.equal((await first).ok, false);
  assert.equal((await firstSending).ok, false);
  // A new session of the same image: the receiver starts before the sender, so it joins while the
  // manifest is pending and collects blocks it may already hold, and learns only later that it resumes.
  const second = receive({ ...ch, out });
  await sleep(50);
  const summary = await send({ ...ch, file: image.path, rate: RATE, manifestCache: null });
  const result = await second;
  assert.equal(summary.ok, true, summary.message);
  assert.equal(summary.receivers.length, 1, 'the resuming receiver reported under one id');
  assert.equal(result.ok, true, result.message);
  assert.ok(result.counters.resumedBlocks > 0, JSON.stringify(result.counters));
  assert.equal(result.counters.resumedBlocks + result.counters.fetchedBlocks, blocks, JSON.stringify(result.counters));
  assert.equal(fileSha256(out), image.sha256);
});

test('an image sent before takes its manifest from the cache; one written since is hashed again', async () => {
  const dir = tempDir();
  const cache = join(dir, 'manifests');
  const image = makeImage(dir, 3_000_000, 11);
  // A whole second, which utimes can put back exactly later.
  const mtime = 1_700_000_000;
  utimesSync(image.path, mtime, mtime);
  let n = 0;
  const sendOnce = async (sha256: string) => {
    const ch = channel();
    const out = join(dir, `out${n++}`);
    const receiving = receive({ ...ch, out });
    await sleep(50);
    // A stale cached manifest would have every block fail its hash: give up rather than retry forever.
    const summary = await send({ ...ch, file: image.path, rate: RATE, manifestCache: cache, signal: AbortSignal.timeout(15_000) });
    const result = await receiving;
    assert.equal(summary.ok, true, summary.message);
    assert.equal(result.ok, true, result.message);
    assert.equal(fileSha256(out), sha256);
    return summary.manifestCached;
  };
  const entries = () => (existsSync(cache) ? readdirSync(cache) : []);
  // Written a moment ago: a write within the same tick of the file clock would go unseen, so not cached.
  assert.equal(await sendOnce(image.sha256), false);
  assert.deepEqual(entries(), []);
  await sleep(2100);
  assert.equal(await sendOnce(image.sha256), false);
  assert.equal(entries().length, 1);
  assert.equal(await sendOnce(image.sha256), true);
  // New content of the same size, written in place with the old modification time put back: only
  // the change time tells, and the receivers get (and verify) the new content.
  const changed = makeImage(tempDir(), 3_000_000, 12);
  writeFileSync(image.path, readFileSync(changed.path));
  utimesSync(image.path, mtime, mtime);
  assert.equal(statSync(image.path, { bigint: true }).mtimeNs, BigInt(mtime) * 1_000_000_000n);
  await sleep(2100);
  assert.equal(await sendOnce(changed.sha256), false);
  assert.equal(await sendOnce(changed.sha256), true);
  assert.equal(entries().length, 2);
});
