// The PXE DHCP responder over real UDP sockets on veth pairs in the test's namespace: crafted
// DISCOVERs and REQUESTs from BIOS, UEFI and iPXE clients, answered field by field; everything
// that is not a PXE client's, or not well-formed, is ignored; nothing is answered on an interface
// the admin did not configure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeAddon } from '../../../src/engine/transport/native.js';
import { DHCP, OPTION, parseDhcpReply, parseDhcpRequest } from '../../../src/engine/boot/dhcp-packet.js';
import { PxeDhcpServer, type DhcpEvent } from '../../../src/engine/boot/dhcp-server.js';
import { resolvePxeInterface } from '../../../src/engine/boot/interface.js';
import { vethPair, vethUnusable } from './netns.js';

const skip = vethUnusable() || (nativeAddon() ? false : 'needs the native addon (SO_BINDTODEVICE)');
const SERVER = '198.18.7.1';
const HTTP = `http://${SERVER}:8736`;
const UUID_BYTES = Buffer.from('00' + '33221100' + '5544' + '7766' + '8899' + 'aabbccddeeff', 'hex');

interface Client {
  mac?: string;
  type?: number;
  vendorClass?: string;
  arch?: number;
  userClass?: Buffer;
  uuid?: Buffer;
  xid?: number;
  extra?: [number, Buffer][];
}

/** A DHCP request as PXE firmware sends it. */
function request(client: Client): Buffer {
  const packet = Buffer.alloc(240);
  packet[0] = 1;
  packet[1] = 1;
  packet[2] = 6;
  packet.writeUInt32BE(client.xid ?? 0x1234abcd, 4);
  packet.writeUInt16BE(0x8000, 10);
  Buffer.from((client.mac ?? '52:54:00:12:34:56').split(':').map((h) => parseInt(h, 16))).copy(packet, 28);
  packet.writeUInt32BE(0x63825363, 236);
  const options: [number, Buffer][] = [[OPTION.MESSAGE_TYPE, Buffer.from([client.type ?? DHCP.DISCOVER])]];
  if (client.vendorClass !== undefined) options.push([OPTION.VENDOR_CLASS, Buffer.from(client.vendorClass)]);
  if (client.arch !== undefined) options.push([OPTION.CLIENT_ARCH, Buffer.from([client.arch >> 8, client.arch & 255])], [OPTION.CLIENT_NDI, Buffer.from([1, 2, 1])]);
  if (client.userClass) options.push([OPTION.USER_CLASS, client.userClass]);
  if (client.uuid) options.push([OPTION.CLIENT_UUID, client.uuid]);
  options.push(...(client.extra ?? []));
  return Buffer.concat([packet, ...options.map(([code, value]) => Buffer.concat([Buffer.from([code, value.length]), value])), Buffer.from([255])]);
}

let folder: string;
let cleanups: (() => void)[] = [];
let server: PxeDhcpServer | null = null;
const events: DhcpEvent[] = [];
let client68: Socket;
let client4011: Socket;

async function startServer(options: Partial<ConstructorParameters<typeof PxeDhcpServer>[0]> = {}): Promise<void> {
  await server?.stop();
  server = new PxeDhcpServer({ iface: resolvePxeInterface('pxe7'), mode: 'ProxyDhcp', addressRange: null, answerPxe: true, responseDelayMs: 0, bootFolder: folder, httpBase: HTTP, onEvent: (event) => events.push(event), ...options });
  await server.start();
}

async function boundSocket(port: number, device: string): Promise<Socket> {
  const socket = createSocket({ type: 'udp4' });
  await new Promise<void>((resolve) => socket.bind({ fd: nativeAddon()!.deviceSocket(port, device) }, resolve));
  return socket;
}

/** Sends `packet` from `socket` and collects the replies that arrive within a short while. */
async function exchange(socket: Socket, packet: Buffer, to: string, port: number, waitMs = 400): Promise<ReturnType<typeof parseDhcpReply>[]> {
  const replies: ReturnType<typeof parseDhcpReply>[] = [];
  const listener = (message: Buffer) => replies.push(parseDhcpReply(message));
  socket.on('message', listener);
  socket.send(packet, port, to);
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  socket.off('message', listener);
  return replies;
}

before(async () => {
  if (skip) return;
  folder = await mkdtemp(join(tmpdir(), 'mcshell-pxe-dhcp-'));
  for (const file of ['undionly.kpxe', 'snponly.efi']) await writeFile(join(folder, file), randomBytes(100));
  cleanups = [vethPair('pxe7', SERVER, 'cli7', '198.18.7.2'), vethPair('oth7', '198.18.8.1', 'cli8', '198.18.8.2')];
  client68 = await boundSocket(68, 'cli7');
  client4011 = await boundSocket(0, 'cli7');
  await startServer();
});

after(async () => {
  if (skip) return;
  await server?.stop();
  client68.close();
  client4011.close();
  for (const cleanup of cleanups) cleanup();
  await rm(folder, { recursive: true, force: true });
});

const ascii = (value: Buffer | undefined) => value?.toString('latin1');

test('a BIOS PXE DISCOVER gets a proxyDHCP OFFER: no address, next server, undionly.kpxe, PXEClient, option 43, its UUID back', { skip }, async () => {
  const [reply, ...more] = await exchange(client68, request({ vendorClass: 'PXEClient:Arch:00000:UNDI:002001', arch: 0, uuid: UUID_BYTES, xid: 77 }), '255.255.255.255', 67);
  assert.equal(more.length, 0);
  assert.ok(reply);
  assert.equal(reply.xid, 77);
  assert.equal(reply.mac, '52:54:00:12:34:56');
  assert.equal(reply.yiaddr, '0.0.0.0', 'proxyDHCP never hands out an address');
  assert.equal(reply.siaddr, SERVER);
  assert.equal(reply.file, 'undionly.kpxe');
  assert.deepEqual([...reply.options.get(OPTION.MESSAGE_TYPE)!], [DHCP.OFFER]);
  assert.equal([...reply.options.get(OPTION.SERVER_ID)!].join('.'), SERVER);
  assert.equal(ascii(reply.options.get(OPTION.VENDOR_CLASS)), 'PXEClient');
  assert.equal(ascii(reply.options.get(OPTION.BOOT_FILE)), 'undionly.kpxe');
  assert.equal(ascii(reply.options.get(OPTION.TFTP_SERVER)), SERVER);
  assert.deepEqual([...reply.options.get(OPTION.VENDOR_OPTIONS)!], [6, 1, 8, 255]);
  assert.deepEqual(reply.options.get(OPTION.CLIENT_UUID), UUID_BYTES);
  assert.equal(reply.options.has(OPTION.SUBNET_MASK), false);
  assert.equal(reply.options.has(OPTION.LEASE_TIME), false);
  const event = events.at(-1)!;
  assert.deepEqual([event.event, event.uuid, event.arch], ['pxe-offer', '00112233-4455-6677-8899-aabbccddeeff', 0]);
});

test('UEFI x64 (arch 7 and 9) gets snponly.efi; a REQUEST on 4011 gets an ACK sent back to where it came from', { skip }, async () => {
  for (const arch of [7, 9]) {
    const [offer] = await exchange(client68, request({ vendorClass: `PXEClient:Arch:0000${arch}:UNDI:003016`, arch }), '255.255.255.255', 67);
    assert.equal(offer?.file, 'snponly.efi');
  }
  const [ack, ...more] = await exchange(client4011, request({ type: DHCP.REQUEST, vendorClass: 'PXEClient:Arch:00007:UNDI:003016', arch: 7, xid: 99 }), SERVER, 4011);
  assert.equal(more.length, 0);
  assert.deepEqual([...ack!.options.get(OPTION.MESSAGE_TYPE)!], [DHCP.ACK]);
  assert.deepEqual([ack!.xid, ack!.yiaddr, ack!.siaddr, ack!.file], [99, '0.0.0.0', SERVER, 'snponly.efi']);
});

test('iPXE (user class iPXE, bare or RFC 3004) gets the URL of its per-machine script, so the chain does not loop', { skip }, async () => {
  for (const userClass of [Buffer.from('iPXE'), Buffer.from([4, ...Buffer.from('iPXE')])]) {
    const [offer] = await exchange(client68, request({ vendorClass: 'PXEClient:Arch:00000:UNDI:002001', arch: 0, userClass, mac: '52:54:00:aa:bb:0c' }), '255.255.255.255', 67);
    const url = `${HTTP}/boot/ipxe?mac=52-54-00-aa-bb-0c&uuid=\${uuid}&arch=0`;
    assert.equal(ascii(offer!.options.get(OPTION.BOOT_FILE)), url);
    assert.equal(offer!.file, url);
    assert.equal(offer!.options.has(OPTION.TFTP_SERVER), false);
  }
});

test('UEFI HTTP boot (arch 16, HTTPClient) gets the HTTP URL of the loader and HTTPClient back', { skip }, async () => {
  const [offer] = await exchange(client68, request({ vendorClass: 'HTTPClient:Arch:00016:UNDI:003016', arch: 16 }), '255.255.255.255', 67);
  assert.equal(offer!.file, `${HTTP}/boot/snponly.efi`);
  assert.equal(ascii(offer!.options.get(OPTION.VENDOR_CLASS)), 'HTTPClient');
  assert.equal(offer!.options.has(OPTION.VENDOR_OPTIONS), false);
});

test('ordinary DHCP clients, unknown architectures, other message types and AllowPxeResponse off get no answer', { skip }, async () => {
  assert.deepEqual(await exchange(client68, request({}), '255.255.255.255', 67), [], 'no vendor class');
  assert.deepEqual(await exchange(client68, request({ vendorClass: 'MSFT 5.0' }), '255.255.255.255', 67), []);
  assert.deepEqual(await exchange(client68, request({ vendorClass: 'PXEClient:Arch:00011', arch: 11 }), '255.255.255.255', 67), [], 'ARM64: no loader');
  assert.equal(events.at(-1)?.event, 'pxe-ignored');
  assert.deepEqual(await exchange(client68, request({ vendorClass: 'PXEClient', arch: 0, type: DHCP.RELEASE }), '255.255.255.255', 67), []);
  assert.deepEqual(await exchange(client68, request({ vendorClass: 'PXEClient', arch: 0, type: DHCP.REQUEST }), '255.255.255.255', 67), [], 'a proxy answers REQUESTs on 4011 only');
  await startServer({ answerPxe: false });
  try {
    assert.deepEqual(await exchange(client68, request({ vendorClass: 'PXEClient', arch: 0 }), '255.255.255.255', 67), []);
  } finally {
    await startServer();
  }
});

test('nothing is heard or answered on an interface the admin did not configure', { skip }, async () => {
  const other = await boundSocket(68, 'cli8');
  try {
    assert.deepEqual(await exchange(other, request({ vendorClass: 'PXEClient', arch: 0 }), '255.255.255.255', 67), []);
    assert.deepEqual(await exchange(other, request({ type: DHCP.REQUEST, vendorClass: 'PXEClient', arch: 0 }), '198.18.8.1', 4011), []);
  } finally {
    other.close();
  }
});

test('the response delay holds the answer back', { skip }, async () => {
  await startServer({ responseDelayMs: 1500 });
  try {
    assert.deepEqual(await exchange(client68, request({ vendorClass: 'PXEClient', arch: 0 }), '255.255.255.255', 67, 300), [], 'not before the delay');
    const late = await exchange(client68, Buffer.alloc(0), '255.255.255.255', 9, 2000);
    assert.equal(late[0]?.file, 'undionly.kpxe', 'after it');
  } finally {
    await startServer();
  }
});

test('Full mode (isolated lab) hands out addresses from its range with the boot information, and ACKs only its own lease', { skip }, async () => {
  await startServer({ mode: 'Full', addressRange: { start: '198.18.7.100', end: '198.18.7.101' } });
  try {
    const [offer] = await exchange(client68, request({ vendorClass: 'PXEClient', arch: 0, mac: '52:54:00:00:00:01' }), '255.255.255.255', 67);
    assert.deepEqual([offer!.yiaddr, offer!.file, [...offer!.options.get(OPTION.SUBNET_MASK)!].join('.')], ['198.18.7.100', 'undionly.kpxe', '255.255.255.0']);
    const plain = await exchange(client68, request({ mac: '52:54:00:00:00:02' }), '255.255.255.255', 67);
    assert.deepEqual([plain[0]!.yiaddr, plain[0]!.file], ['198.18.7.101', ''], 'a machine that is not PXE booting gets an address and no boot file');
    assert.deepEqual(await exchange(client68, request({ mac: '52:54:00:00:00:03' }), '255.255.255.255', 67), [], 'the range is used up');
    const ask = (address: string) => request({ type: DHCP.REQUEST, mac: '52:54:00:00:00:01', extra: [[OPTION.REQUESTED_ADDRESS, Buffer.from(address.split('.').map(Number))], [OPTION.SERVER_ID, Buffer.from(SERVER.split('.').map(Number))]] });
    const [ack] = await exchange(client68, ask('198.18.7.100'), '255.255.255.255', 67);
    assert.deepEqual([[...ack!.options.get(OPTION.MESSAGE_TYPE)!][0], ack!.yiaddr], [DHCP.ACK, '198.18.7.100']);
    const [nak] = await exchange(client68, ask('198.18.7.101'), '255.255.255.255', 67);
    assert.deepEqual([...nak!.options.get(OPTION.MESSAGE_TYPE)!], [DHCP.NAK]);
  } finally {
    await startServer();
  }
});

test('malformed datagrams are ignored and the server keeps answering (a small seeded fuzz)', { skip }, async () => {
  const valid = request({ vendorClass: 'PXEClient:Arch:00000', arch: 0 });
  let seed = 17;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
  const sender = await boundSocket(0, 'cli7');
  try {
    for (let i = 0; i < 300; i++) {
      const packet = Buffer.from(valid.subarray(0, Math.floor(random() * (valid.length + 20))));
      for (let flips = Math.floor(random() * 8); flips > 0; flips--) if (packet.length) packet[Math.floor(random() * packet.length)] = Math.floor(random() * 256);
      // The parser must never throw, whatever the bytes.
      parseDhcpRequest(packet);
      sender.send(packet, i % 2 ? 4011 : 67, i % 2 ? SERVER : '255.255.255.255');
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    sender.close();
  }
  const [offer] = await exchange(client68, valid, '255.255.255.255', 67);
  assert.equal(offer?.file, 'undionly.kpxe');
});
