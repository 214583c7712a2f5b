// DHCP packets (RFC 2131/2132) as PXE uses them (PXE 2.1, RFC 4578): parsing a client's
// DISCOVER/REQUEST and building the server's OFFER/ACK. Parsing never throws: a packet that is
// not a well-formed BOOTREQUEST gives null, so a malformed datagram is simply ignored.

export const DHCP = { DISCOVER: 1, OFFER: 2, REQUEST: 3, DECLINE: 4, ACK: 5, NAK: 6, RELEASE: 7, INFORM: 8 } as const;

export const OPTION = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  REQUESTED_ADDRESS: 50,
  LEASE_TIME: 51,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  VENDOR_CLASS: 60,
  CLIENT_ID: 61,
  TFTP_SERVER: 66,
  BOOT_FILE: 67,
  USER_CLASS: 77,
  CLIENT_ARCH: 93,
  CLIENT_NDI: 94,
  CLIENT_UUID: 97,
  VENDOR_OPTIONS: 43,
  END: 255,
} as const;

const MAGIC_COOKIE = 0x63825363;
/** The fixed BOOTP header before the magic cookie. */
const HEADER_BYTES = 236;
/** sname follows op … giaddr (28 bytes) and chaddr (16). */
const SNAME_OFFSET = 44;
const FILE_OFFSET = SNAME_OFFSET + 64;
const OPTIONS_OFFSET = HEADER_BYTES + 4;
/** Every reply is padded to the BOOTP minimum, which some PXE ROMs insist on. */
const MIN_REPLY_BYTES = 300;

export interface DhcpRequest {
  op: number;
  htype: number;
  hlen: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: string;
  giaddr: string;
  /** The client's hardware address, lowercase colon form (Ethernet: 6 bytes). */
  mac: string;
  chaddr: Buffer;
  /** Options by code; a code that appears more than once is concatenated (RFC 3396). */
  options: Map<number, Buffer>;
  messageType: number | null;
  vendorClass: string;
  /** User classes (option 77): iPXE sends the bare string `iPXE`; RFC 3004 clients a list. */
  userClasses: string[];
  /** Client system architecture (option 93): 0 BIOS, 6 EFI IA32, 7 EFI BC, 9 EFI x64, 16 EFI x64 HTTP … */
  arch: number | null;
  /** Client machine identifier (option 97), as SMBIOS writes it (lowercase, dashed); null without one. */
  uuid: string | null;
}

export interface DhcpReply {
  messageType: number;
  request: DhcpRequest;
  yiaddr?: string;
  siaddr: string;
  /** Boot file name (BOOTP `file` field and option 67). */
  file?: string;
  options: [number, Buffer][];
}

const ipv4 = (bytes: Buffer, offset: number) => `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;

export function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

/** A BOOTREQUEST with the DHCP magic cookie, or null (wrong op, short, bad cookie, options that run past the end). */
export function parseDhcpRequest(bytes: Buffer): DhcpRequest | null {
  if (bytes.length < OPTIONS_OFFSET || bytes[0] !== 1 || bytes.readUInt32BE(HEADER_BYTES) !== MAGIC_COOKIE) return null;
  const hlen = bytes[2]!;
  if (bytes[1] !== 1 || hlen !== 6) return null; // Ethernet only: PXE is Ethernet here
  const options = new Map<number, Buffer>();
  let at = OPTIONS_OFFSET;
  for (;;) {
    if (at >= bytes.length) break; // some clients omit END
    const code = bytes[at]!;
    if (code === OPTION.END) break;
    if (code === OPTION.PAD) {
      at++;
      continue;
    }
    if (at + 1 >= bytes.length) return null;
    const length = bytes[at + 1]!;
    if (at + 2 + length > bytes.length) return null;
    const value = bytes.subarray(at + 2, at + 2 + length);
    const earlier = options.get(code);
    options.set(code, earlier ? Buffer.concat([earlier, value]) : Buffer.from(value));
    at += 2 + length;
  }
  const chaddr = Buffer.from(bytes.subarray(28, 28 + 16));
  const messageType = options.get(OPTION.MESSAGE_TYPE)?.length === 1 ? options.get(OPTION.MESSAGE_TYPE)![0]! : null;
  const arch = options.get(OPTION.CLIENT_ARCH);
  return {
    op: 1,
    htype: 1,
    hlen,
    xid: bytes.readUInt32BE(4),
    secs: bytes.readUInt16BE(8),
    flags: bytes.readUInt16BE(10),
    ciaddr: ipv4(bytes, 12),
    giaddr: ipv4(bytes, 24),
    mac: [...chaddr.subarray(0, 6)].map((byte) => byte.toString(16).padStart(2, '0')).join(':'),
    chaddr,
    options,
    messageType,
    vendorClass: printable(options.get(OPTION.VENDOR_CLASS)),
    userClasses: userClasses(options.get(OPTION.USER_CLASS)),
    arch: arch && arch.length >= 2 ? arch.readUInt16BE(0) : null,
    uuid: clientUuid(options.get(OPTION.CLIENT_UUID)),
  };
}

/** Text of an option, with anything unprintable dropped (it ends up in logs). */
function printable(value: Buffer | undefined): string {
  return value ? value.toString('latin1').replace(/[^\x20-\x7e]/g, '') : '';
}

/** iPXE sends option 77 as the bare string `iPXE`; RFC 3004 says length-prefixed items. Both are read. */
function userClasses(value: Buffer | undefined): string[] {
  if (!value || value.length === 0) return [];
  const items: string[] = [];
  let at = 0;
  while (at < value.length) {
    const length = value[at]!;
    if (length === 0 || at + 1 + length > value.length) return [printable(value)];
    items.push(printable(value.subarray(at + 1, at + 1 + length)));
    at += 1 + length;
  }
  return items;
}

/**
 * Option 97: a type byte (0) and the 16 bytes of the SMBIOS UUID, whose first three fields are
 * little-endian (as SMBIOS 2.6 stores them); shown as Linux's product_uuid shows it.
 */
function clientUuid(value: Buffer | undefined): string | null {
  if (!value || value.length !== 17 || value[0] !== 0) return null;
  const raw = value.subarray(1);
  if (raw.every((byte) => byte === 0) || raw.every((byte) => byte === 0xff)) return null;
  const hex = (bytes: Buffer) => bytes.toString('hex');
  const swapped = (start: number, end: number) => hex(Buffer.from(raw.subarray(start, end)).reverse());
  return `${swapped(0, 4)}-${swapped(4, 6)}-${swapped(6, 8)}-${hex(raw.subarray(8, 10))}-${hex(raw.subarray(10, 16))}`;
}

export function isIpxe(request: DhcpRequest): boolean {
  return request.userClasses.includes('iPXE');
}

/** PXE firmware sends `PXEClient:Arch:…`, UEFI HTTP boot `HTTPClient:Arch:…`. */
export function pxeClientKind(request: DhcpRequest): 'PXEClient' | 'HTTPClient' | null {
  if (request.vendorClass.startsWith('PXEClient')) return 'PXEClient';
  if (request.vendorClass.startsWith('HTTPClient')) return 'HTTPClient';
  return null;
}

/** The server's BOOTREPLY: header fields from the request, the given addresses, then the options and END. */
export function buildDhcpReply(reply: DhcpReply): Buffer {
  const { request } = reply;
  const options: [number, Buffer][] = [[OPTION.MESSAGE_TYPE, Buffer.from([reply.messageType])], ...reply.options];
  if (reply.file !== undefined) options.push([OPTION.BOOT_FILE, Buffer.from(reply.file, 'latin1')]);
  const encoded: Buffer[] = [];
  for (const [code, value] of options) {
    // Values over 255 bytes are split into repeated options (RFC 3396).
    for (let at = 0; at < value.length || at === 0; at += 255) {
      const part = value.subarray(at, at + 255);
      encoded.push(Buffer.from([code, part.length]), part);
      if (value.length === 0) break;
    }
  }
  encoded.push(Buffer.from([OPTION.END]));
  const body = Buffer.concat(encoded);
  const packet = Buffer.alloc(Math.max(MIN_REPLY_BYTES, OPTIONS_OFFSET + body.length));
  packet[0] = 2; // BOOTREPLY
  packet[1] = request.htype;
  packet[2] = request.hlen;
  packet.writeUInt32BE(request.xid, 4);
  packet.writeUInt16BE(request.flags, 10);
  ipv4Bytes(reply.yiaddr ?? '0.0.0.0').copy(packet, 16);
  ipv4Bytes(reply.siaddr).copy(packet, 20);
  ipv4Bytes(request.giaddr).copy(packet, 24);
  request.chaddr.copy(packet, 28);
  // The BOOTP file field holds 128 bytes; a longer name (an iPXE script URL) is in option 67 only.
  if (reply.file !== undefined && Buffer.byteLength(reply.file, 'latin1') < 128) packet.write(reply.file, FILE_OFFSET, 'latin1');
  packet.writeUInt32BE(MAGIC_COOKIE, HEADER_BYTES);
  body.copy(packet, OPTIONS_OFFSET);
  return packet;
}

/** What a reply says, read back (for tests and the log): the header fields and options by code. */
export function parseDhcpReply(bytes: Buffer): { op: number; xid: number; yiaddr: string; siaddr: string; file: string; mac: string; options: Map<number, Buffer> } | null {
  if (bytes.length < OPTIONS_OFFSET || bytes[0] !== 2 || bytes.readUInt32BE(HEADER_BYTES) !== MAGIC_COOKIE) return null;
  const asRequest = Buffer.from(bytes);
  asRequest[0] = 1;
  const parsed = parseDhcpRequest(asRequest);
  if (!parsed) return null;
  const file = bytes.subarray(FILE_OFFSET, FILE_OFFSET + 128);
  const end = file.indexOf(0);
  return { op: 2, xid: parsed.xid, yiaddr: ipv4(bytes, 16), siaddr: ipv4(bytes, 20), file: file.subarray(0, end < 0 ? 128 : end).toString('latin1'), mac: parsed.mac, options: parsed.options };
}
