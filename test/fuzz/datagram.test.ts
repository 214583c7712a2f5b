// Fuzzing the transport's datagram handling: a million random and mutated datagrams (mutations of
// real datagrams of every packet type, encrypted and not) go straight into a live receiver's and a
// live sender's handlers, and a smaller stream goes through real sockets. Nothing may throw, what is
// refused is counted, and the session still ends with a verified image.
//
// Seeded: MCSHELL_FUZZ_SEED=<n> replays a run's mutations (the seed is printed on failure). The
// sessions' ids and keys are random, so a replay exercises the same mutations on fresh datagrams.
//
// An unencrypted session's control datagrams (announcements, END, reports) are not authenticated:
// a forged one that parses as the live session's is indistinguishable from the sender's own, and
// END or a report ends or skews the session by design (only the image is protected, by the manifest
// and block hashes). The unencrypted runs therefore leave out mutants that parse as such control
// datagrams of the live session; symbols and manifest chunks are all sent. Encrypted runs send all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { join } from 'node:path';
import { Receiver, type ReceiveSummary } from '../../src/engine/transport/receiver.js';
import { Sender, type SendSummary } from '../../src/engine/transport/sender.js';
import { SessionKeys } from '../../src/engine/transport/cipher.js';
import {
  decodeAnnounce,
  decodeStatus,
  encodeStatus,
  HEADER_BYTES,
  MAGIC,
  packetType,
  PacketType,
  ReceiverState,
  sessionOf,
  VERSION,
  writeHeader,
  type Announcement,
} from '../../src/engine/transport/wire.js';
import { channel, fileSha256, makeImage, sleep, tempDir } from '../transport/helpers.js';

const seed = Number(process.env.MCSHELL_FUZZ_SEED ?? randomInt(2 ** 31));

/** mulberry32: small, fast, seedable. */
function prng(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

async function withSeed(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (e instanceof Error) e.message += `\n(reproduce with MCSHELL_FUZZ_SEED=${seed})`;
    throw e;
  }
}

const INTERESTING = [0, 1, 2, 127, 128, 255, 256, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

class Mutator {
  readonly rand: () => number;
  constructor(s: number) {
    this.rand = prng(s);
  }
  int(n: number): number {
    return Math.floor(this.rand() * n);
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  /** A random datagram, or a mutation of one of `bases` (a fresh copy: handlers decrypt in place). */
  next(bases: Buffer[]): Buffer {
    const kind = this.int(10);
    if (kind === 0) {
      const b = this.bytes(this.int(1600));
      if (b.length >= 12 && this.rand() < 0.7) {
        b[0] = MAGIC;
        b[1] = VERSION;
        b[2] = 1 + this.int(7);
      }
      return b;
    }
    const base = bases[this.int(bases.length)]!;
    let m = Buffer.from(base);
    const edits = 1 + this.int(3);
    for (let e = 0; e < edits; e++) {
      switch (this.int(7)) {
        case 0: {
          if (m.length === 0) break;
          const bit = this.int(m.length * 8);
          m[bit >> 3]! ^= 1 << (bit & 7);
          break;
        }
        case 1:
          if (m.length) m[this.int(m.length)] = this.int(256);
          break;
        case 2:
          m = m.subarray(0, this.int(m.length + 1));
          break;
        case 3:
          m = Buffer.concat([m, this.bytes(1 + this.int(64))]);
          break;
        case 4:
          if (m.length >= 8) m.writeUInt32BE(INTERESTING[this.int(INTERESTING.length)]!, 4 * this.int(Math.floor(m.length / 4)));
          break;
        case 5: {
          const other = bases[this.int(bases.length)]!;
          const cut = this.int(Math.min(m.length, other.length) + 1);
          m = Buffer.concat([m.subarray(0, cut), other.subarray(cut)]);
          break;
        }
        case 6:
          if (m.length > 2) m[2] = this.int(9); // another packet type on the same body
          break;
      }
    }
    return m;
  }
}

const RINFO: RemoteInfo = { address: '127.0.0.1', family: 'IPv4', port: 9, size: 0 };

interface Live {
  receiver: Receiver;
  sender: Sender;
  received: Promise<ReceiveSummary>;
  sent: Promise<SendSummary>;
  ann: Announcement;
  /** Valid datagrams of the live session, of every packet type. */
  bases: Buffer[];
  /** Those of them built here with the key (END, DONE-ACK, STATUS): sent unmodified they would be an insider's. */
  built: Buffer[];
  image: { path: string; sha256: string };
  out: string;
  ch: ReturnType<typeof channel>;
  sniffer: Socket;
}

/** Starts a session (slow enough to outlast the fuzzing) and collects real datagrams of it. */
async function live(key: Buffer | undefined, rate: number): Promise<Live> {
  const dir = tempDir();
  const image = makeImage(dir, 3_000_000, 77);
  const ch = channel();
  const captured: Buffer[] = [];
  const sniffer = createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((r) => sniffer.bind(ch.port, r));
  sniffer.addMembership(ch.group, '127.0.0.1');
  sniffer.on('message', (m) => {
    if (captured.length < 400) captured.push(Buffer.from(m));
  });
  const out = join(dir, 'out');
  const receiver = new Receiver({ ...ch, out, encryptionKey: key, senderTimeoutMs: 60_000 });
  const received = receiver.run();
  await sleep(50);
  const sender = new Sender({ ...ch, file: image.path, rate, encryptionKey: key, receiverTimeoutMs: 60_000 });
  const sent = sender.run();
  while (captured.filter((m) => packetType(m) === PacketType.Symbol).length < 50) await sleep(10);
  const announcements = captured.filter((m) => packetType(m) === PacketType.Announce);
  const ann = decodeAnnounce(announcements[0]!)!;
  // END, DONE-ACK and STATUS are built as the sender and a receiver would build them.
  const keys = key ? new SessionKeys(key, ann.salt!) : null;
  const built: Buffer[] = [];
  const seal = (buf: Buffer, len: number, report: boolean): Buffer =>
    Buffer.from(buf.subarray(0, keys ? (report ? keys.sealReport(buf, HEADER_BYTES, len) : keys.sealFromSender(buf, HEADER_BYTES, len)) : len));
  for (let i = 0; i < 4; i++) {
    const end = Buffer.alloc(64);
    writeHeader(end, PacketType.End, 0, ann.session, 1 + i); // old sequence numbers: replays when sealed
    built.push(seal(end, HEADER_BYTES, false));
    const ack = Buffer.alloc(64);
    writeHeader(ack, PacketType.DoneAck, 0, ann.session, 1 + i);
    ack.writeUInt32BE(0x12345678, HEADER_BYTES);
    built.push(seal(ack, HEADER_BYTES + 4, false));
    const status = Buffer.alloc(1500);
    const len = encodeStatus(status, ann.session, 1 + i, {
      receiver: 0x0badf00d, run: 1, state: i % 3 as ReceiverState, ackSeq: 5, blocksDone: 1, received: 10, lost: 1, overruns: 0,
      sha256: Buffer.alloc(32), manifestMissing: [0, 1], blocksMissing: [2, 5], coveredTo: 6, partial: [{ block: 1, need: 3 }],
    });
    built.push(seal(status, len, true));
  }
  return { receiver, sender, received, sent, ann, bases: [...captured, ...built], built, image, out, ch, sniffer };
}

/** Whether an unencrypted mutant is a well-formed control datagram of the live session (see the header). */
function plainControl(m: Buffer, session: number): boolean {
  const type = packetType(m);
  if (type === 0 || sessionOf(m) !== session) return false;
  if (type === PacketType.End) return true;
  if (type === PacketType.Announce) return decodeAnnounce(m) !== null;
  if (type === PacketType.Status) return decodeStatus(m) !== null;
  return false;
}

async function finish(l: Live): Promise<void> {
  const [s, r] = await Promise.all([l.sent, l.received]);
  l.sniffer.close();
  assert.equal(s.ok, true, `sender: ${s.message}`);
  assert.equal(r.ok, true, `receiver: ${r.message} ${JSON.stringify(r.counters)}`);
  assert.equal(fileSha256(l.out), l.image.sha256);
  assert.deepEqual(s.receivers.map((x) => x.status), ['verified'], 'no phantom receiver joined');
}

for (const encrypted of [true, false]) {
  test(`500,000 random and mutated datagrams into the handlers of a live ${encrypted ? 'encrypted' : 'unencrypted'} session`, () =>
    withSeed(async () => {
      const key = encrypted ? randomBytes(32) : undefined;
      const l = await live(key, 12e6);
      const fuzz = new Mutator(seed + (encrypted ? 1 : 2));
      const session = l.ann.session;
      const statuses = l.bases.filter((m) => packetType(m) === PacketType.Status);
      let toReceiver = 0;
      let toSender = 0;
      let skipped = 0;
      const started = performance.now();
      for (let n = 0; n < 500_000; ) {
        // Chunks, so the session's own datagrams and timers keep flowing in between.
        for (const end = n + 5000; n < end; n++) {
          const toTheSender = fuzz.int(8) === 0;
          const m = fuzz.next(toTheSender ? (fuzz.int(2) ? statuses : l.bases) : l.bases);
          if (!encrypted && plainControl(m, session)) {
            skipped++;
            continue;
          }
          if (encrypted && l.built.some((b) => b.equals(m))) {
            skipped++;
            continue;
          }
          if (toTheSender) {
            l.sender.handleDatagram(m, RINFO);
            toSender++;
          } else {
            l.receiver.handleDatagram(m, RINFO);
            toReceiver++;
          }
        }
        await new Promise((r) => setImmediate(r));
      }
      const ms = performance.now() - started;
      await finish(l);
      const c = (await l.received).counters;
      const s = await l.sent;
      const refused = c.malformed + c.foreign + c.authFailures + c.replays + c.duplicates + c.corruptBlocks;
      console.log(`# seed ${seed}, ${encrypted ? 'encrypted' : 'unencrypted'}: ${toReceiver} to the receiver, ${toSender} to the sender, ${skipped} skipped, in ${(ms / 1000).toFixed(2)} s; receiver ${JSON.stringify(c)}; sender ignored ${s.ignoredDatagrams}, authFailures ${s.authFailures}, replays ${s.replays}`);
      assert.ok(s.ignoredDatagrams + s.authFailures > toSender * 0.5, 'the sender counts what it refuses');
      assert.ok(refused > toReceiver * 0.5, `most fuzz is refused and counted: ${JSON.stringify(c)}`);
      assert.ok(c.malformed > 1000 && c.foreign > 1000, JSON.stringify(c));
      if (encrypted) {
        assert.ok(c.authFailures > 50_000, JSON.stringify(c));
        assert.ok(s.authFailures > 1000, `sender: ${s.authFailures} reports failed authentication`);
        assert.equal(c.corruptBlocks, 0, 'no forged symbol got as far as a block');
      }
    }));
}

test('fuzz through real sockets into a live receiver and sender, encrypted and not', () =>
  withSeed(async () => {
    for (const encrypted of [true, false]) {
      const l = await live(encrypted ? randomBytes(32) : undefined, 20e6);
      const fuzz = new Mutator(seed + (encrypted ? 3 : 4));
      const noise = createSocket('udp4');
      await new Promise<void>((r) => noise.bind(0, r));
      noise.setMulticastInterface('127.0.0.1');
      let sent = 0;
      for (let burst = 0; burst < 100; burst++) {
        for (let i = 0; i < 200; i++) {
          const m = fuzz.next(l.bases);
          if (encrypted ? l.built.some((b) => b.equals(m)) : plainControl(m, l.ann.session)) continue;
          if (fuzz.int(4) === 0) noise.send(m, l.ann.feedbackPort, '127.0.0.1');
          else noise.send(m, l.ch.port, l.ch.group);
          sent++;
        }
        await sleep(5);
      }
      await finish(l);
      noise.close();
      const c = (await l.received).counters;
      assert.ok(c.malformed + c.foreign + c.authFailures + c.replays + c.duplicates > sent / 10, `${sent} sent: ${JSON.stringify(c)}`);
      if (encrypted) assert.ok(c.authFailures > 0 && (await l.sent).authFailures > 0);
    }
  }));
