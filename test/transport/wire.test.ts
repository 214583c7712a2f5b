// Datagram encoding, argument parsing helpers, and interface resolution: no sockets needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Geometry } from '../../src/engine/transport/manifest.js';
import { isUsableGroup, parseRate, resolveInterface } from '../../src/engine/transport/net.js';
import { decodeAnnounce, decodeStatus, encodeAnnounce, encodeStatus, packetType, PacketType, ReceiverState, statusCapacity, type Status } from '../../src/engine/transport/wire.js';

test('rates accept the usual suffixes and reject nonsense', () => {
  assert.equal(parseRate('95M'), 95e6);
  assert.equal(parseRate('1G'), 1e9);
  assert.equal(parseRate('500k'), 500e3);
  assert.equal(parseRate('100mbit'), 100e6);
  assert.equal(parseRate('2000000'), 2e6);
  for (const bad of ['fast', '', '10 parsecs', '-5M', '0.1k']) assert.throws(() => parseRate(bad), /bit rate|below/);
});

test('interfaces resolve by name or address, never by guessing', () => {
  assert.equal(resolveInterface('lo'), '127.0.0.1');
  assert.equal(resolveInterface('127.0.0.1'), '127.0.0.1');
  assert.throws(() => resolveInterface('nonexistent0'), /no IPv4 interface named 'nonexistent0'/);
  assert.throws(() => resolveInterface('192.0.2.77'), /no interface has the address 192.0.2.77/);
});

test('multicast groups outside 224.0.0.0/24', () => {
  assert.ok(isUsableGroup('239.255.1.2'));
  assert.ok(!isUsableGroup('224.0.0.251'));
  assert.ok(!isUsableGroup('10.0.0.1'));
  assert.ok(!isUsableGroup('not an address'));
});

test('block geometry: the last block and symbol are short', () => {
  const g = new Geometry(1000, 64, 4); // blocks of 256 bytes
  assert.equal(g.blockCount, 4);
  assert.equal(g.bytesIn(3), 232);
  assert.equal(g.symbolsIn(3), 4);
  assert.equal(g.symbolBytes(3, 3), 40);
  assert.deepEqual([0, 1, 2].map((b) => [g.bytesIn(b), g.symbolsIn(b), g.symbolBytes(b, 3)]), [[256, 4, 64], [256, 4, 64], [256, 4, 64]]);
  const fewer = new Geometry(1000 - 200, 64, 4); // the last block holds 32 bytes: one short symbol
  assert.deepEqual([fewer.bytesIn(3), fewer.symbolsIn(3), fewer.symbolBytes(3, 0)], [32, 1, 32]);
  const exact = new Geometry(1024, 64, 4);
  assert.deepEqual([exact.blockCount, exact.bytesIn(3), exact.symbolsIn(3)], [4, 256, 4]);
  assert.equal(new Geometry(0, 64, 4).blockCount, 0);
  assert.throws(() => new Geometry(10, 66, 4), /multiple of 4/);
});

test('ANNOUNCE and STATUS survive a round trip; truncated ones are rejected', () => {
  const buf = Buffer.alloc(1500);
  const a = { session: 0xdeadbeef, group: '239.255.1.2', port: 7000, imageSize: 5 * 2 ** 32 + 7, symbolSize: 1456, k: 128, manifestSize: 4096, manifestDigest: Buffer.alloc(32, 7), frontier: 12, reportIntervalMs: 100, feedbackPort: 40000, signature: null, salt: null };
  const n = encodeAnnounce(buf, a, 99, false);
  assert.equal(packetType(buf.subarray(0, n)), PacketType.Announce);
  assert.deepEqual(decodeAnnounce(buf.subarray(0, n)), a);
  assert.equal(decodeAnnounce(buf.subarray(0, n - 1)), null);

  const s: Status = {
    receiver: 42, run: 0xfeedf00d, state: ReceiverState.Receiving, ackSeq: 1234, blocksDone: 10, received: 5000, lost: 50, overruns: 3,
    sha256: Buffer.alloc(32), manifestMissing: [0, 2], blocksMissing: [5, 9, 11, 12], coveredTo: 20, partial: [{ block: 3, need: 7 }],
  };
  const m = encodeStatus(buf, 1, 2, s);
  assert.deepEqual(decodeStatus(buf.subarray(0, m)), s);
  assert.equal(decodeStatus(buf.subarray(0, m - 4)), null);
  assert.ok(statusCapacity(1400) > 100);
});
