// The native batched group socket (native/mcnet.c): what arrives is exactly what was sent, with the
// right source, in order, however many datagrams a batch holds; oversized datagrams are cut to the
// slot size (so the parser rejects them); memberships can be added; close() stops delivery. The
// group sender (native sendmmsg, or dgram without the addon): datagrams leave intact and in order,
// and its queue is bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo } from 'node:dgram';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { openGroupSender, openGroupSocket } from '../../src/engine/transport/batch-socket.js';
import { nativeAddon } from '../../src/engine/transport/native.js';
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
