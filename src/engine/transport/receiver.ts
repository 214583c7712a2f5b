// The receiving side: find a session, fetch the manifest, collect symbols per block, decode, verify,
// write, and report what is still missing until the whole image is verified.
//
// Memory is bounded by a pool of block buffers, whatever the image size. Blocks are written as they
// complete (a file or block device is written in place; stdout only in order); the whole-image
// SHA-256 is computed by a cursor that follows the completed prefix, from memory when it can and
// by reading the output back when it must (after a resume, or when the pool ran short).
//
// With an encryption key only an encrypted session whose announcements authenticate is joined, and
// every datagram must authenticate (else it is dropped and counted) and be new (a sliding window
// over the sender's sequence numbers drops replays). With a public key only a session whose
// manifest is signed by it is joined, before anything is written.
import type { RemoteInfo, Socket } from 'node:dgram';
import { createHash, type Hash, type KeyObject } from 'node:crypto';
import { closeSync, existsSync, rmSync, fstatSync, ftruncateSync, openSync, read, readFileSync, renameSync, statSync, unlinkSync, write, writeFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { checkEncryptionKey, ReplayWindow, SessionKeys, TAG_BYTES } from './cipher.js';
import { decodeBlock, SYMBOL_IDS } from './fec.js';
import { blockHash, checkEd25519, Geometry, manifestSignatureValid, parseManifest, sha256, type Manifest } from './manifest.js';
import { openGroupSocket, Placement, type GroupSocket, type PlacementBlock, type SymbolPlacer } from './batch-socket.js';
import { impair, openSocket, resolveInterface, udpReceiveOverruns, type Impairment } from './net.js';
import {
  ANNOUNCE_ON_CHANNEL,
  ANNOUNCE_GROUP,
  ANNOUNCE_PORT,
  decodeAnnounce,
  encodeStatus,
  EndReason,
  HEADER_BYTES,
  packetType,
  PacketType,
  ReceiverState,
  sessionOf,
  seqOf,
  statusCapacity,
  SYMBOL_HEADER_BYTES,
  symbolBlock,
  symbolId,
  type Announcement,
  type Ranges,
  type Status,
} from './wire.js';

export interface ReceiveOptions {
  interface: string;
  /** Output path, a block device, or '-' for stdout. */
  out: string;
  /** Session group and port; without them the receiver takes the session announced on the well-known channel. */
  group?: string;
  port?: number;
  announceGroup?: string;
  announcePort?: number;
  /** Bytes of block buffers (default 48 MiB): bounds memory whatever the image size. */
  memoryBytes?: number;
  /** Give up when the sender has been silent this long after the session was found (default 30 s). */
  senderTimeoutMs?: number;
  /** Give up when no session has been found this long after starting (udpcast's --start-timeout); default: wait. */
  startTimeoutMs?: number;
  /** Where '-' writes (default process.stdout). */
  stdout?: Writable;
  /** The session's 32-byte AES-256 key: only an encrypted session that authenticates with it is joined. */
  encryptionKey?: Buffer;
  /** Ed25519 public key: only a session whose manifest it verifies is joined (unsigned or forged ones are refused). */
  manifestPublicKey?: KeyObject;
  /**
   * SHA-256 of the image wanted (32 bytes): a session whose manifest names another image — an older
   * image's signed manifest replayed, or another session on the same group — fails the receive and
   * what it began is removed. Without it, whatever image the session carries is taken.
   */
  imageSha256?: Buffer;
  /**
   * Only a session with this manifest digest is joined (a restarted sender's new session of the
   * image this receiver was getting); given up when none is announced within senderTimeoutMs.
   */
  sameManifest?: Buffer;
  /** TEST ONLY: impair arriving datagrams (see net.ts). */
  impairment?: Impairment;
  onProgress?: (p: ReceiveProgress) => void;
  /**
   * Told of each block of a file output once it is verified and written to `<out>.mcpart` (and of
   * the blocks a resumed output already holds): a consumer may read those bytes there at once, in
   * whatever order they come (a disk image applier decodes its chunks as they complete).
   */
  onBlockStored?: (offset: number, length: number) => void;
  /** Told of each condition worth an admin's attention that does not stop the receive (see ReceiveSummary.warnings). */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

export interface ReceiveProgress {
  phase: 'discovering' | 'receiving' | 'finishing';
  blocksDone: number;
  blockCount: number;
  imageBytes: number;
  /** Datagrams received, and inferred lost from gaps in sequence numbers, so far (as in Status). */
  received: number;
  lost: number;
}

export interface ReceiveCounters {
  datagrams: number;
  /** Sender datagrams inferred lost from gaps in sequence numbers. */
  lost: number;
  duplicates: number;
  /** Datagrams that are not ours or are malformed (ignored). */
  malformed: number;
  /** Datagrams of other sessions (ignored). */
  foreign: number;
  /** Datagrams of an encrypted session that failed authentication (dropped, never written). */
  authFailures: number;
  /** Authenticated datagrams seen before or too old for the anti-replay window (dropped). */
  replays: number;
  /** Blocks that failed their SHA-256 check after decoding (discarded and fetched again). */
  corruptBlocks: number;
  decodedBlocks: number;
  /** Symbols dropped because the block-buffer pool was full. */
  poolDrops: number;
  /** Blocks found complete in the state file of an earlier run. */
  resumedBlocks: number;
  /** Blocks received in this run. */
  fetchedBlocks: number;
  /** Blocks read back from the output to hash them. */
  readBackBlocks: number;
  /** Symbols the native path placed (or found held already) without a datagram reaching JS. */
  placedNatively: number;
}

export interface ReceiveSummary {
  ok: boolean;
  message: string;
  receiver: string;
  session: string | null;
  imageBytes: number;
  sha256: string | null;
  elapsedSeconds: number;
  counters: ReceiveCounters;
  /** Conditions worth an admin's attention that did not stop the receive, e.g. a capped socket buffer. */
  warnings: string[];
  /** Set when the output could not be written or read back: the error code (ENOSPC, EIO, …). */
  localError?: string;
}

/** A block being collected (the native path may place its symbols: batch-socket.ts). */
type Partial = PlacementBlock;

interface Held {
  buf: Uint8Array;
  written: boolean;
  hashed: boolean;
}

const DEFAULT_MEMORY = 48 << 20;
/**
 * While its socket overflows, a receiver gives up a partial block that still lacks more than this
 * share of its symbols once its first pass is over, and reports it missing, so that it is sent again
 * from source. Such a block lost a burst to the overrun; repairing it would cost (lost × k) symbol
 * products of decoding — tens of milliseconds with k = 1024, during which the socket is not read and
 * the next burst is lost — while source symbols cost none. Once per block, so that every block still
 * completes; and only after overruns, so that a slow or lossy link is repaired as usual.
 */
const DROP_NEED_SHARE = 0.25;
/**
 * The session socket's receive buffer: it absorbs the moments the receiver is not scheduled or is
 * busy decoding (16 MiB: 1.3 s at 100 Mbit/s, 130 ms at 1 Gbit/s).
 */
const RECV_BUFFER_BYTES = 16 << 20;
/** How long after the socket last overflowed the receiver counts as overrunning. */
const OVERRUN_MEMORY_MS = 2000;
const REPORT_BYTES = 1400;
const DONE_RESEND_MS = 100;
const DONE_LINGER_MS = 2000;
const STATE_SAVE_MS = 1000;
/**
 * Nap between small batches of datagrams. Woken for every datagram, a receiver spends more CPU on
 * wake-ups than on the data, and many receivers share a machine's cores; a short nap lets the kernel
 * queue a batch (the socket buffer holds far more) that libuv then reads in one go. 3 ms cut a
 * receiver's CPU time by about a sixth against 1 ms (4 receivers at 100 Mbit/s on loopback).
 */
const NAP_MS = 3;
const NAP_BATCH = 32;
/**
 * How long an announcement this receiver refuses (no key, wrong key, bad signature) may stay the only
 * one: a genuine session announces every 100 ms, so a stranger's announcement arriving first does
 * not make the receiver give up, and a real refusal is still reported within seconds.
 */
const REFUSAL_GRACE_MS = 2000;
/**
 * A receiver that found its session by announcement treats another session announcing the same
 * manifest as its sender restarted once its own sender has been silent this long (a live sender
 * announces every 100 ms), or said it aborted.
 */
const RESTART_SILENCE_MS = 2000;
/** How often one receive follows a restarted sender into its new session. */
const MAX_REJOINS = 10;
const napCell = new Int32Array(new SharedArrayBuffer(4));

/** Where a receiver keeps an unfinished image and its resume state, beside the output path. */
export function partialOutputFiles(out: string): { part: string; state: string } {
  return { part: `${out}.mcpart`, state: `${out}.mcstate` };
}

/** What an unfinished receive left: which blocks of the image `<out>.mcpart` holds, verified and written. */
export interface PartialOutput {
  part: string;
  imageSize: number;
  blockBytes: number;
  /** One flag per block: 1 = held. */
  held: Uint8Array;
}

/** The resume state file: the manifest it belongs to, the receiver's id, a bitmap of the blocks written. */
interface SavedState {
  version: number;
  manifest: string;
  receiver: number;
  written: string;
  imageSize?: number;
  blockBytes?: number;
}

/** One flag per block (1: written) as the state file's base64 bitmap, and back. */
function packBlocks(flags: Uint8Array): string {
  const bits = Buffer.alloc(Math.ceil(flags.length / 8));
  for (let b = 0; b < flags.length; b++) if (flags[b]) bits[b >> 3]! |= 1 << (b & 7);
  return bits.toString('base64');
}

function unpackBlocks(written: string, count: number): Uint8Array {
  const bits = Buffer.from(written, 'base64');
  const flags = new Uint8Array(count);
  for (let b = 0; b < count; b++) flags[b] = (bits[b >> 3]! >> (b & 7)) & 1;
  return flags;
}

function readSavedState(state: string): SavedState | null {
  try {
    const s = JSON.parse(readFileSync(state, 'utf8')) as SavedState;
    return s.version === 1 ? s : null;
  } catch {
    return null;
  }
}

/** The resume state beside `out`, or null when there is none (or it predates the block geometry in it). */
export function readPartialOutput(out: string): PartialOutput | null {
  const { part, state } = partialOutputFiles(out);
  const s = readSavedState(state);
  if (!s || !(Number(s.imageSize) >= 0) || !(Number(s.blockBytes) > 0) || !existsSync(part)) return null;
  const held = unpackBlocks(s.written, Math.ceil(s.imageSize! / s.blockBytes!));
  return { part, imageSize: s.imageSize!, blockBytes: s.blockBytes!, held };
}

/** Removes what an unfinished receive left for resuming (e.g. once the image came by another way). */
export function discardPartialOutput(out: string): void {
  for (const file of Object.values(partialOutputFiles(out))) rmSync(file, { force: true });
}

/**
 * Receives one image. Without a group and port (the session found by announcement), a sender that
 * restarts — the same image in a new session — is joined again, and the output resumes with what
 * it holds.
 */
export async function receive(opts: ReceiveOptions): Promise<ReceiveSummary> {
  let receiver = new Receiver(opts);
  let summary = await receiver.run();
  for (let rejoins = 0; receiver.restartedSender && rejoins < MAX_REJOINS && !opts.signal?.aborted; rejoins++) {
    const before = summary.elapsedSeconds;
    receiver = new Receiver({ ...opts, sameManifest: receiver.restartedSender });
    summary = await receiver.run();
    summary.elapsedSeconds += before;
  }
  return summary;
}

/** Where the data goes: a regular file (via a temporary name), a block device in place, or a stream. */
type Output =
  | { kind: 'file'; fd: number; part: string; state: string }
  | { kind: 'device'; fd: number }
  | { kind: 'stream'; stream: Writable };

export class Receiver {
  private readonly started = performance.now();
  private ifaceAddress = '';
  private receiverId = (Math.random() * 2 ** 32) >>> 0;
  /** Tells the sender apart this process's reports from those of an earlier run with the same id (resume). */
  private readonly runId = (Math.random() * 2 ** 32) >>> 0;
  private keys: SessionKeys | null = null;
  private readonly window = new ReplayWindow();
  private readonly doneAckWindow = new ReplayWindow();
  /** The first announcement refused while no session is adopted, and when (see REFUSAL_GRACE_MS). */
  private refusal: { message: string; at: number } | null = null;
  private readonly sockets: { close(): void }[] = [];
  private dataSocket: GroupSocket | null = null;
  /** Own ephemeral port for reports, so the sender's unicast answers reach this receiver even when several share a host. */
  private feedback!: Socket;
  private senderAddress = '';
  private senderPort = 0;
  /** When the watchdog last saw the sender alive, and whether anything came since (cheaper than a clock read per datagram). */
  private lastFromSender = 0;
  private heardFromSender = false;
  /** The sender said it aborted; a receiver that found it by announcement waits for it to come back. */
  private senderAborted = false;
  /** Set when this receiver ended because its sender restarted: the manifest digest to join again. */
  restartedSender: Buffer | null = null;

  private ann: Announcement | null = null;
  private g!: Geometry;
  private manifest: Manifest | null = null;
  private manifestBytes = Buffer.alloc(0);
  private manifestHave = new Uint8Array(0);
  private manifestChunks = 0;
  private manifestMissingCount = 0;

  private out!: Output;
  private complete!: Uint8Array;
  /** Blocks whose partial copy was given up once for lacking too much (see DROP_NEED_SHARE). */
  private droppedOnce!: Uint8Array;
  private written!: Uint8Array;
  private blocksDone = 0;
  private blocksWritten = 0;
  private readonly partials = new Map<number, Partial>();
  /** Places the session's symbols natively for the partials it tracks; null: onSymbol places them all. */
  private placer: SymbolPlacer | null = null;
  private readonly held = new Map<number, Held>();
  private readonly awaitingVerify: number[] = [];
  private readonly pool: Uint8Array[] = [];
  private allocated = 0;
  private maxBuffers = 0;
  private firstIncomplete = 0;
  private maxBlockSeen = -1;
  private highestSeq = -1;
  private overrunBase = 0;
  /** Socket overruns at the last report, and when they last grew (see DROP_NEED_SHARE). */
  private overrunsReported = 0;
  private overranAt = -Infinity;

  private hash: Hash = createHash('sha256');
  private hashCursor = 0;
  private hashBusy = false;
  private scratch: Uint8Array | null = null;
  private pendingWrites = 0;
  private stateDirty = false;

  private state: ReceiverState = ReceiverState.Receiving;
  private reportSeq = 0;
  private reportTimer: NodeJS.Timeout | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly reportBuf = Buffer.alloc(REPORT_BYTES + 64);
  private readonly warnings: string[] = [];
  private finalSha: Buffer | null = null;
  private batch = 0;
  private doneAt = 0;
  private resolve!: (s: ReceiveSummary) => void;
  private settled = false;
  private localError: string | undefined;

  readonly counters: ReceiveCounters = {
    datagrams: 0,
    lost: 0,
    duplicates: 0,
    malformed: 0,
    foreign: 0,
    authFailures: 0,
    replays: 0,
    corruptBlocks: 0,
    decodedBlocks: 0,
    poolDrops: 0,
    resumedBlocks: 0,
    fetchedBlocks: 0,
    readBackBlocks: 0,
    placedNatively: 0,
  };

  constructor(private readonly opts: ReceiveOptions) {
    if (opts.encryptionKey !== undefined) checkEncryptionKey(opts.encryptionKey);
    if (opts.manifestPublicKey !== undefined) checkEd25519(opts.manifestPublicKey, 'public', 'the manifest verify key');
    if (opts.imageSha256 !== undefined && opts.imageSha256.length !== 32) {
      throw new TypeError(`the expected image SHA-256 must be 32 bytes, got ${opts.imageSha256.length}`);
    }
  }

  async run(): Promise<ReceiveSummary> {
    this.ifaceAddress = resolveInterface(this.opts.interface);
    const result = new Promise<ReceiveSummary>((resolve) => (this.resolve = resolve));
    this.overrunBase = udpReceiveOverruns();
    this.feedback = await openSocket({ interfaceAddress: this.ifaceAddress });
    this.feedback.on('message', (msg, rinfo) => this.handleDatagram(msg, rinfo));
    this.feedback.on('error', () => {});
    this.sockets.push(this.feedback);
    if (this.opts.group !== undefined || this.opts.port !== undefined) {
      if (this.opts.group === undefined || this.opts.port === undefined) throw new Error('give both a group and a port, or neither');
      this.dataSocket = await this.listen(this.opts.group, this.opts.port, true);
    } else {
      await this.listen(this.opts.announceGroup ?? ANNOUNCE_GROUP, this.opts.announcePort ?? ANNOUNCE_PORT, false);
    }
    this.timers.push(setInterval(() => this.watchdog(), 500));
    if (this.opts.onProgress) this.timers.push(setInterval(() => this.opts.onProgress!(this.progress()), 500));
    this.opts.signal?.addEventListener('abort', () => this.fail('interrupted'), { once: true });
    return result;
  }

  private async listen(group: string, port: number, session: boolean): Promise<GroupSocket> {
    // Only the session socket's datagrams count for sequence tracking: the announce socket is read
    // at a different moment, and its datagrams would make ackSeq run ahead of what was processed.
    // Node's dgram delivers datagrams one wake-up at a time, so the session socket naps between
    // small batches; the native socket batches by itself.
    let napping = false;
    const handler = (msg: Buffer, rinfo: RemoteInfo): void => {
      if (!session) return this.onAnnounceChannel(msg, rinfo);
      this.handleDatagram(msg, rinfo);
      if (napping && ++this.batch === 1) setImmediate(this.nap);
    };
    const onDatagram = this.opts.impairment ? impair(handler, this.opts.impairment) : handler;
    const socket = await openGroupSocket({ interfaceAddress: this.ifaceAddress, group, port, recvBuffer: RECV_BUFFER_BYTES }, onDatagram);
    napping = !socket.batched;
    if (session && socket.recvBufferBytes < RECV_BUFFER_BYTES) {
      this.warn(
        `the session socket's receive buffer is ${Math.floor(socket.recvBufferBytes / 1024)} KiB, not the ${RECV_BUFFER_BYTES >> 20} MiB asked for: ` +
          `net.core.rmem_max caps it${socket.batched ? ' for a receiver without CAP_NET_ADMIN' : ''}. At high rates a receiver that falls behind ` +
          `drops datagrams (counted as overruns; the sender slows down). Raise it with: sysctl -w net.core.rmem_max=${RECV_BUFFER_BYTES}`,
      );
    }
    this.sockets.push(socket);
    return socket;
  }

  // ---- datagrams ------------------------------------------------------------------------------

  /** A datagram from the session group or to this receiver's own port (it may be anything). */
  handleDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    this.counters.datagrams++;
    const type = packetType(msg);
    if (type === 0) {
      this.counters.malformed++;
      return;
    }
    if (type === PacketType.Announce) return this.onAnnounce(msg, rinfo);
    if (!this.ann || sessionOf(msg) !== this.ann.session) {
      this.counters.foreign++;
      return;
    }
    if (this.keys) {
      const len = this.keys.openFromSender(msg, HEADER_BYTES);
      if (len < 0) {
        this.counters.authFailures++;
        return;
      }
      msg = msg.subarray(0, len);
      if (!(type === PacketType.DoneAck ? this.doneAckWindow : this.window).accept(seqOf(msg))) {
        this.counters.replays++;
        return;
      }
    }
    if (type === PacketType.DoneAck) {
      // Unicast, numbered apart from the session group's datagrams.
      if (msg.length === HEADER_BYTES + 4 && msg.readUInt32BE(HEADER_BYTES) === this.receiverId && this.state === ReceiverState.Done) this.succeed();
      else if (msg.length !== HEADER_BYTES + 4) this.counters.malformed++;
      return;
    }
    this.fromSender(msg);
    switch (type) {
      case PacketType.Symbol:
        return this.onSymbol(msg);
      case PacketType.Manifest:
        return this.onManifestChunk(msg);
      case PacketType.End:
        if (msg.length !== HEADER_BYTES) break;
        if (this.state === ReceiverState.Done) this.succeed();
        else if (msg[3] === EndReason.Aborted && this.findsByAnnouncement()) this.senderAborted = true;
        else if (msg[3] === EndReason.SourceChanged) this.fail('the sender ended the session because its image was changed while it was sent (its blocks no longer matched the manifest)');
        else this.fail('the sender ended the session before this receiver had the image');
        return;
    }
    this.counters.malformed++;
  }

  private readonly nap = (): void => {
    // No nap while the hash cursor reads the output back: it advances one block per loop turn.
    if (this.batch < NAP_BATCH && this.state === ReceiverState.Receiving && !this.hashBusy) Atomics.wait(napCell, 0, 0, NAP_MS);
    this.batch = 0;
  };

  /** The well-known channel only serves to find a session; everything else arrives on the session's group. */
  private onAnnounceChannel(msg: Buffer, rinfo: RemoteInfo): void {
    this.counters.datagrams++;
    // Once a session is adopted, the channel only matters for a restarted sender (see isRestartOf).
    if (this.ann && !this.findsByAnnouncement()) return;
    if (packetType(msg) === PacketType.Announce) this.onAnnounce(msg, rinfo);
    else this.counters.malformed++;
  }

  /** Tracks the sender's sequence numbers: the highest one seen is the report's ackSeq, gaps count as loss. */
  private fromSender(msg: Buffer): void {
    this.fromSenderSeq(seqOf(msg));
  }

  private fromSenderSeq(seq: number): void {
    this.heardFromSender = true;
    if (seq > this.highestSeq) {
      if (this.highestSeq >= 0) this.counters.lost += seq - this.highestSeq - 1;
      this.highestSeq = seq;
    }
  }

  private onAnnounce(msg: Buffer, rinfo: RemoteInfo): void {
    const a = decodeAnnounce(msg);
    if (!a) {
      this.counters.malformed++;
      return;
    }
    const onChannel = msg[3] === ANNOUNCE_ON_CHANNEL;
    if (this.ann) {
      if (a.session !== this.ann.session) {
        if (this.isRestartOf(a)) this.rejoin(a);
        else this.counters.foreign++;
        return;
      }
      if (this.keys) {
        if (!a.salt || this.keys.openFromSender(msg, msg.length - TAG_BYTES) < 0) {
          this.counters.authFailures++;
          return;
        }
        if (!onChannel && !this.window.accept(seqOf(msg))) {
          this.counters.replays++;
          return;
        }
      }
      if (!sameSession(this.ann, a)) {
        // What the receiver acts on (geometry, manifest digest, keys) never changes within a session.
        this.counters.malformed++;
        return;
      }
      if (onChannel) return;
      this.fromSender(msg);
      const passEnded = a.frontier === this.g.blockCount && this.ann.frontier < this.g.blockCount;
      const manifestKnown = this.ann.manifestSize === 0 && a.manifestSize > 0;
      this.ann = a;
      this.senderAddress = rinfo.address;
      this.senderPort = a.feedbackPort;
      if (manifestKnown && !this.learnManifest(a)) return;
      // The tail needs repair now, and a manifest just announced is wanted now, not at the next tick.
      if (passEnded || manifestKnown) this.scheduleReport(Math.random() * 20);
      return;
    }
    // A receiver that checks signatures joins once the manifest's digest is known and signed.
    if (a.manifestSize === 0 && this.opts.manifestPublicKey) return;
    if (this.opts.sameManifest && !(a.manifestSize > 0 && a.manifestDigest.equals(this.opts.sameManifest))) {
      this.counters.foreign++;
      return;
    }
    const refused = this.refuse(a, msg);
    if (refused) {
      this.refusal ??= { message: refused, at: performance.now() };
      return;
    }
    if (this.keys && !onChannel) this.window.accept(seqOf(msg));
    this.adopt(a, rinfo).catch((e: unknown) => this.fail(e instanceof Error ? e.message : String(e)));
  }

  /** The session was found by announcement (no group and port given): a restarted sender can be followed. */
  private findsByAnnouncement(): boolean {
    return this.opts.group === undefined;
  }

  /** Whether another session's announcement is this receiver's sender restarted: the same manifest, its own sender gone. */
  private isRestartOf(a: Announcement): boolean {
    const own = this.ann!;
    if (!this.findsByAnnouncement() || this.state !== ReceiverState.Receiving || own.manifestSize === 0) return false;
    if (a.manifestSize !== own.manifestSize || !a.manifestDigest.equals(own.manifestDigest)) return false;
    return this.senderAborted || (!this.heardFromSender && performance.now() - this.lastFromSender > RESTART_SILENCE_MS);
  }

  /** Ends this run (its resume state saved) so that receive() joins the sender's new session. */
  private rejoin(a: Announcement): void {
    this.restartedSender = a.manifestDigest;
    this.opts.onWarning?.(`the sender restarted (the same image in session ${a.session.toString(16).padStart(8, '0')}): joining it, keeping what this receiver holds`);
    this.fail(`the sender restarted in session ${a.session.toString(16).padStart(8, '0')}: joining it`);
  }

  /** Why this receiver may not join the announced session (a message for the user), or null; sets the session keys. */
  private refuse(a: Announcement, msg: Buffer): string | null {
    const id = a.session.toString(16).padStart(8, '0');
    const key = this.opts.encryptionKey;
    if (a.salt && !key) return `session ${id} is encrypted: this receiver needs the session key (--key-file)`;
    if (!a.salt && key) return `session ${id} is not encrypted, but this receiver was given a key: refusing an unencrypted session`;
    if (key && a.salt) {
      const keys = new SessionKeys(key, a.salt);
      if (keys.openFromSender(msg, msg.length - TAG_BYTES) < 0) {
        this.counters.authFailures++;
        return `session ${id} does not authenticate with this receiver's key (wrong key?)`;
      }
      this.keys = keys;
    }
    const pub = this.opts.manifestPublicKey;
    if (pub && !a.signature) return `session ${id} has no manifest signature, and a verify key was given: refusing an unsigned manifest`;
    if (pub && !manifestSignatureValid(pub, a, a.signature!)) return `session ${id}'s manifest signature does not verify with the given public key: refusing a forged manifest`;
    return null;
  }

  private async adopt(a: Announcement, rinfo: RemoteInfo): Promise<void> {
    this.ann = a;
    this.senderAddress = rinfo.address;
    this.senderPort = a.feedbackPort;
    this.lastFromSender = performance.now();
    this.g = new Geometry(a.imageSize, a.symbolSize, a.k);
    this.complete = new Uint8Array(this.g.blockCount);
    this.droppedOnce = new Uint8Array(this.g.blockCount);
    this.written = new Uint8Array(this.g.blockCount);
    this.maxBuffers = Math.max(4, Math.floor((this.opts.memoryBytes ?? DEFAULT_MEMORY) / this.g.blockBytes));
    // A resuming receiver reports under its earlier run's id from the first report, so the sender
    // counts it as the same receiver (whether its blocks still apply is known once the manifest is).
    const saved = this.opts.out === '-' ? null : readSavedState(partialOutputFiles(this.opts.out).state);
    if (saved) this.receiverId = saved.receiver >>> 0;
    if (a.manifestSize > 0 && !this.learnManifest(a)) return;
    if (!this.dataSocket) this.dataSocket = await this.listen(a.group, a.port, true);
    // Encrypted datagrams are opened, and impaired ones (tests) altered, on the JS path only (and an
    // empty image has no symbols).
    if (!this.keys && !this.opts.impairment && this.dataSocket.placer && this.g.blockCount > 0) {
      this.placer = this.dataSocket.placer;
      this.placer.start(a.session, this.g, this.complete, this.onPlaced);
      for (const [block, p] of this.partials) this.placer.track(block, p);
    }
    this.scheduleReport(Math.random() * 20);
  }

  /**
   * The announced manifest's size and digest are known (at once, or after the sender finished
   * hashing): open the output, which may resume an earlier run's. False if the receiver failed.
   */
  private learnManifest(a: Announcement): boolean {
    this.manifestChunks = Math.ceil(a.manifestSize / a.symbolSize);
    this.manifestBytes = Buffer.alloc(a.manifestSize);
    this.manifestHave = new Uint8Array(this.manifestChunks);
    this.manifestMissingCount = this.manifestChunks;
    try {
      this.openOutput(a);
    } catch (e) {
      this.fail(`cannot open ${this.opts.out}: ${(e as Error).message}`, (e as NodeJS.ErrnoException).code);
      return false;
    }
    if (this.out.kind === 'file') this.timers.push(setInterval(() => this.saveState(), STATE_SAVE_MS));
    this.advanceHash();
    return true;
  }

  private onManifestChunk(msg: Buffer): void {
    if (this.manifest || msg.length < SYMBOL_HEADER_BYTES) return;
    const chunk = msg.readUInt32BE(HEADER_BYTES);
    const size = this.ann!.symbolSize;
    const expected = Math.min(size, this.manifestBytes.length - chunk * size);
    if (chunk >= this.manifestChunks || msg.length - SYMBOL_HEADER_BYTES !== expected) {
      this.counters.malformed++;
      return;
    }
    if (this.manifestHave[chunk]) {
      this.counters.duplicates++;
      return;
    }
    msg.copy(this.manifestBytes, chunk * size, SYMBOL_HEADER_BYTES);
    this.manifestHave[chunk] = 1;
    if (--this.manifestMissingCount > 0) return;
    const m = sha256(this.manifestBytes).equals(this.ann!.manifestDigest) ? parseManifest(this.manifestBytes) : null;
    const g = m?.geometry;
    if (!m || g!.imageSize !== this.g.imageSize || g!.k !== this.g.k || g!.symbolSize !== this.g.symbolSize) {
      // A corrupt chunk slipped in: start over rather than trust any of it.
      this.counters.corruptBlocks++;
      this.manifestHave.fill(0);
      this.manifestMissingCount = this.manifestChunks;
      return;
    }
    const wanted = this.opts.imageSha256;
    if (wanted && !m.imageSha256.equals(wanted)) {
      // Nothing of the image is written before its manifest is known: only the empty start of the
      // output and its resume state, which belong to the wrong image.
      this.fail(`the session carries image ${m.imageSha256.toString('hex')}, not the expected ${wanted.toString('hex')}`);
      if (this.out.kind === 'file') discardPartialOutput(this.opts.out);
      return;
    }
    this.manifest = m;
    this.verifyAwaiting();
  }

  /**
   * Verifies the blocks that completed before the manifest was known, 2 ms of them at a time: all at
   * once (up to the whole block pool: SHA-256 and writes of tens of MiB) the receiver would not read
   * its socket for tens of milliseconds, and at gigabit rates the socket buffer overflows meanwhile.
   */
  private verifyAwaiting(): void {
    if (this.settled) return;
    const started = performance.now();
    while (this.awaitingVerify.length > 0 && performance.now() - started < 2) this.verify(this.awaitingVerify.shift()!);
    if (this.awaitingVerify.length > 0) setImmediate(() => this.verifyAwaiting());
    else this.checkDone();
  }

  /** A symbol of this session that the native path took (in arrival order): what onSymbol does besides placing. */
  private readonly onPlaced = (result: Placement, seq: number, block: number): void => {
    this.counters.datagrams++;
    this.counters.placedNatively++;
    this.fromSenderSeq(seq);
    if (block > this.maxBlockSeen) this.maxBlockSeen = block;
    if (result === Placement.Duplicate) this.counters.duplicates++;
    else if (result === Placement.Completed) {
      // Unless JS let the block go earlier in the same batch (the addon placed the whole batch first).
      const p = this.partials.get(block);
      if (p && p.count[0] === this.g.symbolsIn(block)) this.blockComplete(block, p);
    }
  };

  private dropPartial(block: number): void {
    this.partials.delete(block);
    this.placer?.untrack(block);
  }

  private onSymbol(msg: Buffer): void {
    const g = this.g;
    if (msg.length < SYMBOL_HEADER_BYTES) {
      this.counters.malformed++;
      return;
    }
    const block = symbolBlock(msg);
    const id = symbolId(msg);
    if (block >= g.blockCount) {
      this.counters.malformed++;
      return;
    }
    const k = g.symbolsIn(block);
    const payload = msg.length - SYMBOL_HEADER_BYTES;
    if (payload !== (id < k ? g.symbolBytes(block, id) : g.symbolSize)) {
      this.counters.malformed++;
      return;
    }
    if (block > this.maxBlockSeen) this.maxBlockSeen = block;
    if (this.complete[block]) {
      this.counters.duplicates++;
      return;
    }
    let p = this.partials.get(block);
    if (!p) {
      const buf = this.acquire(block);
      if (!buf) {
        this.counters.poolDrops++;
        return;
      }
      p = { buf, have: new Uint8Array(SYMBOL_IDS >> 3), filled: new Uint8Array(k), slotIds: new Uint16Array(k), count: new Int32Array(1) };
      this.partials.set(block, p);
      this.placer?.track(block, p);
    }
    if (p.have[id >> 3]! & (1 << (id & 7))) {
      this.counters.duplicates++;
      return;
    }
    if (p.count[0] === k) return; // complete, waiting for the manifest to verify it
    const size = g.symbolSize;
    let slot: number;
    if (id < k) {
      slot = id;
      if (p.filled[id]) {
        // A repair symbol sits in this source's slot: move it to a free one.
        const to = p.filled.indexOf(0);
        p.buf.copyWithin(to * size, id * size, id * size + size);
        p.filled[to] = 1;
        p.slotIds[to] = p.slotIds[id]!;
      }
    } else {
      slot = p.filled.indexOf(0);
    }
    const off = slot * size;
    p.buf.set(msg.subarray(SYMBOL_HEADER_BYTES), off);
    if (payload < size) p.buf.fill(0, off + payload, off + size);
    p.filled[slot] = 1;
    p.slotIds[slot] = id;
    p.have[id >> 3]! |= 1 << (id & 7);
    if (++p.count[0]! === k) this.blockComplete(block, p);
  }

  private blockComplete(block: number, p: Partial): void {
    const k = this.g.symbolsIn(block);
    for (let s = 0; s < k; s++) {
      if (p.slotIds[s] !== s) {
        const redundant = decodeBlock(p.buf, k, this.g.symbolSize, p.slotIds);
        if (redundant >= 0) {
          // That repair symbol added nothing to the others (it stays marked held): one more is needed.
          p.filled[redundant] = 0;
          p.count[0]!--;
          return;
        }
        this.counters.decodedBlocks++;
        break;
      }
    }
    if (this.manifest) this.verify(block);
    else this.awaitingVerify.push(block);
  }

  /** Checks a decoded block against the manifest; a good one is written, a bad one fetched again. */
  private verify(block: number): void {
    const p = this.partials.get(block)!;
    this.dropPartial(block);
    const data = p.buf.subarray(0, this.g.bytesIn(block));
    if (!sha256(data).equals(blockHash(this.manifest!, block))) {
      this.counters.corruptBlocks++;
      this.pool.push(p.buf);
      return;
    }
    this.complete[block] = 1;
    this.blocksDone++;
    this.counters.fetchedBlocks++;
    const h: Held = { buf: p.buf, written: false, hashed: false };
    this.held.set(block, h);
    if (this.out.kind === 'stream') h.written = true; // streamed by the hash cursor, in order
    else this.writeBlock(block, h);
    this.advanceHash();
  }

  // ---- memory -----------------------------------------------------------------------------------

  /** A block buffer for `block`, evicting something less urgent if the pool is exhausted; null to drop. */
  private acquire(block: number): Uint8Array | null {
    const free = this.pool.pop();
    if (free) return free;
    if (this.allocated < this.maxBuffers) {
      this.allocated++;
      return new Uint8Array(this.g.blockBytes);
    }
    // Written blocks ahead of the hash cursor can be read back later.
    let victim = -1;
    for (const [b, h] of this.held) if (h.written && !h.hashed && this.out.kind !== 'stream' && b > victim) victim = b;
    if (victim >= 0) {
      const buf = this.held.get(victim)!.buf;
      this.held.delete(victim);
      return buf;
    }
    // Otherwise give up the partial block farthest ahead, if it is ahead of this one.
    for (const b of this.partials.keys()) if (b > victim && this.partials.get(b)!.count[0]! < this.g.symbolsIn(b)) victim = b;
    if (victim > block) {
      const buf = this.partials.get(victim)!.buf;
      this.dropPartial(victim);
      return buf;
    }
    return null;
  }

  private release(block: number, h: Held): void {
    if (h.written && h.hashed && this.held.get(block) === h) {
      this.held.delete(block);
      this.pool.push(h.buf);
    }
  }

  // ---- output -----------------------------------------------------------------------------------

  private openOutput(a: Announcement): void {
    const path = this.opts.out;
    if (path === '-') {
      this.out = { kind: 'stream', stream: this.opts.stdout ?? process.stdout };
      return;
    }
    if (existsSync(path) && statSync(path).isBlockDevice()) {
      const fd = openSync(path, 'r+');
      if (fstatSync(fd).size > 0 && fstatSync(fd).size < a.imageSize) throw new Error(`${path} is smaller than the image (${a.imageSize} bytes)`);
      this.out = { kind: 'device', fd };
      return;
    }
    const { part, state } = partialOutputFiles(path);
    const resumed = this.loadState(state, part, a);
    const fd = openSync(part, resumed ? 'r+' : 'w+');
    ftruncateSync(fd, a.imageSize);
    this.out = { kind: 'file', fd, part, state };
  }

  /**
   * Restores the blocks an earlier run verified and wrote, if its state file matches this manifest.
   * Blocks collected meanwhile (while the manifest was pending) that it already holds are let go.
   */
  private loadState(state: string, part: string, a: Announcement): boolean {
    const s = readSavedState(state);
    if (!s || s.manifest !== a.manifestDigest.toString('hex') || !existsSync(part)) return false;
    const held = unpackBlocks(s.written, this.g.blockCount);
    for (let b = 0; b < this.g.blockCount; b++) {
      if (held[b]) {
        this.opts.onBlockStored?.(this.g.offsetOf(b), this.g.bytesIn(b));
        this.complete[b] = 1;
        this.written[b] = 1;
        this.blocksDone++;
        this.blocksWritten++;
        this.counters.resumedBlocks++;
        const p = this.partials.get(b);
        if (p) {
          this.dropPartial(b);
          this.pool.push(p.buf);
        }
      }
    }
    const keep = this.awaitingVerify.filter((b) => !this.complete[b]);
    this.awaitingVerify.splice(0, Infinity, ...keep);
    return true;
  }

  private saveState(): void {
    if (!this.stateDirty || this.out.kind !== 'file' || this.state !== ReceiverState.Receiving) return;
    this.stateDirty = false;
    const body = JSON.stringify({ version: 1, manifest: this.ann!.manifestDigest.toString('hex'), receiver: this.receiverId, written: packBlocks(this.written), imageSize: this.g.imageSize, blockBytes: this.g.blockBytes });
    try {
      writeFileSync(`${this.out.state}.tmp`, body);
      renameSync(`${this.out.state}.tmp`, this.out.state);
    } catch (e) {
      rmSync(`${this.out.state}.tmp`, { force: true });
      this.fail(`cannot save the resume state ${this.out.state}: ${(e as Error).message}`, (e as NodeJS.ErrnoException).code ?? 'EIO');
    }
  }

  private writeBlock(block: number, h: Held): void {
    const fd = (this.out as { fd: number }).fd;
    this.pendingWrites++;
    const bytes = this.g.bytesIn(block);
    write(fd, h.buf, 0, bytes, this.g.offsetOf(block), (err, written) => {
      this.pendingWrites--;
      if (err) return this.fail(`cannot write ${this.opts.out}: ${err.message}`, err.code);
      // A file system that takes only part of a write has no room for the rest.
      if (written !== bytes) return this.fail(`cannot write ${this.opts.out}: only ${written} of ${bytes} bytes of a block were written`, 'ENOSPC');
      h.written = true;
      if (this.out.kind === 'file') this.opts.onBlockStored?.(this.g.offsetOf(block), bytes);
      this.written[block] = 1;
      this.blocksWritten++;
      this.stateDirty = true;
      this.release(block, h);
      this.checkDone();
    });
  }

  /** Feeds the whole-image hash (and stdout) with the completed prefix, in order. */
  private advanceHash(): void {
    if (this.hashBusy) return;
    const g = this.g;
    while (this.hashCursor < g.blockCount && this.complete[this.hashCursor]) {
      const b = this.hashCursor;
      const h = this.held.get(b);
      if (!h) return this.readBack(b);
      const data = h.buf.subarray(0, g.bytesIn(b));
      this.hash.update(data);
      h.hashed = true;
      this.hashCursor++;
      if (this.out.kind === 'stream') {
        this.hashBusy = true;
        const more = this.out.stream.write(data, (err) => {
          if (err) return this.fail(`cannot write to stdout: ${err.message}`);
          this.release(b, h);
        });
        if (!more) {
          this.out.stream.once('drain', () => {
            this.hashBusy = false;
            this.advanceHash();
          });
          return;
        }
        this.hashBusy = false;
      } else {
        this.release(b, h);
      }
    }
    this.checkDone();
  }

  private readBack(block: number): void {
    const fd = (this.out as { fd: number }).fd;
    this.scratch ??= new Uint8Array(this.g.blockBytes);
    this.hashBusy = true;
    const n = this.g.bytesIn(block);
    read(fd, this.scratch, 0, n, this.g.offsetOf(block), (err, got) => {
      this.hashBusy = false;
      if (err || got !== n) return this.fail(`cannot read back ${this.opts.out}: ${err?.message ?? 'short read'}`, err?.code ?? 'EIO');
      this.counters.readBackBlocks++;
      this.hash.update(this.scratch!.subarray(0, n));
      this.hashCursor++;
      this.advanceHash();
    });
  }

  private checkDone(): void {
    if (this.state !== ReceiverState.Receiving || !this.manifest || this.hashBusy) return;
    if (this.hashCursor < this.g.blockCount || this.pendingWrites > 0) return;
    if (this.out.kind !== 'stream' && this.blocksWritten < this.g.blockCount) return;
    const digest = this.hash.digest();
    if (!digest.equals(this.manifest.imageSha256)) {
      this.fail(`the image's SHA-256 does not match the manifest (${digest.toString('hex')}); what was received is removed`);
      // Every block matched its hash yet the whole does not: the output can be neither trusted nor
      // resumed (removed after fail(), which saves the resume state).
      if (this.out.kind === 'file') discardPartialOutput(this.opts.out);
      return;
    }
    if (this.out.kind === 'file') {
      closeSync(this.out.fd);
      renameSync(this.out.part, this.opts.out);
      if (existsSync(this.out.state)) unlinkSync(this.out.state);
    } else if (this.out.kind === 'device') {
      closeSync(this.out.fd);
    }
    this.finalSha = digest;
    this.state = ReceiverState.Done;
    this.doneAt = performance.now();
    this.scheduleReport(0);
  }

  // ---- reports ----------------------------------------------------------------------------------

  private scheduleReport(delayMs: number): void {
    if (this.reportTimer) clearTimeout(this.reportTimer);
    this.reportTimer = setTimeout(() => this.report(), delayMs);
  }

  private report(): void {
    this.reportTimer = null;
    if (this.settled || !this.ann) return;
    if (this.state === ReceiverState.Done && performance.now() - this.doneAt > DONE_LINGER_MS) return this.succeed(); // the sender is gone
    this.sendReport();
    // Random spread so many receivers' reports do not arrive together.
    const interval = this.state === ReceiverState.Done ? DONE_RESEND_MS : this.ann.reportIntervalMs * (0.5 + Math.random());
    this.scheduleReport(interval);
  }

  private sendReport(): void {
    let len = encodeStatus(this.reportBuf, this.ann!.session, ++this.reportSeq, this.status());
    if (this.keys) len = this.keys.sealReport(this.reportBuf, HEADER_BYTES, len);
    this.feedback.send(this.reportBuf, 0, len, this.senderPort, this.senderAddress);
  }

  private status(): Status {
    const g = this.g;
    const cap = statusCapacity(REPORT_BYTES);
    let used = 0;
    const manifestMissing: Ranges = [];
    if (!this.manifest) used += this.ranges((i) => !this.manifestHave[i], 0, this.manifestChunks, manifestMissing, cap);
    // Blocks the sender has already sent once (below the frontier) are the ones to ask for.
    const frontier = this.ann!.frontier >= g.blockCount ? g.blockCount : Math.max(this.ann!.frontier, this.maxBlockSeen);
    // The session socket's own count where the addon gives it; else the namespace's, read from /proc.
    const overruns = this.dataSocket?.drops() ?? udpReceiveOverruns() - this.overrunBase;
    if (overruns > this.overrunsReported) this.overranAt = performance.now();
    this.overrunsReported = overruns;
    const overrunning = performance.now() - this.overranAt < OVERRUN_MEMORY_MS;
    const partial: { block: number; need: number }[] = [];
    for (const [block, p] of this.partials) {
      if (used >= cap) break;
      const need = g.symbolsIn(block) - p.count[0]!;
      if (overrunning && block < frontier && need > g.symbolsIn(block) * DROP_NEED_SHARE && !this.droppedOnce[block]) {
        this.droppedOnce[block] = 1;
        this.dropPartial(block);
        this.pool.push(p.buf);
      } else if (block < frontier && need > 0) {
        partial.push({ block, need });
        used++;
      }
    }
    while (this.firstIncomplete < g.blockCount && this.complete[this.firstIncomplete]) this.firstIncomplete++;
    const blocksMissing: Ranges = [];
    const coveredTo = this.firstIncomplete + this.ranges((b) => !this.complete[b] && !this.partials.has(b), this.firstIncomplete, frontier, blocksMissing, cap - used, true);
    return {
      receiver: this.receiverId,
      run: this.runId,
      state: this.state,
      ackSeq: Math.max(0, this.highestSeq),
      blocksDone: this.blocksDone,
      received: this.counters.datagrams,
      lost: this.counters.lost,
      overruns,
      sha256: this.finalSha ?? Buffer.alloc(32),
      manifestMissing,
      blocksMissing,
      coveredTo: Math.min(coveredTo, frontier),
      partial,
    };
  }

  /**
   * Appends up to `cap` ranges [start, end) of indices in [from, to) where `missing` holds.
   * Returns the number of ranges, or with `extent` the number of indices examined.
   */
  private ranges(missing: (i: number) => boolean, from: number, to: number, out: Ranges, cap: number, extent = false): number {
    let i = from;
    while (i < to && out.length / 2 < cap) {
      if (!missing(i)) {
        i++;
        continue;
      }
      const start = i;
      while (i < to && missing(i)) i++;
      out.push(start, i);
    }
    return extent ? (i < to ? i : to) - from : out.length / 2;
  }

  // ---- ending -----------------------------------------------------------------------------------

  private watchdog(): void {
    if (!this.ann && this.refusal && performance.now() - this.refusal.at > REFUSAL_GRACE_MS) return this.fail(this.refusal.message);
    const limit = this.opts.senderTimeoutMs ?? 30_000;
    if (!this.ann && this.opts.startTimeoutMs !== undefined && performance.now() - this.started > this.opts.startTimeoutMs) {
      const where = this.opts.group ? `on ${this.opts.group}:${this.opts.port}` : 'on the link';
      return this.fail(`no session was found ${where} within ${Math.round(this.opts.startTimeoutMs / 1000)} s (--start-timeout): is the sender running on this network, and is the interface the one it sends on?`);
    }
    if (!this.ann && this.opts.sameManifest && performance.now() - this.started > limit) {
      return this.fail(`the restarted sender's session of this image was not found within ${Math.round(limit / 1000)} s`);
    }
    if (!this.ann || this.state !== ReceiverState.Receiving) return;
    if (this.heardFromSender) {
      this.heardFromSender = false;
      this.lastFromSender = performance.now();
    }
    if (performance.now() - this.lastFromSender <= limit) return;
    if (this.senderAborted) this.fail(`the sender ended the session before this receiver had the image, and no new session of the image was announced within ${Math.round(limit / 1000)} s`);
    else this.fail(`no datagram from the sender for ${Math.round(limit / 1000)} s`);
  }

  private succeed(): void {
    this.settle(true, 'image verified');
  }

  private fail(message: string, localError?: string): void {
    if (this.settled) return;
    if (localError) this.localError ??= localError;
    // Record the blocks written so far while still receiving (saveState does nothing afterwards).
    if (this.out?.kind === 'file') this.saveState();
    if (this.state === ReceiverState.Receiving && this.ann) {
      this.state = ReceiverState.Failed;
      this.sendReport();
    }
    if (this.out?.kind === 'file' || this.out?.kind === 'device') {
      try {
        closeSync(this.out.fd);
      } catch {
        // already closed
      }
    }
    this.settle(false, message);
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.opts.onWarning?.(message);
  }

  private settle(ok: boolean, message: string): void {
    if (this.settled) return;
    this.settled = true;
    for (const t of this.timers) clearInterval(t);
    if (this.reportTimer) clearTimeout(this.reportTimer);
    // Give the last report a moment to leave before closing.
    setTimeout(() => {
      for (const s of this.sockets) s.close();
      this.resolve({
        ok,
        message,
        receiver: this.receiverId.toString(16).padStart(8, '0'),
        session: this.ann ? this.ann.session.toString(16).padStart(8, '0') : null,
        imageBytes: this.ann?.imageSize ?? 0,
        sha256: this.finalSha ? this.finalSha.toString('hex') : null,
        elapsedSeconds: (performance.now() - this.started) / 1000,
        counters: this.counters,
        warnings: this.warnings,
        ...(this.localError ? { localError: this.localError } : {}),
      });
    }, 10);
  }

  private progress(): ReceiveProgress {
    return {
      phase: !this.ann ? 'discovering' : this.state === ReceiverState.Receiving ? 'receiving' : 'finishing',
      blocksDone: this.blocksDone,
      blockCount: this.ann ? this.g.blockCount : 0,
      imageBytes: this.ann?.imageSize ?? 0,
      received: this.counters.datagrams,
      lost: this.counters.lost,
    };
  }
}

/** Whether a later announcement describes the adopted session the same way (only the progress fields may change). */
function sameSession(adopted: Announcement, later: Announcement): boolean {
  // A pending manifest (size 0) may become known; a known one never changes.
  const sameManifest = adopted.manifestSize === 0 || (adopted.manifestSize === later.manifestSize && adopted.manifestDigest.equals(later.manifestDigest));
  return (
    adopted.imageSize === later.imageSize &&
    adopted.symbolSize === later.symbolSize &&
    adopted.k === later.k &&
    sameManifest &&
    adopted.group === later.group &&
    adopted.port === later.port &&
    (adopted.salt === null ? later.salt === null : later.salt !== null && adopted.salt.equals(later.salt))
  );
}
