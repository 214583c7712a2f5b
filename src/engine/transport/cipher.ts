// Datagram encryption: AES-256-GCM per datagram, sealed and opened in place.
//
// DatagramCipher is the whole of the crypto the packet loops call: the native addon's OpenSSL
// context (one per key, only the IV reset per datagram, ~1.2 µs per 1.4 KB) when it is built, else
// Node's createCipheriv/createDecipheriv per datagram (~5-7 µs). SessionKeys holds the
// conventions of a session: the key handed to the sender and its receivers is never used directly;
// two subkeys are derived from it with HKDF-SHA256 and the session's random salt (announced in the
// clear), one for the sender's datagrams and one for the receivers' reports. A key reused across
// sessions therefore never meets the same nonce twice.
//
// Nonces (96 bits) are never reused under a subkey:
// - sender datagrams use their 12-byte header as the nonce (and as additional authenticated data).
//   The header is unique per datagram of a session: the session group's datagrams (announcements,
//   manifest chunks, symbols, END) share one sequence counter, announcements on the well-known
//   channel carry a channel flag in byte 3 and their own counter, and DONE-ACKs (another packet
//   type) theirs. The sender refuses to let an encrypted session's counter wrap.
// - receivers' reports carry a random 12-byte nonce after the tag: many receivers, restarts and
//   resumes make a counter hard to keep unique, and reports are few.
// Replays are rejected above this layer (ReplayWindow): a sealed datagram authenticates wherever
// and however often it arrives.
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomFillSync, type KeyObject } from 'node:crypto';
import { nativeAddon, type NativeAddon, type NativeGcmContext } from './native.js';

export const KEY_BYTES = 32;
export const TAG_BYTES = 16;
export const NONCE_BYTES = 12;
export const SALT_BYTES = 16;

/** Throws a clear error unless `key` is a 32-byte AES-256 key. */
export function checkEncryptionKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new Error(`an encryption key is ${KEY_BYTES} bytes (AES-256), got ${Buffer.isBuffer(key) ? `${key.length} bytes` : typeof key}`);
  }
}

/** AES-256-GCM over one datagram, in place: encrypted bytes replace the plaintext, the tag follows them. */
export class DatagramCipher {
  private readonly key: KeyObject;
  private readonly native: NativeAddon | null;
  private readonly context: NativeGcmContext | null;

  /** `native: false` forces Node's crypto even when the addon is built (tests compare both). */
  constructor(key: Buffer, { native = true }: { native?: boolean } = {}) {
    checkEncryptionKey(key);
    this.key = createSecretKey(key);
    this.native = native ? nativeAddon() : null;
    this.context = this.native ? this.native.gcmContext(key) : null;
  }

  /**
   * Authenticates buf[0, clear) and encrypts buf[clear, len) in place under `nonce`, and writes the
   * 16-byte tag at buf[len]. Returns the sealed length, len + 16 (buf must have room for it).
   */
  seal(buf: Buffer, clear: number, len: number, nonce: Buffer): number {
    if (this.native) return this.native.gcmSeal(this.context!, buf, clear, len, nonce);
    const c = createCipheriv('aes-256-gcm', this.key, nonce, { authTagLength: TAG_BYTES });
    c.setAAD(buf.subarray(0, clear));
    if (len > clear) c.update(buf.subarray(clear, len)).copy(buf, clear);
    c.final();
    return len + c.getAuthTag().copy(buf, len);
  }

  /**
   * Checks the tag of a sealed buf[0, len) and decrypts buf[clear, len - 16) in place. Returns the
   * plaintext length (len - 16), or -1 if the datagram does not authenticate (buf is then unchanged).
   */
  open(buf: Buffer, clear: number, len: number, nonce: Buffer): number {
    const end = len - TAG_BYTES;
    if (end < clear) return -1;
    if (this.native) return this.native.gcmOpen(this.context!, buf, clear, len, nonce);
    const d = createDecipheriv('aes-256-gcm', this.key, nonce, { authTagLength: TAG_BYTES });
    d.setAAD(buf.subarray(0, clear));
    d.setAuthTag(buf.subarray(end, len));
    const plain = end > clear ? d.update(buf.subarray(clear, end)) : null;
    try {
      d.final();
    } catch {
      return -1;
    }
    plain?.copy(buf, clear);
    return end;
  }
}

/** A session's two ciphers, derived from the shared key and the session's salt. */
export class SessionKeys {
  private readonly sender: DatagramCipher;
  private readonly reports: DatagramCipher;
  private readonly nonce = Buffer.alloc(NONCE_BYTES);

  constructor(key: Buffer, readonly salt: Buffer) {
    checkEncryptionKey(key);
    const derive = (label: string) => Buffer.from(hkdfSync('sha256', key, salt, `mcshell datagram v1 ${label}`, KEY_BYTES));
    this.sender = new DatagramCipher(derive('sender'));
    this.reports = new DatagramCipher(derive('reports'));
  }

  static freshSalt(): Buffer {
    return randomFillSync(Buffer.alloc(SALT_BYTES));
  }

  /** Seals a sender datagram whose 12-byte header (the nonce) starts buf; bytes from `clear` on are encrypted. */
  sealFromSender(buf: Buffer, clear: number, len: number): number {
    return this.sender.seal(buf, clear, len, buf.subarray(0, NONCE_BYTES));
  }

  /** Opens a sender datagram (see sealFromSender); the plaintext length, or -1. */
  openFromSender(buf: Buffer, clear: number): number {
    if (buf.length < NONCE_BYTES) return -1;
    return this.sender.open(buf, clear, buf.length, buf.subarray(0, NONCE_BYTES));
  }

  /** Seals a receiver's report: a random nonce goes after the tag. Needs len + 28 bytes of room. */
  sealReport(buf: Buffer, clear: number, len: number): number {
    randomFillSync(this.nonce);
    const sealed = this.reports.seal(buf, clear, len, this.nonce);
    return sealed + this.nonce.copy(buf, sealed);
  }

  /** Opens a report sealed by sealReport; the plaintext length, or -1. */
  openReport(buf: Buffer, clear: number): number {
    const len = buf.length - NONCE_BYTES;
    if (len < clear + TAG_BYTES) return -1;
    this.nonce.set(buf.subarray(len));
    return this.reports.open(buf, clear, len, this.nonce);
  }
}

/** Report bytes sealing adds: tag and nonce. */
export const REPORT_SEAL_BYTES = TAG_BYTES + NONCE_BYTES;

/**
 * Sliding anti-replay window over 32-bit sequence numbers, as IPsec keeps one: a number is accepted
 * once, and one more than WINDOW below the highest accepted is refused as too old to tell. Call it
 * only for datagrams that authenticated, so forged ones cannot move it.
 */
export class ReplayWindow {
  static readonly SIZE = 4096;
  private top = -1;
  private readonly seen = new Uint32Array(ReplayWindow.SIZE / 32);

  accept(seq: number): boolean {
    const size = ReplayWindow.SIZE;
    if (seq > this.top) {
      if (this.top < 0 || seq - this.top >= size) this.seen.fill(0);
      else for (let s = this.top + 1; s < seq; s++) this.clear(s);
      this.top = seq;
      this.mark(seq);
      return true;
    }
    if (this.top - seq >= size) return false;
    const bit = seq % size;
    if (this.seen[bit >>> 5]! & (1 << (bit & 31))) return false;
    this.mark(seq);
    return true;
  }

  private mark(seq: number): void {
    const bit = seq % ReplayWindow.SIZE;
    this.seen[bit >>> 5]! |= 1 << (bit & 31);
  }

  private clear(seq: number): void {
    const bit = seq % ReplayWindow.SIZE;
    this.seen[bit >>> 5]! &= ~(1 << (bit & 31));
  }
}
