// Socket plumbing shared by the sender and the receiver: interface resolution, socket setup,
// the kernel's receive-overrun counter, and the test-only impairment hook.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';

/**
 * The IPv4 address of an interface given by name (`lo`, `mcv1`) or by one of its addresses.
 * There is deliberately no default: sending on a real network must be asked for explicitly.
 */
export function resolveInterface(spec: string): string {
  const all = networkInterfaces();
  const byName = all[spec]?.find((a) => a.family === 'IPv4');
  if (byName) return byName.address;
  if (isIPv4(spec)) {
    for (const addrs of Object.values(all)) if (addrs?.some((a) => a.address === spec)) return spec;
    throw new Error(`no interface has the address ${spec}`);
  }
  throw new Error(`no IPv4 interface named '${spec}' (have: ${ipv4InterfaceNames().join(', ') || 'none'})`);
}

/** The names of this host's interfaces that have an IPv4 address. */
export function ipv4InterfaceNames(): string[] {
  return Object.entries(networkInterfaces())
    .filter(([, addrs]) => addrs?.some((a) => a.family === 'IPv4'))
    .map(([name]) => name);
}

/** True for 224.0.0.0/4 addresses outside 224.0.0.0/24 (link-local control traffic). */
export function isUsableGroup(group: string): boolean {
  if (!isIPv4(group)) return false;
  const [a, b, c] = group.split('.').map(Number) as [number, number, number];
  return a >= 224 && a <= 239 && !(a === 224 && b === 0 && c === 0);
}

/** Parses a bit rate such as `95M`, `1G`, `500k`, `100mbit` or `2000000` into bits per second. */
export function parseRate(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:bit|bps|b)?(?:\/s)?$/i.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not a bit rate (examples: 95M, 1G, 500k, 100000000)`);
  const bits = Number(m[1]) * 1000 ** ' kmg'.indexOf(m[2]!.toLowerCase() || ' ');
  if (!(bits >= 1000)) throw new Error(`rate ${text} is below 1 kbit/s`);
  return bits;
}

export interface SocketOptions {
  /** Address of the interface multicast is sent on and groups are joined on. */
  interfaceAddress: string;
  port?: number;
  reuse?: boolean;
  recvBuffer?: number;
  sendBuffer?: number;
}

export async function openSocket(o: SocketOptions): Promise<Socket> {
  const socket = createSocket({ type: 'udp4', reuseAddr: o.reuse ?? false });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(o.port ?? 0, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.setMulticastInterface(o.interfaceAddress);
  socket.setMulticastTTL(1);
  socket.setMulticastLoopback(true);
  if (o.recvBuffer) socket.setRecvBufferSize(o.recvBuffer);
  if (o.sendBuffer) socket.setSendBufferSize(o.sendBuffer);
  return socket;
}

/**
 * The kernel's count of UDP datagrams dropped because a socket's receive buffer was full, in this
 * network namespace. It tells overload (which the sender must slow down for) apart from random
 * loss on the link (which it must not).
 */
export function udpReceiveOverruns(): number {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    const names = lines[0]!.split(/\s+/);
    const values = lines[1]!.split(/\s+/);
    return Number(values[names.indexOf('RcvbufErrors')] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * TEST ONLY. Impairments applied to arriving datagrams so that loss, duplication, reordering and
 * corruption can be tested over loopback, where every receiver shares one interface. Each value is
 * the probability per datagram; `seed` makes the sequence reproducible.
 */
export interface Impairment {
  drop?: number;
  duplicate?: number;
  reorder?: number;
  corrupt?: number;
  seed?: number;
}

/** Reads MCSHELL_TEST_DROP / _DUPLICATE / _REORDER / _CORRUPT / _SEED (test-only knobs). */
export function impairmentFromEnv(env: NodeJS.ProcessEnv): Impairment | undefined {
  const num = (name: string): number | undefined => {
    const v = env[`MCSHELL_TEST_${name}`];
    return v === undefined || v === '' ? undefined : Number(v);
  };
  const imp: Impairment = { drop: num('DROP'), duplicate: num('DUPLICATE'), reorder: num('REORDER'), corrupt: num('CORRUPT'), seed: num('SEED') };
  return Object.values(imp).some((v) => v !== undefined) ? imp : undefined;
}

type Handler = (msg: Buffer, rinfo: RemoteInfo) => void;

export function impair(handler: Handler, imp: Impairment): Handler {
  let s = (imp.seed ?? 1) >>> 0 || 1;
  const rand = (): number => {
    // xorshift32: cheap, seedable, good enough for test loss patterns
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  let held: [Buffer, RemoteInfo] | null = null;
  return (msg, rinfo) => {
    if (imp.drop && rand() < imp.drop) return;
    if (imp.corrupt && rand() < imp.corrupt && msg.length > 0) {
      msg = Buffer.from(msg);
      msg[Math.floor(rand() * msg.length)]! ^= 1 + Math.floor(rand() * 255);
    }
    if (imp.reorder && !held && rand() < imp.reorder) {
      held = [Buffer.from(msg), { ...rinfo }]; // the socket may reuse msg's memory for the next datagram
      return;
    }
    // The duplicate is a copy: an encrypted session's receiver decrypts datagrams in place.
    const copy = imp.duplicate && rand() < imp.duplicate ? Buffer.from(msg) : null;
    handler(msg, rinfo);
    if (copy) handler(copy, rinfo);
    if (held) {
      const [m, r] = held;
      held = null;
      handler(m, r);
    }
  };
}
