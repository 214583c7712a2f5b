// The native batched group socket (native/mcnet.c): what arrives is exactly what was sent, with the
// right source, in order, however many datagrams a batch holds; oversized datagrams are cut to the
// slot size (so the parser rejects them); memberships can be added; close() stops delivery; a
// plain session's symbols are placed natively exactly as the receiver would place them; drops()
// counts what a full receive buffer lost. The
// group sender (native sendmmsg, or dgram without the addon): datagrams leave intact and in order,
// and its queue is bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket, type RemoteInfo } from 'node:dgram';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { openGroupSender, openGroupSocket, Placement, type PlacementBlock } from '../../src/engine/transport/batch-socket.js';
import { Geometry } from '../../src/engine/transport/manifest.js';
import { nativeAddon } from '../../src/engine/transport/native.js';
import { HEADER_BYTES, PacketType, SYMBOL_HEADER_BYTES, writeHeader, writeSymbolHeader } from '../../src/engine/transport/wire.js';
import { channel, sleep } from './helpers.js';

const addon = resolve(import.meta.dirname, '../../../native/build/Release/mcnet.node');

test('the native addon is used when it was built (CI requires the build)', () => {
  if (process.env.MCSHELL_REQUIRE_NATIVE === '1') assert.ok(existsSync(addon), 'native/build/Release/mcnet.node was not built');
  assert.equal(nativeAddon() !== null, existsSync(addon) && process.env.MCSHELL_NATIVE !== '0');
});

test('datagrams arrive intact, in order, with their source, through batches', { skip: !nativeAddon() && 'native addon not built' }, async () => {
  const ch = channel();
  const got: { data: Buffer; from: string }[] = [];
  const socket = await openGroupSocket({ interfaceAddress: '127.0.0.1', group: ch.group, port: ch.port, recvBuffer: 4 << 20 }, (msg: Buffer, rinfo: RemoteInfo) => {
    got.push({ data: Buffer.from(msg), from: `${rinfo.address}:${rinfo.port}` });
  });
  assert.equal(socket.batched, true);
  const sender = createSocket('udp4');
  await new Promise<void>((r) => sender.bind(0, '127.0.0.1', r));
  sender.setMulticastInterface('127.0.0.1');
  const sent: Buffer[] = [];
  // 1000 datagrams of varied sizes, sent in bursts so batches of many datagrams form.
  for (let i = 0; i < 1000; i++) {
    const d = Buffer.alloc(1 + ((i * 37) % 1500), i & 255); // size and content differ per datagram
    sent.push(d);
    sender.send(d, ch.port, ch.group);
    if (i % 200 === 199) await sleep(5);
  }
  const oversized = Buffer.alloc(12000, 7);
  sender.send(oversized, ch.port, ch.group);
  for (let t = 0; t < 100 && got.length < 1001; t++) await sleep(20);
  assert.equal(got.length, 1001);
  const source = `127.0.0.1:${sender.address().port}`;
  for (let i = 0; i < 1000; i++) {
    assert.deepEqual(got[i]!.data, sent[i], `datagram ${i}`);
    assert.equal(got[i]!.from, source);
  }
  // A datagram beyond the slot (jumbo frames fit) is delivered cut to the slot size: never whole.
  assert.ok(got[1000]!.data.length < oversized.length && got[1000]!.data.every((b) => b === 7));

  // A second group on the same port, then close: nothing more is delivered.
  socket.addMembership('239.255.42.9');
  sender.send(Buffer.from('second group'), ch.port, '239.255.42.9');
  for (let t = 0; t < 50 && got.length < 1002; t++) await sleep(20);
  assert.equal(got.at(-1)!.data.toString(), 'second group');
  socket.close();
  assert.throws(() => socket.addMembership('239.255.42.10'), /closed/);
  sender.send(Buffer.from('after close'), ch.port, ch.group);
  await sleep(100);
  assert.equal(got.length, 1002);
  sender.close();
});

test('bad arguments are refused with a clear message', { skip: !nativeAddon() && 'native addon not built' }, async () => {
  const ch = channel();
  await assert.rejects(openGroupSocket({ interfaceAddress: 'not-an-address', group: ch.group, port: ch.port, recvBuffer: 0 }, () => {}), /IPv4 address/);
  await assert.rejects(openGroupSocket({ interfaceAddress: '127.0.0.1', group: '10.0.0.1', port: ch.port, recvBuffer: 0 }, () => {}), /opening the multicast socket/);
});

test('the group sender sends what was committed, intact and in order, and bounds its queue', async () => {
  const ch = channel();
  const receiver = createSocket({ type: 'udp4', reuseAddr: true });
  const got: Buffer[] = [];
  receiver.on('message', (msg) => got.push(msg));
  await new Promise<void>((r) => receiver.bind(ch.port, r));
  receiver.addMembership(ch.group, '127.0.0.1');
  receiver.setRecvBufferSize(4 << 20);
  let writable = 0;
  const sender = await openGroupSender({ interfaceAddress: '127.0.0.1', group: ch.group, port: ch.port, sendBuffer: 256 << 10, slotBytes: 1500, slots: 16 }, () => writable++);
  assert.equal(sender.batched, nativeAddon() !== null);
  const sent: Buffer[] = [];
  for (let round = 0; round < 20; round++) {
    // Fill the whole queue: then there is no buffer until the kernel took some.
    for (let i = 0; i < 16; i++) {
      const buf = sender.next();
      assert.ok(buf, `round ${round}, datagram ${i}`);
      const n = sent.length;
      const d = Buffer.alloc(1 + ((n * 53) % 1472), n & 255);
      d.copy(buf);
      sent.push(d);
      sender.commit(d.length);
    }
    assert.equal(sender.next(), null);
    sender.flush();
    for (let t = 0; t < 100 && sender.next() === null; t++) await sleep(5);
  }
  for (let t = 0; t < 100 && got.length < sent.length; t++) await sleep(10);
  assert.equal(got.length, sent.length);
  for (const [i, d] of sent.entries()) assert.deepEqual(got[i], d, `datagram ${i}`);
  assert.ok(sender.batched || writable > 0, 'dgram frees its buffers in send callbacks and says so');
  sender.close();
  receiver.close();
});

// The native path's symbol placement (native/mcnet.c, place) must do exactly what receiver.ts's
// onSymbol does for the blocks it is handed, and leave everything else to the datagram handler in
// arrival order. A geometry of two blocks: block 0 holds 4 symbols of 16 bytes, block 1 (the last)
// 3 symbols of 16, 16 and 5 bytes.
test('the native path places symbols as the receiver does and leaves the rest to JS, in order', { skip: !nativeAddon() && 'native addon not built' }, async () => {
  const ch = channel();
  const session = 0xabcdef01;
  const log: string[] = [];
  // When set, the JS handler starts that block on its first symbol, as the receiver does.
  let startOnArrival: { block: number; p: PlacementBlock } | null = null;
  const socket = await openGroupSocket({ interfaceAddress: '127.0.0.1', group: ch.group, port: ch.port, recvBuffer: 1 << 20 }, (msg: Buffer) => {
    log.push(`js seq ${msg.readUInt32BE(8)}`);
    if (startOnArrival && msg.readUInt32BE(HEADER_BYTES) >>> 8 === startOnArrival.block) socket.placer!.track(startOnArrival.block, startOnArrival.p);
  });
  const g = new Geometry(4 * 16 + 2 * 16 + 5, 16, 4);
  const complete = new Uint8Array(g.blockCount);
  const names = { [Placement.Placed]: 'Placed', [Placement.Duplicate]: 'Duplicate', [Placement.Completed]: 'Completed' };
  socket.placer!.start(session, g, complete, (result, seq, block) => log.push(`${names[result]} seq ${seq} block ${block}`));
  const newBlock = (k: number): PlacementBlock => ({ buf: new Uint8Array(4 * 16).fill(0xff), have: new Uint8Array(8192), filled: new Uint8Array(k), slotIds: new Uint16Array(k), count: new Int32Array(1) });
  const b0 = newBlock(4);
  assert.equal(socket.placer!.track(0, b0), true);
  assert.equal(socket.placer!.track(0, b0), false, 'a block is tracked once');

  const sender = createSocket('udp4');
  await new Promise<void>((r) => sender.bind(0, '127.0.0.1', r));
  sender.setMulticastInterface('127.0.0.1');
  let seq = 0;
  const payload = (block: number, id: number, len: number): Buffer => Buffer.alloc(len, block * 16 + id + 1);
  const send = async (block: number, id: number, len: number, s = session, pause = 2): Promise<void> => {
    const d = Buffer.alloc(SYMBOL_HEADER_BYTES + len);
    writeSymbolHeader(d, s, ++seq, block, id);
    payload(block, id, len).copy(d, SYMBOL_HEADER_BYTES);
    sender.send(d, ch.port, ch.group);
    await sleep(pause);
  };
  await send(0, 1, 16); // seq 1: a source in its own slot
  await send(0, 4, 16); // seq 2: a repair, into the first free slot (0)
  await send(0, 0, 16); // seq 3: source 0 moves the repair to the next free slot (2)
  await send(0, 1, 16); // seq 4: held already
  await send(0, 3, 16, session + 1); // seq 5: another session: JS
  await send(0, 3, 15); // seq 6: wrong length: JS (it counts it malformed)
  await send(1, 0, 16); // seq 7: a block not tracked: JS
  const end = Buffer.alloc(HEADER_BYTES);
  writeHeader(end, PacketType.End, 0, session, ++seq); // seq 8: not a symbol: JS
  sender.send(end, ch.port, ch.group);
  await sleep(2);
  await send(0, 3, 16); // seq 9: the block's last slot
  await send(0, 5, 16); // seq 10: the block is full: dropped, not marked held
  complete[1] = 1;
  // The addon reads a batch a few ms after it wakes: let it see each state before the next change.
  const delivered = async (n: number): Promise<void> => {
    for (let t = 0; t < 100 && log.length < n; t++) await sleep(20);
  };
  await send(1, 1, 16); // seq 11: a complete block's symbol is a duplicate
  await delivered(11);
  complete[1] = 0;
  const b1 = newBlock(3);
  assert.equal(socket.placer!.track(1, b1), true);
  await send(1, 2, 5); // seq 12: the short last symbol, zero-padded
  await send(1, 2, 16); // seq 13: wrong length for it: JS
  await delivered(13);
  socket.placer!.untrack(1);
  await send(1, 0, 16); // seq 14: untracked again: JS
  await delivered(14);
  // Back to back, so one batch holds both: JS sees the new block's first symbol before the addon
  // goes on, starts the block, and the second is placed natively.
  const b1again = newBlock(3);
  startOnArrival = { block: 1, p: b1again };
  await send(1, 1, 16, session, 0); // seq 15: JS starts block 1
  await send(1, 0, 16); // seq 16: placed
  await delivered(16);
  assert.deepEqual(log, [
    'Placed seq 1 block 0',
    'Placed seq 2 block 0',
    'Placed seq 3 block 0',
    'Duplicate seq 4 block 0',
    'js seq 5',
    'js seq 6',
    'js seq 7',
    'js seq 8',
    'Completed seq 9 block 0',
    'Placed seq 10 block 0',
    'Duplicate seq 11 block 1',
    'Placed seq 12 block 1',
    'js seq 13',
    'js seq 14',
    'js seq 15',
    'Placed seq 16 block 1',
  ]);
  const slot = (p: PlacementBlock, s: number): Buffer => Buffer.from(p.buf.subarray(s * 16, s * 16 + 16));
  assert.deepEqual([slot(b0, 0), slot(b0, 1), slot(b0, 2), slot(b0, 3)], [payload(0, 0, 16), payload(0, 1, 16), payload(0, 4, 16), payload(0, 3, 16)]);
  assert.deepEqual([...b0.slotIds], [0, 1, 4, 3]);
  assert.deepEqual([...b0.filled], [1, 1, 1, 1]);
  assert.equal(b0.count[0], 4);
  assert.equal(b0.have[0], 0b11011, 'ids 0, 1, 3 and 4 held; 5 (dropped) not');
  assert.deepEqual(slot(b1, 2), Buffer.concat([payload(1, 2, 5), Buffer.alloc(11)]));
  assert.deepEqual([...b1.filled], [0, 0, 1]);
  assert.equal(b1.count[0], 1);
  assert.deepEqual([...b1again.slotIds, b1again.count[0]], [0, 0, 0, 1]);
  assert.deepEqual(Buffer.from(b1again.buf.subarray(0, 16)), payload(1, 0, 16));
  socket.close();
  sender.close();
});

// drops() is what a receiver learns that it is overrun from: every datagram sent to the socket is
// either delivered or counted there (on loopback nothing else loses them).
test('drops() counts the datagrams a full receive buffer lost', { skip: !nativeAddon() && 'native addon not built' }, async () => {
  const ch = channel();
  let delivered = 0;
  const socket = await openGroupSocket({ interfaceAddress: '127.0.0.1', group: ch.group, port: ch.port, recvBuffer: 64 << 10 }, () => delivered++);
  assert.equal(socket.drops(), 0);
  const count = 3000;
  const sender = spawn(process.execPath, ['-e', `
    const s = require('node:dgram').createSocket('udp4');
    s.bind(0, '127.0.0.1', async () => {
      s.setMulticastInterface('127.0.0.1');
      const d = Buffer.alloc(1400);
      for (let i = 0; i < ${count}; i++) await new Promise((r) => s.send(d, ${ch.port}, '${ch.group}', r));
      s.close();
    });`]);
  // Not reading for a while: the 64 KiB buffer overflows while the sender goes on.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
  await new Promise((r) => sender.on('close', r));
  for (let t = 0; t < 50 && delivered + socket.drops()! < count; t++) await sleep(20);
  assert.ok(socket.drops()! > 0, 'some datagrams were dropped');
  assert.equal(delivered + socket.drops()!, count);
  socket.close();
});

// The wait before reading (native/mcnet.c, on_timer) grows while rounds find the receive buffer
// nearly empty and halves when it was over a third full: a long wait at a high rate, or with the small
// buffer an unprivileged process gets, would overflow it.
test('the wait before reading grows while the receive buffer stays empty and halves when it fills', { skip: !nativeAddon() && 'native addon not built' }, async () => {
  const ch = channel();
  const socket = nativeAddon()!.open(ch.port, ch.group, '127.0.0.1', 256 << 10, 9216, 8, () => {});
  const sender = await openGroupSender({ interfaceAddress: '127.0.0.1', group: ch.group, port: ch.port, sendBuffer: 4 << 20, slotBytes: 1500, slots: 256 }, () => {});
  const send = (count: number): void => {
    for (let i = 0; i < count; i++) {
      sender.next()!.fill(7, 0, 1400);
      sender.commit(1400);
    }
    sender.flush();
  };
  try {
    assert.equal(socket.readWait(), 1);
    // A trickle: every round finds one datagram in an empty buffer, and the wait grows to the ceiling.
    for (let i = 0; i < 4; i++) {
      send(1);
      await sleep(40);
    }
    assert.equal(socket.readWait(), 8);
    // A burst of ~350 KB (in a buffer of 512 KB: the kernel doubles what was asked) arrives within
    // the wait: that round halves it, and the empty round after it leaves it be.
    send(150);
    await sleep(60);
    assert.equal(socket.readWait(), 4);
  } finally {
    socket.close();
    sender.close();
  }
});
