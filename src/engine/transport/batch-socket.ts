// A session's multicast group, both ways. Receiving: with the native addon (native/mcnet.c)
// datagrams are read in batches with recvmmsg and handed to JS once per batch, about 1 µs per
// datagram instead of Node dgram's 6; either way the handler sees one datagram at a time and must
// copy what it keeps: the native buffers are reused by the next batch. Sending: the sender writes
// datagrams straight into the addon's slots and hands runs of them to the kernel with sendmmsg,
// instead of a dgram send (system call, libuv request, callback) per datagram. Without the addon
// (no compiler at install, or MCSHELL_NATIVE=0) Node's dgram does both.
import type { RemoteInfo } from 'node:dgram';
import type { Geometry } from './manifest.js';
import { nativeAddon } from './native.js';
import { openSocket } from './net.js';
import { MAGIC, PacketType, VERSION } from './wire.js';

// ---- receiving -----------------------------------------------------------------------------------

export type DatagramHandler = (msg: Buffer, rinfo: RemoteInfo) => void;

export interface GroupSocket {
  addMembership(group: string): void;
  close(): void;
  /** True when datagrams arrive in batches through the native addon. */
  readonly batched: boolean;
  /** With the native addon: it can place a plain session's symbols itself (null without it). */
  readonly placer: SymbolPlacer | null;
  /** Datagrams the kernel dropped for this socket (its receive buffer was full); null without the addon. */
  drops(): number | null;
  /**
   * The receive buffer the kernel granted, in the units it was asked in: less than asked when
   * net.core.rmem_max caps it (always for Node's dgram; the addon may go past it with CAP_NET_ADMIN).
   */
  readonly recvBufferBytes: number;
}

/** A block being collected, as the receiver keeps it: the native path updates these same arrays. */
export interface PlacementBlock {
  buf: Uint8Array;
  /** Symbol ids held or found redundant: a bitmap over the 16-bit ids. */
  have: Uint8Array;
  /** Which slots are filled, and with which symbol id. */
  filled: Uint8Array;
  slotIds: Uint16Array;
  /** One element: how many slots are filled. */
  count: Int32Array;
}

/** What the native path did with a symbol it took (native/mcnet.c). */
export const enum Placement {
  Placed = -1,
  Duplicate = -2,
  /** Placed, and its block now has all its slots filled. */
  Completed = -3,
}

/** Told, in arrival order among the other datagrams, of each symbol the native path took. */
export type PlacementHandler = (result: Placement, seq: number, block: number) => void;

/**
 * The receiver's per-symbol work done natively for a plain (unencrypted) session: after `start`,
 * symbols of that session for tracked blocks are placed by the addon and reported to `onPlaced`
 * instead of arriving as datagrams. Blocks complete in `complete` count as duplicates.
 */
export interface SymbolPlacer {
  start(session: number, g: Geometry, complete: Uint8Array, onPlaced: PlacementHandler): void;
  /** False when the addon tracks as many blocks as it can: the datagram handler places that one. */
  track(block: number, p: PlacementBlock): boolean;
  untrack(block: number): void;
}

const SYMBOL_PREFIX = (MAGIC << 16) | (VERSION << 8) | PacketType.Symbol;

export interface GroupSocketOptions {
  interfaceAddress: string;
  group: string;
  port: number;
  recvBuffer: number;
}

/** Largest datagram accepted: jumbo frames (9000-byte MTU) fit. */
const SLOT_BYTES = 9216;
/**
 * After a wake-up, wait up to this long so the next read finds many datagrams queued: fewer wake-ups
 * and bigger batches (8 against 4 ms: N = 16 at 1 %, receivers' CPU -12 %). The addon shortens the
 * wait while the receive buffer fills faster (native/mcnet.c, on_timer).
 */
const COALESCE_MS = 8;

export async function openGroupSocket(o: GroupSocketOptions, onDatagram: DatagramHandler): Promise<GroupSocket> {
  const native = nativeAddon();
  if (native) {
    const rinfo: RemoteInfo = { address: '', family: 'IPv4', port: 0, size: 0 };
    let lastSource = -1;
    let onPlaced: PlacementHandler | null = null;
    const socket = native.open(o.port, o.group, o.interfaceAddress, o.recvBuffer, SLOT_BYTES, COALESCE_MS, function (first, count) {
      const meta = new Int32Array(this.meta, 0, (first + count) * 3);
      for (let i = first; i < first + count; i++) {
        const len = meta[i * 3]!;
        if (len < 0) {
          onPlaced!(len, meta[i * 3 + 1]! >>> 0, meta[i * 3 + 2]!);
          continue;
        }
        const source = meta[i * 3 + 1]!;
        if (source !== lastSource) {
          lastSource = source;
          rinfo.address = `${(source >>> 24) & 255}.${(source >>> 16) & 255}.${(source >>> 8) & 255}.${source & 255}`;
        }
        rinfo.port = meta[i * 3 + 2]!;
        rinfo.size = len;
        onDatagram(Buffer.from(this.data, i * SLOT_BYTES, len), rinfo);
      }
    });
    const placer: SymbolPlacer = {
      start(session, g, complete, handler) {
        onPlaced = handler;
        const lastBlock = g.blockCount - 1;
        socket.place(session, SYMBOL_PREFIX, g.symbolSize, g.blockCount, g.k, g.symbolsIn(lastBlock), g.bytesIn(lastBlock), complete);
      },
      track: (block, p) => socket.track(block, p.buf, p.have, p.filled, p.slotIds, p.count),
      untrack: (block) => socket.untrack(block),
    };
    return { addMembership: (group) => socket.addMembership(group), close: () => socket.close(), batched: true, placer, drops: () => socket.drops(), recvBufferBytes: socket.recvBuffer };
  }
  const socket = await openSocket({ interfaceAddress: o.interfaceAddress, port: o.port, reuse: true, recvBuffer: o.recvBuffer });
  socket.addMembership(o.group, o.interfaceAddress);
  socket.on('message', onDatagram);
  socket.on('error', () => {});
  return {
    addMembership: (group) => socket.addMembership(group, o.interfaceAddress),
    close: () => socket.close(),
    batched: false,
    placer: null,
    drops: () => null,
    recvBufferBytes: socket.getRecvBufferSize() / 2, // Linux reports twice the size asked for
  };
}

// ---- sending -------------------------------------------------------------------------------------

/**
 * Datagrams to a group, in order. Write a datagram into the buffer `next` gives, `commit` it, and
 * `flush` after a run of commits. A queue of `slots` datagrams bounds what waits for the kernel:
 * while it is full `next` gives null, and `onWritable` is called once there is room again.
 */
export interface GroupSender {
  next(): Buffer | null;
  commit(len: number): void;
  flush(): void;
  close(): void;
  /** True when datagrams go to the kernel in batches through the native addon. */
  readonly batched: boolean;
}

export interface GroupSenderOptions {
  interfaceAddress: string;
  group: string;
  port: number;
  sendBuffer: number;
  /** The largest datagram. */
  slotBytes: number;
  slots: number;
}

/** How long a sender whose socket buffer is full waits before offering the kernel the rest again. */
const SEND_RETRY_MS = 1;

export async function openGroupSender(o: GroupSenderOptions, onWritable: () => void): Promise<GroupSender> {
  // Slots start at multiples of 8 bytes: the erasure coder writes 4-byte words into them.
  const slotBytes = Math.ceil(o.slotBytes / 8) * 8;
  const native = nativeAddon();
  if (native) {
    const tx = native.openSender(o.group, o.port, o.interfaceAddress, o.sendBuffer, slotBytes, o.slots);
    const lengths = new Int32Array(tx.lengths);
    const bufs = Array.from({ length: o.slots }, (_, i) => Buffer.from(tx.data, i * slotBytes, slotBytes));
    // A ring: slots head, head+1, … (queued of them) are filled and wait for the kernel, in order.
    let head = 0;
    let queued = 0;
    let retry: NodeJS.Timeout | null = null;
    const flush = (): void => {
      while (queued > 0) {
        const run = Math.min(queued, o.slots - head);
        const sent = tx.send(head, run);
        head = (head + sent) % o.slots;
        queued -= sent;
        if (sent < run) break;
      }
      if (queued > 0 && !retry) {
        retry = setTimeout(() => {
          retry = null;
          flush();
          if (queued < o.slots) onWritable();
        }, SEND_RETRY_MS);
      }
    };
    return {
      batched: true,
      next: () => (queued < o.slots ? bufs[(head + queued) % o.slots]! : null),
      commit(len) {
        lengths[(head + queued) % o.slots] = len;
        queued++;
      },
      flush,
      close() {
        if (retry) clearTimeout(retry);
        tx.close();
      },
    };
  }
  const socket = await openSocket({ interfaceAddress: o.interfaceAddress, sendBuffer: o.sendBuffer });
  // Connected to the group: Node then skips a per-datagram address lookup.
  await new Promise<void>((resolve) => socket.connect(o.port, o.group, resolve));
  socket.on('error', () => {}); // per-datagram send errors arrive in the callbacks
  // dgram sends asynchronously: a buffer is free again when its send's callback has run.
  const bufs: Buffer[] = [];
  const free: number[] = [];
  const sent: (() => void)[] = [];
  let waiting = false;
  for (let i = 0; i < o.slots; i++) {
    bufs.push(Buffer.allocUnsafeSlow(slotBytes)); // own ArrayBuffer: aligned
    free.push(i);
    sent.push(() => {
      free.push(i);
      if (waiting && free.length >= o.slots / 2) {
        waiting = false;
        onWritable();
      }
    });
  }
  return {
    batched: false,
    next() {
      const i = free.at(-1);
      if (i === undefined) waiting = true;
      return i === undefined ? null : bufs[i]!;
    },
    commit(len) {
      const i = free.pop()!;
      socket.send(bufs[i]!, 0, len, sent[i]);
    },
    flush() {},
    close: () => socket.close(),
  };
}
