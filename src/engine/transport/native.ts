// The transport's native addon (native/mcnet.c, gcm.c, gf.c), built by node-gyp at install when a C
// compiler is present. It only accelerates: every caller has a pure-Node path that behaves the
// same, used when the addon is missing or MCSHELL_NATIVE=0.
import { createRequire } from 'node:module';

export interface NativeGroupSocket {
  data: ArrayBuffer;
  meta: ArrayBuffer;
  addMembership(group: string): void;
  /** Datagrams the kernel dropped for this socket since it was opened (a full receive buffer). */
  drops(): number;
  /** The receive buffer the kernel granted, in the units it was asked in. */
  readonly recvBuffer: number;
  /** Milliseconds the socket now waits after a wake-up before reading (1 … coalesceMs, adapting to the buffer's fill). */
  readWait(): number;
  /** From now on the addon places the symbols of `session` into tracked blocks (native/mcnet.c). */
  place(session: number, prefix: number, symbolSize: number, blockCount: number, k: number, lastK: number, lastBytes: number, complete: Uint8Array): void;
  /** Hands the addon a block's arrays; false when it cannot take more (JS then places that block's symbols). */
  track(block: number, buf: Uint8Array, have: Uint8Array, filled: Uint8Array, slotIds: Uint16Array, count: Int32Array): boolean;
  untrack(block: number): void;
  close(): void;
}

export interface NativeGroupSender {
  data: ArrayBuffer;
  lengths: ArrayBuffer;
  /** Sends slots first … first+count-1 in order; returns how many the kernel took (fewer: its buffer is full). */
  send(first: number, count: number): number;
  close(): void;
}

/** An OpenSSL AES-256-GCM context held by the addon. */
export type NativeGcmContext = { readonly __brand: 'NativeGcmContext' };

export interface NativeAddon {
  open(port: number, group: string, iface: string, recvBuffer: number, slot: number, coalesceMs: number, onBatch: (this: NativeGroupSocket, first: number, count: number) => void): NativeGroupSocket;
  openSender(group: string, port: number, iface: string, sendBuffer: number, slot: number, slots: number): NativeGroupSender;
  gcmContext(key: Buffer): NativeGcmContext;
  gcmSeal(context: NativeGcmContext, buf: Buffer, clear: number, len: number, nonce: Buffer): number;
  gcmOpen(context: NativeGcmContext, buf: Buffer, clear: number, len: number, nonce: Buffer): number;
  /** For every d and s: memory[dst[d] …+len) ^= matrix[d·src.length + s] · memory[src[s] …+len) in GF(2^8) (native/gf.c). */
  gfMatMulAdd(memory: Uint8Array, dst: Int32Array, src: Int32Array, matrix: Uint8Array, len: number): void;
  /** fec.ts's decodeBlock in place in `block` (native/gf.c): same arguments, result and errors. */
  gfDecode(block: Uint8Array, k: number, symbolSize: number, slotIds: Uint16Array): number;
  /** Which of gf.c's kernels runs: 'gfni', 'avx2' or 'scalar'. */
  gfKernel: string;
  /** A UDP socket on 0.0.0.0:port tied to one interface (SO_BINDTODEVICE, broadcast allowed), as an fd for dgram (native/device.c). */
  deviceSocket(port: number, interfaceName: string): number;
}

let addon: NativeAddon | null | undefined;

/** The addon, or null when it was not built or MCSHELL_NATIVE=0 asks for the pure-Node paths. */
export function nativeAddon(): NativeAddon | null {
  if (addon === undefined) {
    addon = null;
    if (process.env.MCSHELL_NATIVE !== '0') {
      try {
        addon = createRequire(import.meta.url)('../../../../native/build/Release/mcnet.node') as NativeAddon;
      } catch {
        // not built: the pure-Node paths do the same job with more CPU
      }
    }
  }
  return addon;
}
