// A read-only TFTP server (RFC 1350) for iPXE's first stages, with option negotiation (RFC 2347),
// blksize (RFC 2348), and tsize and timeout (RFC 2349). Each transfer runs from its own port (its
// TID, as RFC 1350 says), sends one block at a time and resends it when the client's ACK does not
// come in time, a few times, then gives up. Files come only from the boot folder (boot-folder.ts);
// writes are refused.
import type { RemoteInfo, Socket } from 'node:dgram';
import { open, type FileHandle } from 'node:fs/promises';
import type { PxeInterface } from './interface.js';
import { resolveBootFile } from './boot-folder.js';
import { closeSocket, interfaceUdpSocket } from './sockets.js';

export const TFTP_PORT = 69;
const OP = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;
const ERROR = { UNDEFINED: 0, NOT_FOUND: 1, ACCESS_VIOLATION: 2, ILLEGAL_OPERATION: 4, OPTION_REFUSED: 8 } as const;
const DEFAULT_BLOCK = 512;
/** RFC 2348's limits. */
const MIN_BLOCK = 8;
const MAX_BLOCK = 65464;
const DEFAULT_TIMEOUT_S = 1;
const RETRIES = 5;
/** Transfers at once; more requests are refused (a flood cannot open unbounded sockets and files). */
const MAX_TRANSFERS = 64;

export interface TftpEvent {
  event: 'tftp-sent' | 'tftp-refused' | 'tftp-failed';
  client: string;
  file: string;
  bytes?: number;
  reason?: string;
}

export interface TftpOptions {
  iface: PxeInterface;
  folder: string;
  port?: number;
  onEvent?: (event: TftpEvent) => void;
}

interface ReadRequest {
  file: string;
  mode: string;
  options: Map<string, string>;
}

/** `RRQ file\0 mode\0 [name\0 value\0]…`, or null when the packet is not one. */
export function parseReadRequest(packet: Buffer): ReadRequest | null {
  if (packet.length < 4 || packet.readUInt16BE(0) !== OP.RRQ || packet[packet.length - 1] !== 0) return null;
  const fields = packet.subarray(2, packet.length - 1).toString('latin1').split('\0');
  if (fields.length < 2 || fields.length % 2 !== 0) return null;
  const [file, mode, ...rest] = fields;
  const options = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) options.set(rest[i]!.toLowerCase(), rest[i + 1]!);
  return { file: file!, mode: mode!.toLowerCase(), options };
}

function errorPacket(code: number, message: string): Buffer {
  const text = Buffer.from(message, 'latin1');
  const packet = Buffer.alloc(5 + text.length);
  packet.writeUInt16BE(OP.ERROR, 0);
  packet.writeUInt16BE(code, 2);
  text.copy(packet, 4);
  return packet;
}

export class TftpServer {
  private socket: Socket | null = null;
  private readonly transfers = new Set<Transfer>();

  constructor(private readonly options: TftpOptions) {}

  get listening(): string {
    return `udp ${this.options.iface.name}:${this.options.port ?? TFTP_PORT}`;
  }

  async start(): Promise<void> {
    this.socket = await interfaceUdpSocket(this.options.port ?? TFTP_PORT, this.options.iface, (message, remote) => void this.request(message, remote));
  }

  async stop(): Promise<void> {
    for (const transfer of this.transfers) await transfer.end();
    if (this.socket) await closeSocket(this.socket);
    this.socket = null;
  }

  private async request(packet: Buffer, remote: RemoteInfo): Promise<void> {
    const client = `${remote.address}:${remote.port}`;
    const opcode = packet.length >= 2 ? packet.readUInt16BE(0) : -1;
    const reply = (code: number, message: string) => this.socket?.send(errorPacket(code, message), remote.port, remote.address);
    if (opcode === OP.WRQ) {
      this.options.onEvent?.({ event: 'tftp-refused', client, file: '', reason: 'write request' });
      return reply(ERROR.ACCESS_VIOLATION, 'read-only server');
    }
    const request = parseReadRequest(packet);
    if (!request) return; // not a TFTP read request: ignored
    const file = request.file.slice(0, 255);
    if (request.mode !== 'octet' && request.mode !== 'netascii') return reply(ERROR.ILLEGAL_OPERATION, 'mode must be octet');
    const resolved = resolveBootFile(this.options.folder, request.file);
    if ('refused' in resolved) {
      this.options.onEvent?.({ event: 'tftp-refused', client, file, reason: resolved.refused });
      return resolved.refused === 'not-found' ? reply(ERROR.NOT_FOUND, 'file not found') : reply(ERROR.ACCESS_VIOLATION, 'access violation');
    }
    if (this.transfers.size >= MAX_TRANSFERS) return reply(ERROR.UNDEFINED, 'server busy, try again');
    let handle: FileHandle;
    try {
      handle = await open(resolved.path, 'r');
    } catch {
      return reply(ERROR.NOT_FOUND, 'file not found');
    }
    const transfer = new Transfer(handle, resolved.size, request, remote, (outcome) => {
      this.transfers.delete(transfer);
      this.options.onEvent?.({ ...outcome, client, file });
    });
    this.transfers.add(transfer);
    try {
      await transfer.start(this.options.iface);
    } catch (error) {
      await transfer.end({ event: 'tftp-failed', reason: (error as Error).message });
    }
  }
}

/** One file to one client, from its own port: a block at a time, each resent until it is acknowledged. */
class Transfer {
  private socket: Socket | null = null;
  private readonly blockSize: number;
  private readonly timeoutMs: number;
  /** Options the server accepted, answered in an OACK (none: data starts at once). */
  private readonly accepted = new Map<string, string>();
  /** The block awaiting its ACK (0: the OACK), its packet and how often it was sent. */
  private block = 0;
  private packet: Buffer = Buffer.alloc(0);
  private sent = 0;
  private lastBlock = Infinity;
  private timer: NodeJS.Timeout | null = null;
  private ended = false;
  /** A block is being read from the file: ACKs that arrive meanwhile are duplicates (no double send). */
  private reading = false;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    request: ReadRequest,
    private readonly remote: RemoteInfo,
    private readonly done: (outcome: Omit<TftpEvent, 'client' | 'file'>) => void,
  ) {
    const blksize = Number(request.options.get('blksize'));
    this.blockSize = Number.isInteger(blksize) && blksize >= MIN_BLOCK ? Math.min(blksize, MAX_BLOCK) : DEFAULT_BLOCK;
    if (request.options.has('blksize') && this.blockSize !== DEFAULT_BLOCK) this.accepted.set('blksize', String(this.blockSize));
    const timeout = Number(request.options.get('timeout'));
    const validTimeout = Number.isInteger(timeout) && timeout >= 1 && timeout <= 255;
    this.timeoutMs = (validTimeout ? timeout : DEFAULT_TIMEOUT_S) * 1000;
    if (validTimeout) this.accepted.set('timeout', String(timeout));
    if (request.options.has('tsize')) this.accepted.set('tsize', String(size));
  }

  async start(iface: PxeInterface): Promise<void> {
    this.socket = await interfaceUdpSocket(0, iface, (message, remote) => void this.receive(message, remote));
    if (this.accepted.size > 0) {
      const fields = [...this.accepted].flatMap(([name, value]) => [name, value]);
      const oack = Buffer.concat([Buffer.from([0, OP.OACK]), Buffer.from(`${fields.join('\0')}\0`, 'latin1')]);
      this.send(0, oack);
    } else await this.sendBlock(1);
  }

  private async receive(message: Buffer, remote: RemoteInfo): Promise<void> {
    // Packets from anyone but this transfer's client get an error and change nothing (RFC 1350).
    if (remote.address !== this.remote.address || remote.port !== this.remote.port) {
      this.socket?.send(errorPacket(5, 'unknown transfer ID'), remote.port, remote.address);
      return;
    }
    if (message.length < 4) return;
    const opcode = message.readUInt16BE(0);
    if (opcode === OP.ERROR) return this.end({ event: 'tftp-failed', reason: `the client ended the transfer: ${message.subarray(4).toString('latin1').replace(/[^\x20-\x7e]/g, '').slice(0, 100)}` });
    if (this.reading || opcode !== OP.ACK || message.readUInt16BE(2) !== (this.block & 0xffff)) return; // a duplicate or stale ACK: wait for the right one
    if (this.block >= this.lastBlock) return this.end({ event: 'tftp-sent', bytes: this.size });
    await this.sendBlock(this.block + 1);
  }

  private async sendBlock(block: number): Promise<void> {
    const start = (block - 1) * this.blockSize;
    const length = Math.max(0, Math.min(this.blockSize, this.size - start));
    const packet = Buffer.alloc(4 + length);
    packet.writeUInt16BE(OP.DATA, 0);
    packet.writeUInt16BE(block & 0xffff, 2); // block numbers roll over past 65535, as clients expect
    this.reading = true;
    try {
      if (length > 0) await this.handle.read(packet, 4, length, start);
    } finally {
      this.reading = false;
    }
    // The last block is the first one shorter than a full block (possibly empty).
    if (length < this.blockSize) this.lastBlock = block;
    if (!this.ended) this.send(block, packet);
  }

  private send(block: number, packet: Buffer): void {
    this.block = block;
    this.packet = packet;
    this.sent = 0;
    this.transmit();
  }

  private transmit(): void {
    if (this.ended) return;
    if (this.timer) clearTimeout(this.timer);
    if (this.sent > RETRIES) {
      void this.end({ event: 'tftp-failed', reason: `no acknowledgement of block ${this.block} after ${RETRIES} resends` });
      return;
    }
    this.sent++;
    this.socket?.send(this.packet, this.remote.port, this.remote.address);
    this.timer = setTimeout(() => this.transmit(), this.timeoutMs);
  }

  async end(outcome: Omit<TftpEvent, 'client' | 'file'> = { event: 'tftp-failed', reason: 'the server stopped' }): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.socket) await closeSocket(this.socket);
    await this.handle.close().catch(() => undefined);
    this.done(outcome);
  }
}
