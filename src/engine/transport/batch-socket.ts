// The receive side of a session's multicast group. With the native addon (native/mcnet.c) datagrams
// are read in batches with recvmmsg and handed to JS once per batch, about 1 µs per datagram instead
// of Node dgram's 6; without it (no compiler at install, or MCSHELL_NATIVE=0) Node's dgram is used.
// Either way the handler sees one datagram at a time and must copy what it keeps: the native
// buffers are reused by the next batch.
import type { RemoteInfo } from 'node:dgram';
import { nativeAddon } from './native.js';
import { openSocket } from './net.js';

export type DatagramHandler = (msg: Buffer, rinfo: RemoteInfo) => void;

export interface GroupSocket {
  addMembership(group: string): void;
  close(): void;
  /** True when datagrams arrive in batches through the native addon. */
  readonly batched: boolean;
}

export interface GroupSocketOptions {
  interfaceAddress: string;
  group: string;
  port: number;
  recvBuffer: number;
}

/** Largest datagram accepted: jumbo frames (9000-byte MTU) fit. */
const SLOT_BYTES = 9216;
/** After a wake-up, wait this long so the next read finds many datagrams queued. */
const COALESCE_MS = 4;

export async function openGroupSocket(o: GroupSocketOptions, onDatagram: DatagramHandler): Promise<GroupSocket> {
  const native = nativeAddon();
  if (native) {
    const rinfo: RemoteInfo = { address: '', family: 'IPv4', port: 0, size: 0 };
    let lastSource = -1;
    const socket = native.open(o.port, o.group, o.interfaceAddress, o.recvBuffer, SLOT_BYTES, COALESCE_MS, function (count) {
      const meta = new Int32Array(this.meta, 0, count * 3);
      for (let i = 0; i < count; i++) {
        const len = meta[i * 3]!;
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
    return { addMembership: (group) => socket.addMembership(group), close: () => socket.close(), batched: true };
  }
  const socket = await openSocket({ interfaceAddress: o.interfaceAddress, port: o.port, reuse: true, recvBuffer: o.recvBuffer });
  socket.addMembership(o.group, o.interfaceAddress);
  socket.on('message', onDatagram);
  socket.on('error', () => {});
  return { addMembership: (group) => socket.addMembership(group, o.interfaceAddress), close: () => socket.close(), batched: false };
}
