// The datagram format. Every datagram starts with a 12-byte header, big-endian:
//   0 u8  magic 0x4D ('M')      1 u8  protocol version (4)
//   2 u8  packet type           3 u8  type-specific (the symbol id's low byte for SYMBOL packets)
//   4 u32 session id            8 u32 sequence number (per sender, or per receiver for STATUS)
// SYMBOL packets follow it with a u32 holding the block index (upper 24 bits) and the symbol id's
// high byte (lower 8 bits): 16-bit symbol ids in the 16 bytes an 8-bit id took before.
// Everything is addressed by ids (session, block, symbol, manifest chunk), never by stream
// position, which is what makes late join, rejoin and resume work.
//
// Encrypted sessions (cipher.ts) keep this header in the clear (it is the nonce and is authenticated)
// and encrypt everything after it, followed by the 16-byte GCM tag. Announcements stay readable, so
// receivers can find the session and learn that it is encrypted; they are authenticated only.

import { SALT_BYTES, TAG_BYTES } from './cipher.js';
import { MAX_K } from './fec.js';

export const MAGIC = 0x4d;
/**
 * 2: encrypted sessions. 3: an announcement may say the manifest is still being hashed (manifest
 * size 0); a version-2 receiver would take that for an empty manifest, so it must not join.
 * 4: 16-bit symbol ids (blocks of up to 4096 symbols), k in announcements as a u16.
 */
export const VERSION = 4;
export const HEADER_BYTES = 12;
/** SYMBOL and MANIFEST packets carry a u32 (block index and symbol id / chunk index) after the header, then the payload. */
export const SYMBOL_HEADER_BYTES = 16;
/** Block indices of SYMBOL packets are 24-bit. */
export const MAX_BLOCKS = 1 << 24;

/** What keeps a session from carrying an image in blocks of k symbols of symbolSize bytes, or null. */
export function geometryProblem(imageSize: number, symbolSize: number, k: number): string | null {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) return `k must be 1..${MAX_K} (got ${k})`;
  if (!Number.isInteger(symbolSize) || symbolSize < 4 || symbolSize % 4 !== 0) return `symbol size must be a positive multiple of 4 (got ${symbolSize})`;
  const blocks = Math.ceil(imageSize / (k * symbolSize));
  if (blocks > MAX_BLOCKS) {
    return `the image needs ${blocks} blocks of ${k * symbolSize} bytes, more than the ${MAX_BLOCKS} a session can address: use a larger k or symbol size`;
  }
  return null;
}

/** Writes a SYMBOL packet's header. */
export function writeSymbolHeader(buf: Buffer, session: number, seq: number, block: number, id: number): void {
  writeHeader(buf, PacketType.Symbol, id & 0xff, session, seq);
  buf.writeUInt32BE(((block << 8) | (id >>> 8)) >>> 0, HEADER_BYTES);
}

export function symbolBlock(buf: Buffer): number {
  return buf.readUInt32BE(HEADER_BYTES) >>> 8;
}

export function symbolId(buf: Buffer): number {
  return (buf[HEADER_BYTES + 3]! << 8) | buf[3]!;
}
/** UDP + IPv4 + Ethernet header bytes per datagram: what the wire carries besides our payload. */
export const FRAME_OVERHEAD = 8 + 20 + 14;

/** Well-known channel where senders announce sessions, so receivers need no arguments. */
export const ANNOUNCE_GROUP = '239.255.77.77';
export const ANNOUNCE_PORT = 7777;
export const DEFAULT_GROUP = '239.255.77.1';
export const DEFAULT_PORT = 7771;

export const enum PacketType {
  /** sender → announce group and session group: session parameters. */
  Announce = 1,
  /** sender → session group: one chunk of the manifest. */
  Manifest = 2,
  /** sender → session group: one symbol of a block (id < k: source data; id ≥ k: repair). */
  Symbol = 3,
  /** sender → session group: the session is over (byte 3: EndReason). */
  End = 4,
  /** sender → one receiver (unicast): acknowledges its DONE report. */
  DoneAck = 5,
  /** receiver → sender (unicast): join, progress, needs, DONE with the verified hash. */
  Status = 6,
}

/** Byte 3 of an ANNOUNCE sent on the well-known channel (its sequence numbers are a counter of their own). */
export const ANNOUNCE_ON_CHANNEL = 1;

export const enum EndReason {
  Complete = 0,
  Aborted = 1,
  /** The sender's image was written to during the session: what it sends no longer matches the manifest. */
  SourceChanged = 2,
}

export const enum ReceiverState {
  Receiving = 0,
  Done = 1,
  Failed = 2,
}

export function writeHeader(buf: Buffer, type: PacketType, byte3: number, session: number, seq: number): void {
  buf[0] = MAGIC;
  buf[1] = VERSION;
  buf[2] = type;
  buf[3] = byte3;
  buf.writeUInt32BE(session, 4);
  buf.writeUInt32BE(seq >>> 0, 8);
}

/** The packet type of a datagram that carries our magic and version, else 0. */
export function packetType(buf: Buffer): number {
  if (buf.length < HEADER_BYTES || buf[0] !== MAGIC || buf[1] !== VERSION) return 0;
  return buf[2]!;
}

export function sessionOf(buf: Buffer): number {
  return buf.readUInt32BE(4);
}

export function seqOf(buf: Buffer): number {
  return buf.readUInt32BE(8);
}

// ---- ANNOUNCE -----------------------------------------------------------------------------------

export interface Announcement {
  session: number;
  group: string;
  port: number;
  imageSize: number;
  symbolSize: number;
  k: number;
  /** 0 while the sender is still hashing the image: the manifest (and its digest) is then not known yet. */
  manifestSize: number;
  /** SHA-256 of the manifest's bytes (zeros while it is pending). */
  manifestDigest: Buffer;
  /** Blocks below this have had their first transmission: receivers may ask for what they lack there. */
  frontier: number;
  /** How often receivers should report, chosen by the sender from the number of receivers. */
  reportIntervalMs: number;
  /** The sender's port for reports (at the announcement's source address). */
  feedbackPort: number;
  /** Ed25519 signature of the manifest statement (manifest.ts), or null when the manifest is unsigned. */
  signature: Buffer | null;
  /** The encrypted session's salt for deriving its keys (cipher.ts), or null when it is not encrypted. */
  salt: Buffer | null;
}

const ANNOUNCE_BYTES = HEADER_BYTES + 4 + 2 + 2 + 2 + 1 + 2 + 8 + 4 + 4 + 32 + 2;
const FLAG_SIGNED = 1;
const FLAG_ENCRYPTED = 2;
export const SIGNATURE_BYTES = 64;
/** The longest announcement, before an encrypted session's tag. */
export const ANNOUNCE_MAX_BYTES = ANNOUNCE_BYTES + SIGNATURE_BYTES + SALT_BYTES;

/** Writes an announcement (without the tag an encrypted session's sender then seals it with). */
export function encodeAnnounce(buf: Buffer, a: Announcement, seq: number, onChannel: boolean): number {
  writeHeader(buf, PacketType.Announce, onChannel ? ANNOUNCE_ON_CHANNEL : 0, a.session, seq);
  let o = HEADER_BYTES;
  for (const part of a.group.split('.')) buf[o++] = Number(part);
  o = buf.writeUInt16BE(a.port, o);
  o = buf.writeUInt16BE(a.symbolSize, o);
  o = buf.writeUInt16BE(a.k, o);
  o = buf.writeUInt8((a.signature ? FLAG_SIGNED : 0) | (a.salt ? FLAG_ENCRYPTED : 0), o);
  o = buf.writeUInt16BE(a.reportIntervalMs, o);
  o = buf.writeBigUInt64BE(BigInt(a.imageSize), o);
  o = buf.writeUInt32BE(a.manifestSize, o);
  o = buf.writeUInt32BE(a.frontier, o);
  o += a.manifestDigest.copy(buf, o);
  o = buf.writeUInt16BE(a.feedbackPort, o);
  if (a.signature) o += a.signature.copy(buf, o);
  if (a.salt) o += a.salt.copy(buf, o);
  return o;
}

/** Parses an announcement; an encrypted session's must end with its tag (which the caller checks). */
export function decodeAnnounce(buf: Buffer): Announcement | null {
  if (buf.length < ANNOUNCE_BYTES) return null;
  const flags = buf[HEADER_BYTES + 10]!;
  const signed = (flags & FLAG_SIGNED) !== 0;
  const encrypted = (flags & FLAG_ENCRYPTED) !== 0;
  if (flags & ~(FLAG_SIGNED | FLAG_ENCRYPTED)) return null;
  if (buf.length !== ANNOUNCE_BYTES + (signed ? SIGNATURE_BYTES : 0) + (encrypted ? SALT_BYTES + TAG_BYTES : 0)) return null;
  let o = HEADER_BYTES;
  const group = `${buf[o]}.${buf[o + 1]}.${buf[o + 2]}.${buf[o + 3]}`;
  o += 4;
  const a: Announcement = {
    session: sessionOf(buf),
    group,
    port: buf.readUInt16BE(o),
    symbolSize: buf.readUInt16BE(o + 2),
    k: buf.readUInt16BE(o + 4),
    reportIntervalMs: buf.readUInt16BE(o + 7),
    imageSize: Number(buf.readBigUInt64BE(o + 9)),
    manifestSize: buf.readUInt32BE(o + 17),
    frontier: buf.readUInt32BE(o + 21),
    manifestDigest: Buffer.from(buf.subarray(o + 25, o + 57)),
    feedbackPort: buf.readUInt16BE(o + 57),
    signature: signed ? Buffer.from(buf.subarray(ANNOUNCE_BYTES, ANNOUNCE_BYTES + SIGNATURE_BYTES)) : null,
    salt: null,
  };
  if (encrypted) {
    const at = ANNOUNCE_BYTES + (signed ? SIGNATURE_BYTES : 0);
    a.salt = Buffer.from(buf.subarray(at, at + SALT_BYTES));
  }
  if (geometryProblem(a.imageSize, a.symbolSize, a.k) !== null || a.port === 0 || a.reportIntervalMs === 0 || a.feedbackPort === 0) return null;
  return a;
}

// ---- STATUS (receiver → sender) -------------------------------------------------------------------

/** Half-open ranges [start, end) of block or chunk indices, flattened as start0, end0, start1, end1, … */
export type Ranges = number[];

export interface Status {
  receiver: number;
  /** Random per receiver process: a restarted receiver (resume) starts a new report sequence. */
  run: number;
  state: ReceiverState;
  /** Highest sender sequence number seen: tells the sender which of its packets this report reflects. */
  ackSeq: number;
  blocksDone: number;
  /** Cumulative datagrams of the session received / inferred lost from sequence gaps / socket overruns. */
  received: number;
  lost: number;
  overruns: number;
  /** SHA-256 of the verified image (state Done), else zeros. */
  sha256: Buffer;
  /** Manifest chunks still missing. */
  manifestMissing: Ranges;
  /** Blocks below the frontier of which this receiver holds nothing. */
  blocksMissing: Ranges;
  /** The ranges above cover blocks [0, coveredTo); later blocks were left out for space. */
  coveredTo: number;
  /** Partly received blocks below the frontier and how many more symbols each needs. */
  partial: { block: number; need: number }[];
}

const STATUS_FIXED = HEADER_BYTES + 4 + 4 + 4 + 1 + 1 + 2 + 2 + 2 + 4 + 4 + 4 + 4 + 4 + 32;

/** Largest number of range pairs and partial entries that fit a report of `maxBytes`. */
export function statusCapacity(maxBytes: number): number {
  return Math.max(1, Math.floor((maxBytes - STATUS_FIXED) / 8));
}

export function encodeStatus(buf: Buffer, session: number, seq: number, s: Status): number {
  writeHeader(buf, PacketType.Status, 0, session, seq);
  let o = HEADER_BYTES;
  o = buf.writeUInt32BE(s.receiver, o);
  o = buf.writeUInt32BE(s.run, o);
  o = buf.writeUInt32BE(s.ackSeq >>> 0, o);
  o = buf.writeUInt8(s.state, o);
  o = buf.writeUInt8(0, o);
  o = buf.writeUInt16BE(s.manifestMissing.length / 2, o);
  o = buf.writeUInt16BE(s.blocksMissing.length / 2, o);
  o = buf.writeUInt16BE(s.partial.length, o);
  o = buf.writeUInt32BE(s.blocksDone, o);
  o = buf.writeUInt32BE(s.coveredTo, o);
  o = buf.writeUInt32BE(s.received >>> 0, o);
  o = buf.writeUInt32BE(s.lost >>> 0, o);
  o = buf.writeUInt32BE(s.overruns >>> 0, o);
  o += s.sha256.copy(buf, o, 0, 32);
  for (const v of s.manifestMissing) o = buf.writeUInt32BE(v, o);
  for (const v of s.blocksMissing) o = buf.writeUInt32BE(v, o);
  for (const p of s.partial) {
    o = buf.writeUInt32BE(p.block, o);
    o = buf.writeUInt32BE(p.need, o);
  }
  return o;
}

export function decodeStatus(buf: Buffer): Status | null {
  if (buf.length < STATUS_FIXED) return null;
  let o = HEADER_BYTES;
  const receiver = buf.readUInt32BE(o);
  const run = buf.readUInt32BE(o + 4);
  o += 4;
  const ackSeq = buf.readUInt32BE(o + 4);
  const state = buf.readUInt8(o + 8);
  const nManifest = buf.readUInt16BE(o + 10);
  const nMissing = buf.readUInt16BE(o + 12);
  const nPartial = buf.readUInt16BE(o + 14);
  if (state > ReceiverState.Failed || buf.length !== STATUS_FIXED + 8 * (nManifest + nMissing + nPartial)) return null;
  o += 16;
  const s: Status = {
    receiver,
    run,
    ackSeq,
    state,
    blocksDone: buf.readUInt32BE(o),
    coveredTo: buf.readUInt32BE(o + 4),
    received: buf.readUInt32BE(o + 8),
    lost: buf.readUInt32BE(o + 12),
    overruns: buf.readUInt32BE(o + 16),
    sha256: Buffer.from(buf.subarray(o + 20, o + 52)),
    manifestMissing: [],
    blocksMissing: [],
    partial: [],
  };
  o += 52;
  for (let i = 0; i < nManifest * 2; i++, o += 4) s.manifestMissing.push(buf.readUInt32BE(o));
  for (let i = 0; i < nMissing * 2; i++, o += 4) s.blocksMissing.push(buf.readUInt32BE(o));
  for (let i = 0; i < nPartial; i++, o += 8) s.partial.push({ block: buf.readUInt32BE(o), need: buf.readUInt32BE(o + 4) });
  return s;
}
