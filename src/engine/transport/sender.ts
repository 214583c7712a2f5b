// The sending side of a session: announce, serve the manifest, stream every block once, and repair.
//
// Repair follows NORM: receivers report per block how many symbols they still need; the sender sends
// that many *fresh* repair symbols for the worst receiver (one repair symbol fixes different losses
// at different receivers), interleaved with new data, never stop-and-wait. Blocks a receiver holds
// nothing of (late join, resume) are sent again from source after the first pass, looping until
// nobody needs anything. A report only counts for a block if it was written after the receiver saw
// the sender's latest packet for that block (its ackSeq), so stale reports never cause resends.
//
// With an encryption key every datagram is sealed (cipher.ts) and every report must authenticate;
// with a signing key the announced manifest digest is signed (manifest.ts).
//
// The image is hashed for the manifest while the session already runs: announcements say "manifest
// pending" (size 0) until it is done, receivers join and collect blocks meanwhile (they verify and
// write them once the manifest arrives), so hashing a large image does not delay the first packet.
// An image sent before is not hashed at all: its manifest comes from the cache (manifest-cache.ts).
import type { KeyObject } from 'node:crypto';
import type { Socket, RemoteInfo } from 'node:dgram';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { checkEncryptionKey, ReplayWindow, SessionKeys, TAG_BYTES } from './cipher.js';
import { encodeRepair, SYMBOL_IDS } from './fec.js';
import { defaultManifestCacheDir, msUntilCacheable } from './manifest-cache.js';
import { checkEd25519, ManifestBuilder, signManifest, type Geometry, type Manifest } from './manifest.js';
import { isUsableGroup, openSocket, resolveInterface } from './net.js';
import { openGroupSender, type GroupSender } from './batch-socket.js';
import {
  ANNOUNCE_GROUP,
  ANNOUNCE_PORT,
  DEFAULT_GROUP,
  DEFAULT_PORT,
  decodeStatus,
  EndReason,
  ANNOUNCE_MAX_BYTES,
  encodeAnnounce,
  FRAME_OVERHEAD,
  HEADER_BYTES,
  packetType,
  PacketType,
  ReceiverState,
  seqOf,
  sessionOf,
  SYMBOL_HEADER_BYTES,
  writeHeader,
  writeSymbolHeader,
  type Status,
} from './wire.js';

export const DEFAULT_SYMBOL_SIZE = 1456; // 1456 + 16 header + 28 UDP/IP = 1500-byte MTU
/** Encrypted sessions' default: the GCM tag takes 16 bytes of the datagram (1440 + 16 + 16 + 28 = 1500). */
export const ENCRYPTED_SYMBOL_SIZE = DEFAULT_SYMBOL_SIZE - TAG_BYTES;
/**
 * 1024 source symbols per block (1.5 MB): repair is sized for the worst receiver per block, and the
 * worst of N receivers' losses in a block comes closer to the mean loss as blocks grow. Measured at
 * 1 % loss, 128 MB, 100 Mbit/s (scripts/bench-transport.mjs): bytes on the wire / image 1.070–1.105
 * at N = 16 with k = 128, 1.058 with k = 1024, 1.057 with k = 2048. Decoding costs (lost symbols) × k
 * multiply-adds: at k = 1024 one receiver recovers about 100 Mbit/s of lost data (scripts/bench-fec.ts),
 * i.e. 10 Gbit/s of image at 1 % loss, 2 Gbit/s at 5 %.
 */
export const DEFAULT_K = 1024;

export interface SendOptions {
  file: string;
  /** Interface name or address: required, never guessed. */
  interface: string;
  group?: string;
  port?: number;
  /** Where the session is announced (a well-known channel by default). */
  announceGroup?: string;
  announcePort?: number;
  /** Receivers that must join before data flows and that must all verify for success (default 1). */
  minClients?: number;
  /** Seconds to wait for minClients; then the session runs with whoever joined. Default: no limit. */
  maxWaitSeconds?: number;
  /** Rate cap in bits per second; without it the rate adapts from receivers' reports and socket back-pressure. */
  rate?: number;
  symbolSize?: number;
  k?: number;
  /** A receiver silent for this long is dropped and reported failed (default 10 s). */
  receiverTimeoutMs?: number;
  /** Caps the automatic rate from receivers' reports (e.g. to the slowest receiver's goodput): see Pacer. */
  pacer?: Pacer;
  /**
   * No first pass: send only the blocks receivers report missing. For sessions whose receivers
   * arrive holding part of the image already (resumed elsewhere), so they fetch only what they lack.
   */
  onDemand?: boolean;
  /**
   * 32-byte AES-256 key: every datagram of the session is encrypted and authenticated (AES-256-GCM),
   * and only receivers given the same key can join. Use a fresh random key per session.
   */
  encryptionKey?: Buffer;
  /** Ed25519 private key: the manifest (image size, block and image hashes) is announced signed. */
  manifestSigner?: KeyObject;
  /**
   * Where manifests of images sent before are kept, so that the same image is not hashed again
   * (manifest-cache.ts); null for none. Default: defaultManifestCacheDir().
   */
  manifestCache?: string | null;
  onProgress?: (p: SendProgress) => void;
  signal?: AbortSignal;
}

/** What a receiver's reports say it got: datagrams received and inferred lost, cumulative. */
export interface PeerCounts {
  id: number;
  received: number;
  lost: number;
}

/**
 * A session's policy towards its receivers' links (the DP's slow-client policy). The rate regulator
 * calls `cap` every 200 ms with the active receivers' counters: a cap in bits per second, or null
 * for none. A receiver it `ignores` gets no repair and no resent blocks (it cannot keep up).
 */
export interface Pacer {
  cap(nowMs: number, frameBytes: number, receivers: PeerCounts[]): number | null;
  ignores?(receiver: number): boolean;
}

export interface SendProgress {
  phase: 'waiting' | 'sending';
  joined: number;
  verified: number;
  blocksSent: number;
  blockCount: number;
  wireBytes: number;
  rateBitsPerSecond: number;
}

export interface ReceiverResult {
  id: string;
  address: string;
  status: 'verified' | 'failed';
  sha256: string | null;
  reason?: string;
}

export interface SendSummary {
  ok: boolean;
  message: string;
  session: string;
  elapsedSeconds: number;
  imageBytes: number;
  /** Null when the session ended before the image was hashed. */
  imageSha256: string | null;
  /** Bytes of the datagrams sent, counted as Ethernet frames (payload + UDP/IP/Ethernet headers). */
  wireBytes: number;
  wireRatio: number;
  packets: number;
  sourceSymbols: number;
  resentSourceSymbols: number;
  repairSymbols: number;
  manifestChunks: number;
  /** The manifest came from the manifest cache (the image was not hashed for this session). */
  manifestCached: boolean;
  finalRateBitsPerSecond: number | null;
  encrypted: boolean;
  signed: boolean;
  /** Datagrams on the report port that are not well-formed reports of this session, ignored. */
  ignoredDatagrams: number;
  /** Reports that failed authentication (encrypted sessions), dropped. */
  authFailures: number;
  /** Authenticated reports seen before (replays), dropped. */
  replays: number;
  receivers: ReceiverResult[];
}

interface Peer {
  id: number;
  address: string;
  port: number;
  lastHeard: number;
  status: 'active' | 'verified' | 'failed';
  reason?: string;
  sha256: Buffer | null;
  /** Latest report's blocks with nothing received, and its ackSeq. */
  missing: number[];
  missingAck: number;
  received: number;
  lost: number;
  overruns: number;
}

const QUEUED = 128; // datagrams waiting for the kernel: bounds the send queue
const BATCH = 64; // datagrams per turn of the event loop before letting reports in
/**
 * Blocks kept read for repairs of recent blocks. A miss costs one read from the page cache (~0.1 ms
 * per 1.5 MB block); each block kept is 1.5 MB of memory to touch first, which costs more: with 16,
 * an unshaped 128 MB session took 0.89–0.93 s, with 4 0.79–0.84 s (same wire ratio, also at N = 8, 1 %).
 */
const BLOCK_CACHE = 4;
const ANNOUNCE_MS = 100;
/** The end of the first pass that gets proactive repair (repairTail). */
const TAIL_BYTES = 1536 << 10;
/** Milliseconds of hashing per turn of the event loop while the manifest is built. */
const HASH_SLICE_MS = 2;
/**
 * Receivers hold blocks unverified in memory until the manifest arrives (48 MiB by default): while it
 * is pending, the first pass goes no further than this, so that what is sent is kept.
 */
const PENDING_AHEAD_BYTES = 32 << 20;
/** The announced digest while the manifest is pending. */
const NO_DIGEST = Buffer.alloc(32);
const CONTROL_MS = 200;
/**
 * The automatic rate starts at AUTO_START_RATE and grows by RATE_PROBE every PROBE_MS until
 * receivers first overrun, then every CONTROL_MS backs off by RATE_BACK_OFF on overruns or grows by
 * RATE_GROW. (On a real NIC the link's own back-pressure also bounds it: see the send buffer.)
 * Probing doubles, bounded by twice what was sent: unshaped on a veth, 128 MB to one receiver took
 * 1.23–1.34 s against 1.39–1.42 s growing by 1.25 (4 runs each, no overruns either way). Doubling
 * every 100 ms instead of 200 (the veth takes 3–4 Gbit/s, which took 0.6 s to reach): 0.61–0.73 s
 * against ~0.75–0.8 s in the sender. Starting at the link's speed instead (a veth says 10 Gbit/s)
 * was faster when it went well (0.47–0.55 s) but overran a receiver still warming up in 2–3 runs of
 * 10, which then cost half the image again on the wire; and it would flood receivers behind slower
 * links than the sender's before any report could slow it down.
 */
const PROBE_MS = 100;
const AUTO_START_RATE = 1e9;
const RATE_PROBE = 2;
const RATE_GROW = 1.1;
const RATE_BACK_OFF = 0.75;
/**
 * The token bucket's depth: up to 50 ms of the rate, but at most this many bytes. On a fast link a
 * burst of 50 ms is megabytes, which land in receivers' socket buffers at once and overflow them.
 */
const MAX_BURST_BYTES = 256 << 10;
const AUTO_MAX_RATE = 20e9;
const MIN_RATE = 1e6;
/** A receiver-side overrun share above this slows the sender down; random loss never does. */
const OVERRUN_THRESHOLD = 0.002;
/** An encrypted session ends before its sequence counter (part of every nonce) could wrap. */
const SEQ_LIMIT = 0xffff_ff00;

function symbolSizeFor(symbolSize: number | undefined, encrypted: boolean): number {
  return symbolSize ?? (encrypted ? ENCRYPTED_SYMBOL_SIZE : DEFAULT_SYMBOL_SIZE);
}

export interface PrepareOptions {
  file: string;
  symbolSize?: number;
  k?: number;
  /** For encrypted sessions (their default symbol size is smaller). */
  encrypted?: boolean;
  manifestCache?: string;
  /** Called about every PREPARE_PROGRESS_MS while the image is hashed. */
  onProgress?: (hashedBytes: number, imageBytes: number) => void;
  signal?: AbortSignal;
}

const PREPARE_PROGRESS_MS = 250;

export interface PreparedManifest {
  imageBytes: number;
  imageSha256: string;
  blockCount: number;
  cacheDir: string;
  /** The manifest was in the cache already. */
  alreadyCached: boolean;
}

/**
 * Hashes an image ahead of its sessions and keeps its manifest in the manifest cache, so that
 * sessions with the same geometry start at full speed (`mcshell send --prepare`).
 */
export async function prepareManifest(o: PrepareOptions): Promise<PreparedManifest> {
  const cacheDir = o.manifestCache ?? defaultManifestCacheDir();
  const stat = statSync(o.file);
  if (!stat.isFile()) throw new Error(`${o.file} is not a regular file: only a regular file's manifest can be kept (its times tell when it changes)`);
  // A file changed moments ago cannot be told apart from one changed again in the same clock tick.
  await new Promise((resolve) => setTimeout(resolve, msUntilCacheable(stat.ctimeMs)));
  const builder = new ManifestBuilder(o.file, symbolSizeFor(o.symbolSize, o.encrypted === true), o.k ?? DEFAULT_K, cacheDir);
  let manifest: Manifest | null;
  // In slices, with the event loop between them: progress shows, and a signal can stop it.
  while (!(manifest = builder.step(performance.now() + PREPARE_PROGRESS_MS))) {
    o.onProgress?.(builder.hashedBytes, builder.geometry.imageSize);
    await new Promise((resolve) => setImmediate(resolve));
    if (o.signal?.aborted) {
      builder.close();
      throw new Error(`interrupted: the manifest of ${o.file} was not cached`);
    }
  }
  if (builder.notCached !== null) throw new Error(`the manifest of ${o.file} was not cached in ${cacheDir}: ${builder.notCached}`);
  const g = manifest.geometry;
  return { imageBytes: g.imageSize, imageSha256: manifest.imageSha256.toString('hex'), blockCount: g.blockCount, cacheDir, alreadyCached: builder.cached !== null };
}

export async function send(opts: SendOptions): Promise<SendSummary> {
  const sender = new Sender(opts);
  return sender.run();
}

export class Sender {
  private readonly started = performance.now();
  private readonly session = (Math.random() * 2 ** 32) >>> 0;
  private readonly group: string;
  private readonly port: number;
  private readonly announceGroup: string;
  private readonly announcePort: number;
  private readonly minClients: number;
  private readonly timeoutMs: number;
  private readonly cap: number;
  private readonly keys: SessionKeys | null;
  private signature: Buffer | null = null;
  /** Per receiver: its current run, the runs it had before, and the window over the run's report numbers. */
  private readonly reportRuns = new Map<number, { run: number; past: Set<number>; window: ReplayWindow }>();
  private g!: Geometry;
  /** Hashes the image in slices between sends until the manifest is known. */
  private hasher: ManifestBuilder | null = null;
  private manifest: Manifest | null = null;
  /** While the manifest is pending, the first pass stops at this block (see PENDING_AHEAD_BYTES). */
  private pendingBlocks = 0;
  /**
   * Everything for the session group goes out through this one queue (batch-socket.ts), in order:
   * sequence numbers stay in order on the wire, which receivers' ackSeq relies on.
   */
  private data!: GroupSender;
  /** Announcements on the well-known channel and unicast answers go out here; reports come in here. */
  private control!: Socket;
  private feedbackPort = 0;
  private fd = -1;
  /** The image's size and modification time when the session opened it: any write changes them. */
  private opened: { size: bigint; mtimeNs: bigint } | null = null;

  private seq = 0;
  /** Counters of their own for announcements on the well-known channel and for DONE-ACKs (unique nonces). */
  private channelSeq = 0;
  private doneAckSeq = 0;
  private scheduled = false;
  /** Whether fillNext's datagram goes to the announce channel (control socket) or the session group (data socket). */
  private viaControl = false;

  // rate
  private rate: number;
  private tokens = 0;
  private lastRefill = performance.now();
  /** Until receivers first overrun, the automatic rate grows fast. */
  private probing = true;
  private regulatedAt = performance.now();
  private wireBytesRegulated = 0;

  // schedule state
  private running = false;
  private finished = false;
  private announceDue = 0;
  private cursor = 0;
  private cursorSymbol = 0;
  private loopBlock = -1;
  private loopSymbol = 0;
  private loopFrom = 0;
  private manifestChunks = 0;
  private readonly manifestQueue: number[] = [];
  private manifestQueued = new Uint8Array(0);
  private manifestLastSeq = new Float64Array(0);
  private readonly repairQueue: number[] = [];
  private readonly repairPending = new Map<number, number>();
  private lastSeq!: Float64Array;
  private nextRepair!: Uint32Array;
  private readonly cache = new Map<number, Uint8Array>();

  private readonly peers = new Map<number, Peer>();
  private overrunsSeen = 0;
  /** Active receivers the pacer leaves behind (no repair for them). */
  private ignoredPeers = 0;
  private receivedSeen = 0;

  // counters
  private wireBytes = 0;
  private packets = 0;
  private sourceSymbols = 0;
  private resentSourceSymbols = 0;
  private repairSymbols = 0;
  private manifestSent = 0;
  private ignored = 0;
  private authFailures = 0;
  private replays = 0;

  private finish!: (s: SendSummary) => void;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly opts: SendOptions) {
    this.group = opts.group ?? DEFAULT_GROUP;
    this.port = opts.port ?? DEFAULT_PORT;
    this.announceGroup = opts.announceGroup ?? ANNOUNCE_GROUP;
    this.announcePort = opts.announcePort ?? ANNOUNCE_PORT;
    for (const g of [this.group, this.announceGroup]) {
      if (!isUsableGroup(g)) throw new Error(`${g} is not a usable multicast group (use 224.0.1.0–239.255.255.255, e.g. 239.255.x.y)`);
    }
    this.minClients = opts.minClients ?? 1;
    this.timeoutMs = opts.receiverTimeoutMs ?? 10_000;
    this.cap = opts.rate ?? Infinity;
    this.rate = Math.min(this.cap, AUTO_START_RATE);
    if (opts.encryptionKey !== undefined) checkEncryptionKey(opts.encryptionKey);
    if (opts.manifestSigner !== undefined) checkEd25519(opts.manifestSigner, 'private', 'the manifest signing key');
    this.keys = opts.encryptionKey ? new SessionKeys(opts.encryptionKey, SessionKeys.freshSalt()) : null;
  }

  async run(): Promise<SendSummary> {
    const ifaceAddress = resolveInterface(this.opts.interface);
    const symbolSize = symbolSizeFor(this.opts.symbolSize, this.keys !== null);
    const cacheDir = this.opts.manifestCache === undefined ? defaultManifestCacheDir() : this.opts.manifestCache;
    this.hasher = new ManifestBuilder(this.opts.file, symbolSize, this.opts.k ?? DEFAULT_K, cacheDir);
    const g = (this.g = this.hasher.geometry);
    this.pendingBlocks = Math.floor(PENDING_AHEAD_BYTES / g.blockBytes);
    this.lastSeq = new Float64Array(g.blockCount).fill(-1);
    this.nextRepair = new Uint32Array(g.blockCount);
    if (this.opts.onDemand) this.cursor = g.blockCount;
    this.fd = openSync(this.opts.file, 'r');
    const { size, mtimeNs } = fstatSync(this.fd, { bigint: true });
    this.opened = { size, mtimeNs };
    const slotBytes = Math.max(SYMBOL_HEADER_BYTES + g.symbolSize, ANNOUNCE_MAX_BYTES) + TAG_BYTES;
    // A modest send buffer on purpose: when a shaped link's queue is full the kernel then pushes
    // back on the socket (the send queue waits) instead of silently dropping in the qdisc.
    this.data = await openGroupSender({ interfaceAddress: ifaceAddress, group: this.group, port: this.port, sendBuffer: 256 << 10, slotBytes, slots: QUEUED }, () => this.kick());
    this.control = await openSocket({ interfaceAddress: ifaceAddress, recvBuffer: 4 << 20 });
    this.feedbackPort = this.control.address().port;
    this.control.on('message', (msg, rinfo) => this.handleDatagram(msg, rinfo));
    this.control.on('error', () => {}); // a lost announcement or answer is sent again anyway
    const done = new Promise<SendSummary>((resolve) => (this.finish = resolve));
    this.every(ANNOUNCE_MS, () => {
      this.announceDue = 2;
      this.kick();
    });
    let ticks = 0;
    this.every(PROBE_MS, () => {
      if (this.probing || ++ticks % (CONTROL_MS / PROBE_MS) === 0) this.regulate();
    });
    if (this.opts.onProgress) this.every(500, () => this.opts.onProgress!(this.progress()));
    // A session stopped while the sender was still opening its sockets ends at once.
    if (this.opts.signal?.aborted) this.end(EndReason.Aborted, 'interrupted');
    else this.opts.signal?.addEventListener('abort', () => this.end(EndReason.Aborted, 'interrupted'), { once: true });
    this.announceDue = 2;
    this.kick();
    this.hashAhead();
    return done;
  }

  /** One slice of hashing the image, then the event loop (sends, reports) gets its turn. */
  private readonly hashAhead = (): void => {
    if (this.finished) return;
    let manifest: Manifest | null;
    try {
      manifest = this.hasher!.step(performance.now() + HASH_SLICE_MS);
    } catch (e) {
      return this.end(EndReason.Aborted, (e as Error).message);
    }
    if (!manifest) {
      setImmediate(this.hashAhead);
      return;
    }
    this.manifest = manifest;
    if (this.opts.manifestSigner) {
      this.signature = signManifest(this.opts.manifestSigner, { ...this.g, manifestSize: manifest.bytes.length, manifestDigest: manifest.digest });
    }
    this.manifestChunks = Math.ceil(manifest.bytes.length / this.g.symbolSize);
    this.manifestQueued = new Uint8Array(this.manifestChunks);
    this.manifestLastSeq = new Float64Array(this.manifestChunks).fill(-1);
    this.announceDue = 2; // receivers learn the digest at once and ask for the manifest
    this.kick();
  };

  private every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(fn, ms));
  }

  private kick(): void {
    if (this.scheduled || this.finished) return;
    this.scheduled = true;
    setImmediate(this.pump);
  }

  private refill(now: number): void {
    // Timers fire late and the event loop stalls now and then (GC, a busy CPU): a bucket of 50 ms
    // lets the pace catch up afterwards, so the average stays at the rate.
    const burst = Math.max(32 * 1514, Math.min(MAX_BURST_BYTES, (this.rate / 8) * 0.05));
    this.tokens = Math.min(burst, this.tokens + ((now - this.lastRefill) * this.rate) / 8000);
    this.lastRefill = now;
  }

  private readonly pump = (): void => {
    this.scheduled = false;
    if (this.finished) return;
    this.refill(performance.now());
    this.fillBatch();
    this.data.flush();
  };

  /** Writes up to BATCH datagrams into the send queue, as the tokens allow; arranges the next turn. */
  private fillBatch(): void {
    for (let n = 0; n < BATCH; n++) {
      if (this.tokens <= 0) {
        this.scheduled = true;
        setTimeout(this.pump, Math.max(1, (-this.tokens * 8000) / this.rate));
        return;
      }
      const buf = this.data.next();
      if (!buf) return; // the queue is full: the sender calls kick when there is room
      let len = this.fillNext(buf);
      if (len === 0) return; // idle until a report, a timer or the start makes work
      if (this.keys) len = this.seal(buf, len);
      if (this.viaControl) this.control.send(Buffer.from(buf.subarray(0, len)), this.announcePort, this.announceGroup);
      else this.data.commit(len);
      this.tokens -= len + FRAME_OVERHEAD;
      this.wireBytes += len + FRAME_OVERHEAD;
      this.packets++;
    }
    this.kick();
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    return this.seq;
  }

  /** Seals a datagram in place: announcements are authenticated only (they stay readable), the rest encrypted too. */
  private seal(buf: Buffer, len: number): number {
    return this.keys!.sealFromSender(buf, buf[2] === PacketType.Announce ? len : HEADER_BYTES, len);
  }

  /** Writes the next datagram to send into buf and sets its destination; 0 when there is nothing to send. */
  private fillNext(buf: Buffer): number {
    if (this.keys && this.seq >= SEQ_LIMIT) {
      this.end(EndReason.Aborted, 'the session ran out of sequence numbers (nonces) for its key');
      return 0;
    }
    if (this.announceDue > 0) {
      const toAnnounceChannel = this.announceDue === 2;
      this.announceDue--;
      this.viaControl = toAnnounceChannel;
      return this.fillAnnounce(buf, toAnnounceChannel);
    }
    this.viaControl = false;
    const chunk = this.manifestQueue.shift();
    if (chunk !== undefined) return this.fillManifest(buf, chunk);
    if (!this.running) return 0;
    // Repair first: it is small, and it completes blocks receivers are holding in memory.
    if (this.repairQueue.length > 0) {
      const b = this.repairQueue[0]!;
      const left = this.repairPending.get(b)! - 1;
      if (left > 0) this.repairPending.set(b, left);
      else {
        this.repairPending.delete(b);
        this.repairQueue.shift();
      }
      return this.fillRepair(buf, b);
    }
    const g = this.g;
    if (this.cursor < g.blockCount && (this.manifest || this.cursor < this.pendingBlocks)) {
      const len = this.fillSource(buf, this.cursor, this.cursorSymbol);
      this.sourceSymbols++;
      if (++this.cursorSymbol === g.symbolsIn(this.cursor)) {
        this.cursorSymbol = 0;
        if (++this.cursor === g.blockCount) {
          this.announceDue = 2; // tell receivers at once that the pass is over
          this.repairTail();
        }
      }
      return len;
    }
    if (this.loopBlock < 0) this.loopBlock = this.nextWanted();
    if (this.loopBlock < 0) return 0;
    const len = this.fillSource(buf, this.loopBlock, this.loopSymbol);
    this.resentSourceSymbols++;
    if (++this.loopSymbol === g.symbolsIn(this.loopBlock)) {
      this.loopSymbol = 0;
      this.loopFrom = this.loopBlock + 1;
      this.loopBlock = -1;
    }
    return len;
  }

  /**
   * Proactive repair for the last blocks of the pass: their losses would otherwise cost a report
   * round trip or two at the very end, when nothing else is left to send. Sized from the worst loss
   * rate receivers report; during the pass proactive repair would only add bytes, since reactive
   * repair is interleaved with new data anyway.
   */
  private repairTail(): void {
    let worst = 0;
    for (const p of this.peers.values()) {
      if (p.status === 'active' && p.received + p.lost > 0) worst = Math.max(worst, p.lost / (p.received + p.lost));
    }
    if (worst === 0) return;
    const g = this.g;
    for (let b = Math.max(0, g.blockCount - Math.ceil(TAIL_BYTES / g.blockBytes)); b < g.blockCount; b++) {
      const extra = Math.ceil(g.symbolsIn(b) * worst * 1.5);
      if (!this.repairPending.has(b)) this.repairQueue.push(b);
      this.repairPending.set(b, (this.repairPending.get(b) ?? 0) + extra);
    }
  }

  private fillAnnounce(buf: Buffer, toAnnounceChannel: boolean): number {
    const g = this.g;
    const active = [...this.peers.values()].filter((p) => p.status === 'active').length;
    return encodeAnnounce(
      buf,
      {
        session: this.session,
        group: this.group,
        port: this.port,
        imageSize: g.imageSize,
        symbolSize: g.symbolSize,
        k: g.k,
        manifestSize: this.manifest?.bytes.length ?? 0,
        manifestDigest: this.manifest?.digest ?? NO_DIGEST,
        frontier: this.cursor,
        // Scale the report interval with the audience so feedback stays near 200 reports/s at most.
        reportIntervalMs: Math.min(2000, Math.max(100, active * 5)),
        feedbackPort: this.feedbackPort,
        signature: this.signature,
        salt: this.keys?.salt ?? null,
      },
      // Session receivers never see the announce channel's copy: it must not leave a gap in their sequence.
      toAnnounceChannel ? ++this.channelSeq : this.nextSeq(),
      toAnnounceChannel,
    );
  }

  private fillManifest(buf: Buffer, chunk: number): number {
    const size = this.g.symbolSize;
    const seq = this.nextSeq();
    writeHeader(buf, PacketType.Manifest, 0, this.session, seq);
    buf.writeUInt32BE(chunk, HEADER_BYTES);
    const n = this.manifest!.bytes.copy(buf, SYMBOL_HEADER_BYTES, chunk * size, (chunk + 1) * size);
    this.manifestQueued[chunk] = 0;
    this.manifestLastSeq[chunk] = seq;
    this.manifestSent++;
    return SYMBOL_HEADER_BYTES + n;
  }

  private fillSource(buf: Buffer, block: number, symbol: number): number {
    const g = this.g;
    const data = this.blockData(block);
    const seq = this.nextSeq();
    writeSymbolHeader(buf, this.session, seq, block, symbol);
    const n = g.symbolBytes(block, symbol);
    buf.set(data.subarray(symbol * g.symbolSize, symbol * g.symbolSize + n), SYMBOL_HEADER_BYTES);
    this.lastSeq[block] = seq;
    return SYMBOL_HEADER_BYTES + n;
  }

  private fillRepair(buf: Buffer, block: number): number {
    const g = this.g;
    const k = g.symbolsIn(block);
    // Fresh repair ids first; once all are used, start over (they still help whoever lost them).
    const id = k + (this.nextRepair[block]! % (SYMBOL_IDS - k));
    this.nextRepair[block]!++;
    const seq = this.nextSeq();
    writeSymbolHeader(buf, this.session, seq, block, id);
    const data = this.blockData(block);
    encodeRepair(data, k, g.symbolSize, id, buf, SYMBOL_HEADER_BYTES, data);
    this.lastSeq[block] = seq;
    this.repairSymbols++;
    return SYMBOL_HEADER_BYTES + g.symbolSize;
  }

  /**
   * The block's bytes, zero-padded to whole symbols; a small cache serves the sequential pass and
   * repairs of recent blocks. Each fill returns a new view (of a reused buffer): the coder knows a
   * block's content by that object (encodeRepair's key).
   */
  private blockData(block: number): Uint8Array {
    const hit = this.cache.get(block);
    if (hit) return hit;
    const g = this.g;
    let buf: Uint8Array;
    if (this.cache.size >= BLOCK_CACHE) {
      const oldest = this.cache.keys().next().value!;
      const evicted = this.cache.get(oldest)!;
      buf = new Uint8Array(evicted.buffer, evicted.byteOffset, evicted.length);
      this.cache.delete(oldest);
    } else {
      buf = new Uint8Array(g.blockBytes);
    }
    const n = g.bytesIn(block);
    let got = 0;
    while (got < n) {
      const r = readSync(this.fd, buf, got, n - got, g.offsetOf(block) + got);
      if (r === 0) throw new Error(`${this.opts.file} shrank during the session`);
      got += r;
    }
    buf.fill(0, n);
    this.cache.set(block, buf);
    return buf;
  }

  /** The next block (cyclically from loopFrom) that some receiver reported holding nothing of, or -1. */
  private nextWanted(): number {
    const count = this.g.blockCount;
    let best = -1;
    let bestDistance = Infinity;
    for (const p of this.peers.values()) {
      if (p.status !== 'active') continue;
      for (let r = 0; r < p.missing.length; r += 2) {
        for (let b = p.missing[r]!; b < p.missing[r + 1]! && b < count; b++) {
          if (p.missingAck < this.lastSeq[b]!) continue; // already resent since that report
          const distance = (b - this.loopFrom + count) % count;
          if (distance < bestDistance) {
            bestDistance = distance;
            best = b;
          }
          break; // later blocks of this range are farther
        }
      }
    }
    return best;
  }

  /** A datagram that reached the control socket: receivers' reports, or anything else (ignored). */
  handleDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    if (packetType(msg) !== PacketType.Status || sessionOf(msg) !== this.session) {
      this.ignored++;
      return;
    }
    if (this.keys) {
      const len = this.keys.openReport(msg, HEADER_BYTES);
      if (len < 0) {
        this.authFailures++;
        return;
      }
      msg = msg.subarray(0, len);
    }
    const s = decodeStatus(msg);
    if (!s) {
      this.ignored++;
      return;
    }
    if (this.keys && !this.freshReport(s, msg)) {
      this.replays++;
      return;
    }
    this.onStatus(s, rinfo);
  }

  /**
   * Whether an authenticated report is new: each receiver run numbers its reports, and a receiver
   * that restarts (resume) starts a new run. Reports of an earlier run, or seen before, are replays.
   */
  private freshReport(s: Status, msg: Buffer): boolean {
    let r = this.reportRuns.get(s.receiver);
    if (!r) {
      r = { run: s.run, past: new Set(), window: new ReplayWindow() };
      this.reportRuns.set(s.receiver, r);
    } else if (r.run !== s.run) {
      if (r.past.has(s.run)) return false;
      r.past.add(r.run);
      r.run = s.run;
      r.window = new ReplayWindow();
    }
    return r.window.accept(seqOf(msg));
  }

  private onStatus(s: Status, rinfo: RemoteInfo): void {
    if (this.finished) return;
    const now = performance.now();
    let p = this.peers.get(s.receiver);
    if (!p) {
      p = {
        id: s.receiver,
        address: rinfo.address,
        port: rinfo.port,
        lastHeard: now,
        status: 'active',
        sha256: null,
        missing: [],
        missingAck: 0,
        received: s.received,
        lost: s.lost,
        overruns: s.overruns,
      };
      this.peers.set(s.receiver, p);
    }
    p.lastHeard = now;
    p.address = rinfo.address;
    p.port = rinfo.port;
    this.overrunsSeen += Math.max(0, s.overruns - p.overruns);
    this.receivedSeen += Math.max(0, s.received - p.received);
    p.overruns = s.overruns;
    p.received = s.received;
    p.lost = s.lost;
    this.maybeStart();
    if (s.state === ReceiverState.Done) {
      if (p.status !== 'verified') {
        p.status = 'verified';
        p.sha256 = s.sha256;
        delete p.reason;
      }
      this.sendDoneAck(p);
      this.checkComplete();
      return;
    }
    if (s.state === ReceiverState.Failed) {
      p.status = 'failed';
      p.reason = 'the receiver gave up';
      this.checkComplete();
      return;
    }
    if (p.status === 'failed') {
      p.status = 'active'; // it came back before the session ended
      delete p.reason;
    }
    for (let r = 0; r < s.manifestMissing.length; r += 2) {
      for (let c = s.manifestMissing[r]!; c < s.manifestMissing[r + 1]! && c < this.manifestChunks; c++) {
        if (this.manifestQueued[c] || s.ackSeq < this.manifestLastSeq[c]!) continue;
        this.manifestQueued[c] = 1;
        this.manifestQueue.push(c);
      }
    }
    if (this.opts.pacer?.ignores?.(p.id)) {
      p.missing = [];
      return;
    }
    const count = this.g.blockCount;
    for (const { block, need } of s.partial) {
      if (block >= count || this.lastSeq[block]! < 0 || s.ackSeq < this.lastSeq[block]!) continue;
      const pending = this.repairPending.get(block);
      if (pending === undefined) this.repairQueue.push(block);
      if (need > (pending ?? 0)) this.repairPending.set(block, Math.min(need, this.g.symbolsIn(block)));
    }
    p.missing = s.blocksMissing;
    p.missingAck = s.ackSeq;
    this.kick();
  }

  private sendDoneAck(p: Peer): void {
    const buf = Buffer.alloc(HEADER_BYTES + 4 + TAG_BYTES);
    // Unicast, with a counter of its own: it must not leave a gap in the others' sequence.
    writeHeader(buf, PacketType.DoneAck, 0, this.session, ++this.doneAckSeq);
    buf.writeUInt32BE(p.id, HEADER_BYTES);
    const len = this.keys ? this.seal(buf, HEADER_BYTES + 4) : HEADER_BYTES + 4;
    this.control.send(buf, 0, len, p.port, p.address);
  }

  private maybeStart(): void {
    if (this.running) return;
    const waited = (performance.now() - this.started) / 1000;
    if (this.peers.size >= this.minClients || (this.opts.maxWaitSeconds !== undefined && waited >= this.opts.maxWaitSeconds && this.peers.size > 0)) {
      this.running = true;
      this.kick();
    }
  }

  /**
   * Why the image no longer matches its manifest (something wrote to it during the session), or
   * null. Receivers would drop its changed blocks as corrupt and ask for them again forever.
   */
  private sourceChanged(): string | null {
    const { size, mtimeNs } = fstatSync(this.fd, { bigint: true });
    if (size === this.opened!.size && mtimeNs === this.opened!.mtimeNs) return null;
    const what = size === this.opened!.size ? 'its modification time moved' : `its size went from ${this.opened!.size} to ${size} bytes`;
    return `the image ${this.opts.file} was changed during the session (${what}): what is sent no longer matches its manifest, so the session was ended; send it again once nothing writes to it`;
  }

  /** Periodic: start on --max-wait, drop silent receivers, adapt the rate to overruns. */
  private regulate(): void {
    const changed = this.sourceChanged();
    if (changed) return this.end(EndReason.SourceChanged, changed);
    const now = performance.now();
    if (!this.running && this.opts.maxWaitSeconds !== undefined && (now - this.started) / 1000 >= this.opts.maxWaitSeconds) {
      if (this.peers.size === 0) return this.end(EndReason.Aborted, `no receiver joined within --max-wait ${this.opts.maxWaitSeconds} s`);
      this.maybeStart();
    }
    for (const p of this.peers.values()) {
      if (p.status === 'active' && now - p.lastHeard > this.timeoutMs) {
        p.status = 'failed';
        p.reason = `silent for more than ${Math.round(this.timeoutMs / 1000)} s`;
      }
    }
    // Only receive-buffer overruns mean "too fast"; random loss on the link is repaired, not obeyed.
    // The rate never grows beyond twice what was actually sent (the CPU or the link may hold the
    // sender below it), so that backing off soon slows the sender down.
    const sent = ((this.wireBytes - this.wireBytesRegulated) * 8000) / (now - this.regulatedAt);
    this.wireBytesRegulated = this.wireBytes;
    this.regulatedAt = now;
    if (this.receivedSeen > 0) {
      const share = this.overrunsSeen / (this.receivedSeen + this.overrunsSeen);
      if (share > OVERRUN_THRESHOLD) {
        this.rate = Math.max(MIN_RATE, this.rate * RATE_BACK_OFF);
        this.probing = false;
      } else {
        this.rate = Math.min(this.cap, AUTO_MAX_RATE, this.rate * (this.probing ? RATE_PROBE : RATE_GROW), Math.max(AUTO_START_RATE, 2 * sent));
      }
    }
    if (this.opts.pacer && this.packets > 0) {
      const active = [...this.peers.values()].filter((p) => p.status === 'active');
      const cap = this.opts.pacer.cap(now, this.wireBytes / this.packets, active);
      if (cap !== null) this.rate = Math.max(MIN_RATE, Math.min(this.rate, cap));
      // A receiver just left behind asked for most of the repair queued (the worst receiver sizes
      // it): drop the queue; the others' next reports ask again for what they still need.
      const ignored = active.filter((p) => this.opts.pacer!.ignores?.(p.id)).length;
      if (ignored > this.ignoredPeers) {
        this.repairQueue.length = 0;
        this.repairPending.clear();
      }
      this.ignoredPeers = ignored;
    }
    this.overrunsSeen = 0;
    this.receivedSeen = 0;
    this.checkComplete();
  }

  private checkComplete(): void {
    if (!this.running || this.finished) return;
    const all = [...this.peers.values()];
    if (all.length === 0 || all.some((p) => p.status === 'active')) return;
    const failed = all.filter((p) => p.status !== 'verified').length;
    this.end(EndReason.Complete, failed === 0 ? `all ${all.length} receiver(s) verified the image` : `${failed} of ${all.length} receiver(s) failed`);
  }

  private end(reason: EndReason, message: string): void {
    if (this.finished) return;
    this.finished = true;
    this.hasher!.close();
    for (const t of this.timers) clearInterval(t);
    for (let i = 0; i < 3; i++) {
      const buf = this.data.next();
      if (!buf) break; // a full queue on a stalled link: receivers also end on their own
      writeHeader(buf, PacketType.End, reason, this.session, this.nextSeq());
      this.data.commit(this.keys ? this.seal(buf, HEADER_BYTES) : HEADER_BYTES);
    }
    this.data.flush();
    const receivers: ReceiverResult[] = [...this.peers.values()].map((p) => ({
      id: p.id.toString(16).padStart(8, '0'),
      address: p.address,
      status: p.status === 'verified' ? 'verified' : 'failed',
      sha256: p.sha256 ? p.sha256.toString('hex') : null,
      ...(p.status === 'verified' ? {} : { reason: p.reason ?? 'unfinished when the session ended' }),
    }));
    const verified = receivers.filter((r) => r.status === 'verified').length;
    const ok = reason === EndReason.Complete && verified === receivers.length && verified >= this.minClients;
    const imageBytes = this.g.imageSize;
    const summary: SendSummary = {
      ok,
      message: reason === EndReason.Complete && verified < this.minClients ? `${message}; fewer than --min-clients ${this.minClients} verified` : message,
      session: this.session.toString(16).padStart(8, '0'),
      elapsedSeconds: (performance.now() - this.started) / 1000,
      imageBytes,
      imageSha256: this.manifest?.imageSha256.toString('hex') ?? null,
      wireBytes: this.wireBytes,
      wireRatio: imageBytes > 0 ? this.wireBytes / imageBytes : 0,
      packets: this.packets,
      sourceSymbols: this.sourceSymbols,
      resentSourceSymbols: this.resentSourceSymbols,
      repairSymbols: this.repairSymbols,
      manifestChunks: this.manifestSent,
      manifestCached: Boolean(this.hasher?.cached),
      finalRateBitsPerSecond: Number.isFinite(this.rate) ? Math.round(this.rate) : null,
      encrypted: this.keys !== null,
      signed: this.signature !== null,
      ignoredDatagrams: this.ignored,
      authFailures: this.authFailures,
      replays: this.replays,
      receivers,
    };
    // Let the END datagrams leave before the socket closes.
    setTimeout(() => {
      this.data.close();
      this.control.close();
      closeSync(this.fd);
      this.finish(summary);
    }, 20);
  }

  private progress(): SendProgress {
    const all = [...this.peers.values()];
    return {
      phase: this.running ? 'sending' : 'waiting',
      joined: all.length,
      verified: all.filter((p) => p.status === 'verified').length,
      blocksSent: this.cursor,
      blockCount: this.g.blockCount,
      wireBytes: this.wireBytes,
      rateBitsPerSecond: this.rate,
    };
  }
}
