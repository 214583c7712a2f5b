// Encrypted and signed sessions over loopback with real sockets, files and hashes: what a receiver
// without the key, with the wrong key or with a verify key does; tampered, replayed and forged
// datagrams on the wire; and the crypto primitives themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ENCRYPTED_SYMBOL_SIZE, receive, send } from '../../src/engine/transport/index.js';
import { DatagramCipher, ReplayWindow, SessionKeys, TAG_BYTES } from '../../src/engine/transport/cipher.js';
import { decodeAnnounce, encodeStatus, HEADER_BYTES, packetType, PacketType, ReceiverState, sessionOf, type Announcement } from '../../src/engine/transport/wire.js';
import { channel, fileSha256, makeImage, sleep, tempDir } from './helpers.js';

const RATE = 100e6;

/** Listens on the session group like any host on the LAN: what an eavesdropper or attacker sees. */
async function sniff(ch: ReturnType<typeof channel>, onDatagram: (msg: Buffer, s: Socket) => void): Promise<Socket> {
  const s = createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((r) => s.bind(ch.port, r));
  s.addMembership(ch.group, '127.0.0.1');
  s.setMulticastInterface('127.0.0.1');
  s.on('message', (m) => onDatagram(m, s));
  return s;
}

function noOutput(dir: string, name: string): void {
  const left = readdirSync(dir).filter((f) => f.startsWith(name));
  assert.deepEqual(left, [], `nothing written for ${name}`);
}

for (const native of [true, false]) {
  test(`DatagramCipher with ${native ? 'the native addon (when built)' : "Node's crypto"}: in-place round trip, the other implementation opens it; a flipped bit, a wrong nonce or key fails and leaves the datagram as it was`, () => {
    const key = randomBytes(32);
    const c = new DatagramCipher(key, { native });
    const other = new DatagramCipher(key, { native: !native });
    const nonce = randomBytes(12);
    const plain = randomBytes(300);
    const buf = Buffer.alloc(300 + TAG_BYTES);
    plain.copy(buf);
    const sealed = c.seal(buf, 12, 300, nonce);
    assert.equal(sealed, 300 + TAG_BYTES);
    assert.deepEqual(buf.subarray(0, 12), plain.subarray(0, 12), 'the clear part stays clear');
    assert.notDeepEqual(buf.subarray(12, 300), plain.subarray(12));
    for (const bit of [0, 7 * 8 + 3, 100 * 8, (sealed - 1) * 8 + 7]) {
      const t = Buffer.from(buf);
      t[bit >> 3]! ^= 1 << (bit & 7);
      const before = Buffer.from(t);
      assert.equal(c.open(t, 12, sealed, nonce), -1, `bit ${bit}`);
      assert.deepEqual(t, before);
    }
    assert.equal(c.open(Buffer.from(buf), 12, sealed, randomBytes(12)), -1);
    assert.equal(new DatagramCipher(randomBytes(32), { native }).open(Buffer.from(buf), 12, sealed, nonce), -1);
    assert.equal(c.open(Buffer.from(buf), 12, 20, nonce), -1, 'shorter than clear bytes and a tag');
    const copy = Buffer.from(buf);
    assert.equal(other.open(copy, 12, sealed, nonce), 300);
    assert.deepEqual(copy.subarray(0, 300), plain);
    assert.equal(c.open(buf, 12, sealed, nonce), 300);
    assert.deepEqual(buf.subarray(0, 300), plain);
    assert.throws(() => new DatagramCipher(randomBytes(16), { native }), /32 bytes \(AES-256\), got 16 bytes/);
  });
}

test('SessionKeys: sender and report directions use different subkeys; report nonces are random', () => {
  const key = randomBytes(32);
  const salt = SessionKeys.freshSalt();
  const a = new SessionKeys(key, salt);
  const b = new SessionKeys(key, salt);
  const buf = Buffer.alloc(200);
  buf.write('header-12-by', 0);
  const len = a.sealReport(buf, HEADER_BYTES, 100);
  assert.equal(len, 100 + 28);
  const copy = Buffer.from(buf.subarray(0, len));
  assert.equal(b.openFromSender(Buffer.from(copy), HEADER_BYTES), -1, 'a report is not a sender datagram');
  assert.equal(b.openReport(copy, HEADER_BYTES), 100);
  const again = Buffer.alloc(200);
  again.write('header-12-by', 0);
  a.sealReport(again, HEADER_BYTES, 100);
  assert.notDeepEqual(again.subarray(100 + 16, len), buf.subarray(100 + 16, len), 'a fresh nonce per report');
  assert.equal(new SessionKeys(key, SessionKeys.freshSalt()).openReport(Buffer.from(buf.subarray(0, len)), HEADER_BYTES), -1, 'another salt, other keys');
});

test('ReplayWindow: each number once, reordering inside the window, too old refused', () => {
  const w = new ReplayWindow();
  assert.ok(w.accept(10));
  assert.ok(!w.accept(10));
  assert.ok(w.accept(8), 'late but new');
  assert.ok(!w.accept(8));
  assert.ok(w.accept(11));
  assert.ok(w.accept(10 + ReplayWindow.SIZE + 5), 'a jump');
  assert.ok(!w.accept(11), 'now too old to tell');
  assert.ok(w.accept(12 + ReplayWindow.SIZE), 'inside the window and unseen (its slot was cleared)');
  assert.ok(!w.accept(12 + ReplayWindow.SIZE));
  assert.ok(w.accept(0xffff_ffff));
  assert.ok(!w.accept(0xffff_ffff));
});

test('an encrypted session: receivers with the key verify; the datagrams are sealed, smaller symbols keep the MTU', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 2_000_000, 31);
  const ch = channel();
  const key = randomBytes(32);
  let biggest = 0;
  const seen: Announcement[] = [];
  const eve = await sniff(ch, (m) => {
    biggest = Math.max(biggest, m.length);
    const a = packetType(m) === PacketType.Announce ? decodeAnnounce(m) : null;
    if (a) seen.push(a);
  });
  const outs = [join(dir, 'a'), join(dir, 'b')];
  const receivers = outs.map((out, i) => receive({ ...ch, out, encryptionKey: key, impairment: i ? { drop: 0.02, seed: 3 } : undefined }));
  await sleep(50);
  const summary = await send({ ...ch, file: image.path, minClients: 2, rate: RATE, encryptionKey: key });
  const results = await Promise.all(receivers);
  eve.close();
  assert.equal(summary.ok, true, summary.message);
  assert.equal(summary.encrypted, true);
  assert.deepEqual([summary.authFailures, summary.replays], [0, 0]);
  for (const [i, r] of results.entries()) {
    assert.equal(r.ok, true, r.message);
    assert.equal(fileSha256(outs[i]!), image.sha256);
    assert.deepEqual([r.counters.authFailures, r.counters.replays, r.counters.corruptBlocks], [0, 0, 0], JSON.stringify(r.counters));
  }
  assert.ok(seen.length > 0, 'announcements stay readable');
  assert.equal(seen[0]!.symbolSize, ENCRYPTED_SYMBOL_SIZE);
  assert.equal(seen[0]!.salt?.length, 16, 'and say the session is encrypted');
  assert.equal(biggest, 1472, 'a full symbol datagram fills a 1500-byte MTU exactly');
});

test('tampered and replayed datagrams are dropped and counted, never reach a block, and the image verifies', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 3_000_000, 32);
  const ch = channel();
  const key = randomBytes(32);
  // Mallory records what the sender multicasts and plays it back a little later, once as it was
  // and once with a bit flipped.
  const recorded: Buffer[] = [];
  const mallory = await sniff(ch, (m) => {
    if (recorded.length < 3000 && packetType(m) !== PacketType.Announce) recorded.push(Buffer.from(m));
  });
  const replay = setInterval(() => {
    for (const m of recorded.splice(0, 100)) {
      mallory.send(m, ch.port, ch.group);
      const t = Buffer.from(m);
      t[HEADER_BYTES + Math.floor(Math.random() * (t.length - HEADER_BYTES))]! ^= 0x10;
      mallory.send(t, ch.port, ch.group);
    }
  }, 30);
  const out = join(dir, 'out');
  const pending = receive({ ...ch, out, encryptionKey: key, impairment: { corrupt: 0.02, duplicate: 0.02, seed: 5 } });
  await sleep(50);
  const summary = await send({ ...ch, file: image.path, rate: 30e6, encryptionKey: key });
  const r = await pending;
  clearInterval(replay);
  mallory.close();
  assert.equal(summary.ok, true, summary.message);
  assert.equal(r.ok, true, r.message);
  assert.equal(fileSha256(out), image.sha256);
  const c = r.counters;
  assert.ok(c.authFailures > 50, `tampered datagrams counted: ${JSON.stringify(c)}`);
  assert.ok(c.replays > 50, `replayed datagrams counted: ${JSON.stringify(c)}`);
  assert.equal(c.corruptBlocks, 0, 'nothing forged got as far as a block');
});

test('the sender drops reports that fail authentication or are replayed', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 1_000_000, 33);
  const ch = channel();
  const key = randomBytes(32);
  // An insider holding the key reports as receiver 0xabcd0001: once, then the same datagram again,
  // a tampered copy, and finally DONE with the image's hash.
  let sent = false;
  const insider = await sniff(ch, (m, s) => {
    if (sent || packetType(m) !== PacketType.Announce) return;
    const a = decodeAnnounce(m)!;
    sent = true;
    const keys = new SessionKeys(key, a.salt!);
    const report = (seq: number, state: ReceiverState): Buffer => {
      const buf = Buffer.alloc(1500);
      const status = {
        receiver: 0xabcd0001, run: 7, state, ackSeq: 0, blocksDone: 0, received: 0, lost: 0, overruns: 0,
        sha256: state === ReceiverState.Done ? Buffer.from(image.sha256, 'hex') : Buffer.alloc(32),
        manifestMissing: [], blocksMissing: [], coveredTo: 0, partial: [],
      };
      return Buffer.from(buf.subarray(0, keys.sealReport(buf, HEADER_BYTES, encodeStatus(buf, a.session, seq, status))));
    };
    const first = report(1, ReceiverState.Receiving);
    const tampered = Buffer.from(first);
    tampered[20]! ^= 1;
    for (const d of [first, first, tampered, report(2, ReceiverState.Done)]) s.send(d, a.feedbackPort, '127.0.0.1');
  });
  const pending = receive({ ...ch, out: join(dir, 'out'), encryptionKey: key });
  await sleep(50);
  const summary = await send({ ...ch, file: image.path, minClients: 2, rate: RATE, encryptionKey: key });
  insider.close();
  assert.equal((await pending).ok, true);
  assert.equal(summary.ok, true, summary.message);
  assert.equal(summary.replays, 1);
  assert.equal(summary.authFailures, 1);
  assert.deepEqual(summary.receivers.map((r) => r.status), ['verified', 'verified']);
});

test('a receiver without the key, with the wrong key, or with a key for an unencrypted session refuses it and writes nothing', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 500_000, 34);
  const key = randomBytes(32);
  const cases: [Buffer | undefined, Buffer | undefined, RegExp][] = [
    [key, undefined, /is encrypted: this receiver needs the session key/],
    [key, randomBytes(32), /does not authenticate with this receiver's key \(wrong key\?\)/],
    [undefined, key, /is not encrypted, but this receiver was given a key/],
  ];
  for (const [i, [senderKey, receiverKey, message]] of cases.entries()) {
    const ch = channel();
    const name = `out${i}`;
    const pending = receive({ ...ch, out: join(dir, name), encryptionKey: receiverKey });
    await sleep(50);
    const summary = await send({ ...ch, file: image.path, rate: RATE, encryptionKey: senderKey, maxWaitSeconds: 3 });
    const r = await pending;
    assert.equal(r.ok, false);
    assert.match(r.message, message);
    assert.equal(summary.ok, false);
    assert.match(summary.message, /no receiver joined/);
    noOutput(dir, name);
  }
  await assert.rejects(send({ ...channel(), file: image.path, encryptionKey: randomBytes(31) }), /32 bytes \(AES-256\), got 31 bytes/);
  await assert.rejects(receive({ ...channel(), out: join(dir, 'x'), encryptionKey: Buffer.alloc(0) }), /32 bytes/);
});

test('a signed manifest: the right public key verifies; unsigned or signed by another key is refused before anything is written', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 800_000, 35);
  const site = generateKeyPairSync('ed25519');
  const stranger = generateKeyPairSync('ed25519');
  const cases: [typeof site.privateKey | undefined, RegExp | null][] = [
    [site.privateKey, null],
    [undefined, /no manifest signature, and a verify key was given/],
    [stranger.privateKey, /manifest signature does not verify with the given public key/],
  ];
  for (const [i, [signer, message]] of cases.entries()) {
    const ch = channel();
    const name = `out${i}`;
    const key = i === 2 ? randomBytes(32) : undefined; // signing and encryption together, too
    const pending = receive({ ...ch, out: join(dir, name), manifestPublicKey: site.publicKey, encryptionKey: key });
    await sleep(50);
    const summary = await send({ ...ch, file: image.path, rate: RATE, manifestSigner: signer, encryptionKey: key, maxWaitSeconds: 3 });
    const r = await pending;
    if (!message) {
      assert.equal(summary.ok, true, summary.message);
      assert.equal(summary.signed, true);
      assert.equal(r.ok, true, r.message);
      assert.equal(fileSha256(join(dir, name)), image.sha256);
    } else {
      assert.equal(r.ok, false);
      assert.match(r.message, message);
      noOutput(dir, name);
    }
  }
  await assert.rejects(receive({ ...channel(), out: join(dir, 'x'), manifestPublicKey: site.privateKey }), /Ed25519 public key/);
  await assert.rejects(send({ ...channel(), file: image.path, manifestSigner: site.publicKey }), /Ed25519 private key/);
});

test('a receiver told which image it wants refuses a session carrying another (a replayed older manifest) and keeps nothing of it', async () => {
  const dir = tempDir();
  const wanted = makeImage(dir, 300_000, 36);
  const older = makeImage(dir, 300_000, 37);
  const site = generateKeyPairSync('ed25519');
  for (const [name, image, ok] of [['right', wanted, true], ['wrong', older, false]] as const) {
    const ch = channel();
    const pending = receive({ ...ch, out: join(dir, name), manifestPublicKey: site.publicKey, imageSha256: Buffer.from(wanted.sha256, 'hex') });
    await sleep(50);
    await send({ ...ch, file: image.path, rate: RATE, manifestSigner: site.privateKey, maxWaitSeconds: 3 });
    const r = await pending;
    assert.equal(r.ok, ok, r.message);
    if (ok) assert.equal(fileSha256(join(dir, name)), wanted.sha256);
    else {
      assert.match(r.message, new RegExp(`carries image ${older.sha256}, not the expected ${wanted.sha256}`));
      noOutput(dir, name);
    }
  }
  await assert.rejects(receive({ ...channel(), out: join(dir, 'x'), imageSha256: Buffer.alloc(20) }), /expected image SHA-256 must be 32 bytes, got 20/);
});

test('forged symbols in an unencrypted, signed session cost bandwidth but never corrupt the image', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 3_000_000, 36);
  const ch = channel();
  const site = generateKeyPairSync('ed25519');
  // Mallory reads the session id off the first symbol and multicasts well-formed symbols with random
  // payloads for every later block, ahead of the sender.
  let forged = 0;
  const mallory = await sniff(ch, (m, s) => {
    if (packetType(m) !== PacketType.Symbol || forged > 0) return;
    for (let block = 1; block < 15; block++) {
      for (let id = 0; id < 128; id++) {
        const f = Buffer.from(m);
        f[3] = id;
        f.writeUInt32BE(block, HEADER_BYTES);
        randomBytes(f.length - 16).copy(f, 16);
        s.send(f, ch.port, ch.group);
        forged++;
      }
    }
  });
  const out = join(dir, 'out');
  const pending = receive({ ...ch, out, manifestPublicKey: site.publicKey });
  await sleep(50);
  const summary = await send({ ...ch, file: image.path, rate: 30e6, manifestSigner: site.privateKey });
  const r = await pending;
  mallory.close();
  assert.equal(summary.ok, true, summary.message);
  assert.equal(r.ok, true, r.message);
  assert.ok(forged > 100);
  assert.ok(r.counters.corruptBlocks > 0, `forged symbols spoiled blocks, which were fetched again: ${JSON.stringify(r.counters)}`);
  assert.equal(fileSha256(out), image.sha256);
  assert.ok(!existsSync(`${out}.mcpart`));
});

test('an encrypted receiver stopped mid-transfer resumes in a new run the sender accepts', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 5_000_000, 37);
  const ch = channel();
  const key = randomBytes(32);
  const out = join(dir, 'out');
  const stop = new AbortController();
  // Stopping sends a last report (failed); a second receiver keeps the session going meanwhile.
  const stays = receive({ ...ch, out: join(dir, 'stays'), encryptionKey: key });
  const first = receive({ ...ch, out, encryptionKey: key, signal: stop.signal });
  await sleep(50);
  const sending = send({ ...ch, file: image.path, minClients: 2, rate: 16e6, encryptionKey: key, receiverTimeoutMs: 20_000 });
  for (let i = 0; i < 100 && !existsSync(`${out}.mcstate`); i++) await sleep(50);
  stop.abort();
  assert.equal((await first).ok, false);
  const second = await receive({ ...ch, out, encryptionKey: key });
  const summary = await sending;
  assert.equal(second.ok, true, second.message);
  assert.ok(second.counters.resumedBlocks > 0, JSON.stringify(second.counters));
  assert.equal((await stays).ok, true);
  assert.equal(summary.ok, true, summary.message);
  assert.equal(summary.receivers.length, 2, 'the restarted receiver is the same one to the sender');
  assert.equal(summary.replays, 0);
  assert.equal(fileSha256(out), image.sha256);
});

test('the session id in the clear header is authenticated: a sealed datagram moved to another session fails', () => {
  const key = randomBytes(32);
  const keys = new SessionKeys(key, SessionKeys.freshSalt());
  const buf = Buffer.alloc(100);
  buf.writeUInt32BE(0x11111111, 4);
  const len = keys.sealFromSender(buf, HEADER_BYTES, 60);
  const moved = Buffer.from(buf.subarray(0, len));
  moved.writeUInt32BE(0x22222222, 4);
  assert.equal(sessionOf(moved), 0x22222222);
  assert.equal(keys.openFromSender(moved, HEADER_BYTES), -1);
  assert.equal(keys.openFromSender(Buffer.from(buf.subarray(0, len)), HEADER_BYTES), 60);
});
