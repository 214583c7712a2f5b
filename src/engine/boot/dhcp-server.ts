// The DP's PXE DHCP responder. In ProxyDhcp mode (the default) it answers PXE and UEFI HTTP-boot
// clients with boot information only (next server, boot file, PXE discovery control) and never an
// address, so it works beside the network's own DHCP server: an OFFER to a DISCOVER on UDP 67 and
// an ACK to a REQUEST on UDP 4011. In Full mode, for an isolated lab with no DHCP server, it is
// that server: it also hands out addresses from its range (leases kept in memory).
// The boot file depends on the client: iPXE (user class `iPXE`) gets the URL of its per-machine
// script, so the chain does not loop; BIOS PXE gets undionly.kpxe, UEFI x64 snponly.efi (or
// ipxe.efi), UEFI HTTP boot the HTTP URL of that loader.
// Its sockets are tied to the configured interface (SO_BINDTODEVICE): it hears and answers
// nothing on any other interface.
import type { RemoteInfo, Socket } from 'node:dgram';
import { EngineError } from '../errors.js';
import { formatIPv4, parseIPv4 } from '../site/ipv4.js';
import type { PxeDhcpMode } from '../site/model.js';
import { nativeAddon } from '../transport/native.js';
import { servesBootFile } from './boot-folder.js';
import { buildDhcpReply, DHCP, ipv4Bytes, isIpxe, OPTION, parseDhcpRequest, pxeClientKind, type DhcpRequest } from './dhcp-packet.js';
import { inSubnet, type PxeInterface } from './interface.js';
import { closeSocket, interfaceUdpSocket } from './sockets.js';

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
export const PXE_PORT = 4011;
const LEASE_SECONDS = 3600;
/** PXE discovery control (option 43, sub-option 6) = 8: boot the file in this offer, no discovery or menu. */
const PXE_VENDOR_OPTIONS = Buffer.from([6, 1, 8, 255]);

/** Client architectures (option 93, RFC 4578 and IANA) and what they boot. */
export const ARCH = { BIOS: 0, EFI_IA32: 6, EFI_BC: 7, EFI_X64: 9, EFI_X64_HTTP: 16 } as const;

export interface DhcpEvent {
  event: 'pxe-offer' | 'pxe-ack' | 'dhcp-lease' | 'pxe-ignored';
  mac: string;
  arch: number | null;
  uuid: string | null;
  ipxe: boolean;
  bootFile?: string;
  address?: string;
  reason?: string;
}

export interface PxeDhcpOptions {
  iface: PxeInterface;
  mode: PxeDhcpMode;
  /** Full mode: the addresses handed out. */
  addressRange: { start: string; end: string } | null;
  /** Answer PXE clients (ConfigMgr's AllowPxeResponse); Full mode hands out addresses either way. */
  answerPxe: boolean;
  responseDelayMs: number;
  /** Folder holding iPXE's first stages (TFTP serves it). */
  bootFolder: string;
  /** `http://<address>:<port>` of the HTTP boot listener. */
  httpBase: string;
  /** Ports, for tests that cannot use the real ones (default 67, 4011, 68). */
  ports?: { server: number; pxe: number; client: number };
  onEvent?: (event: DhcpEvent) => void;
}

export class PxeDhcpServer {
  private sockets: Socket[] = [];
  private readonly leases = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: PxeDhcpOptions) {
    if (options.mode === 'Full') {
      const range = options.addressRange;
      if (!range) throw new EngineError('DhcpRangeRequired', 'InvalidArgument', 'DhcpMode Full needs an address range (Set-DPPxe -DhcpStartAddress -DhcpEndAddress).');
      for (const address of [range.start, range.end]) {
        if (!inSubnet(options.iface, address)) {
          throw new EngineError('InvalidAddressRange', 'InvalidArgument', `The DHCP range ${range.start}-${range.end} is not in the subnet of ${options.iface.name} (${options.iface.address}/${options.iface.netmask}).`, range);
        }
      }
    }
  }

  /** Where it listens, for Get-DPPxe. */
  get listening(): string[] {
    const ports = this.ports;
    return [`udp ${this.options.iface.name}:${ports.server}`, `udp ${this.options.iface.name}:${ports.pxe}`];
  }

  private get ports() {
    return this.options.ports ?? { server: DHCP_SERVER_PORT, pxe: PXE_PORT, client: DHCP_CLIENT_PORT };
  }

  async start(): Promise<void> {
    const addon = nativeAddon();
    if (!addon) {
      throw new EngineError(
        'PxeNeedsNativeAddon',
        'ResourceUnavailable',
        "The PXE DHCP responder needs mcshell's native addon (it ties its sockets to the PXE interface, so it never answers on another); it was not built: install a C compiler (Debian: build-essential) and run npm rebuild, and do not set MCSHELL_NATIVE=0.",
      );
    }
    try {
      for (const port of [this.ports.server, this.ports.pxe]) {
        const socket: Socket = await interfaceUdpSocket(port, this.options.iface, (message, remote) => this.receive(socket, port, message, remote));
        this.sockets.push(socket);
      }
    } catch (error) {
      await this.stop();
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'EADDRINUSE' ? 'another DHCP or PXE server (dnsmasq, WDS…) already listens there' : code === 'EACCES' ? 'ports below 1024 need root (or CAP_NET_BIND_SERVICE)' : (error as Error).message;
      throw new EngineError('PxePortUnavailable', 'ResourceUnavailable', `The PXE DHCP responder cannot listen on ${this.options.iface.name} UDP ${this.ports.server} and ${this.ports.pxe}: ${why}.`);
    }
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const sockets = this.sockets;
    this.sockets = [];
    await Promise.all(sockets.map(closeSocket));
  }

  private receive(socket: Socket, port: number, message: Buffer, remote: RemoteInfo): void {
    const request = parseDhcpRequest(message);
    if (!request) return;
    const reply = port === this.ports.pxe ? this.answerPxeRequest(request) : this.answerDhcp(request);
    if (!reply) return;
    // On 4011 the client has its address: answer it where it asked from. On 67 it may have none:
    // broadcast on the interface (or to its relay).
    const [host, destination] = port === this.ports.pxe ? [remote.address, remote.port] : request.giaddr !== '0.0.0.0' ? [request.giaddr, this.ports.server] : ['255.255.255.255', this.ports.client];
    const send = () => socket.send(reply, destination, host);
    if (this.options.responseDelayMs <= 0) return send();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send();
    }, this.options.responseDelayMs);
    this.timers.add(timer);
  }

  /** Port 67: DISCOVER → OFFER, REQUEST → ACK (Full mode), boot information for PXE clients. */
  private answerDhcp(request: DhcpRequest): Buffer | null {
    const full = this.options.mode === 'Full';
    const boot = this.bootInformation(request);
    if (request.messageType === DHCP.DISCOVER) {
      if (!full) return boot ? this.reply(DHCP.OFFER, request, boot, 'pxe-offer') : null;
      const address = this.lease(request.mac);
      if (!address) return this.ignored(request, `no free address left in the DHCP range`);
      return this.reply(DHCP.OFFER, request, boot, 'dhcp-lease', address);
    }
    if (request.messageType === DHCP.REQUEST && full) {
      // A REQUEST for another server's offer is none of ours.
      const server = request.options.get(OPTION.SERVER_ID);
      if (server && server.length === 4 && !server.equals(ipv4Bytes(this.options.iface.address))) return null;
      const wanted = request.options.get(OPTION.REQUESTED_ADDRESS);
      const asked = wanted?.length === 4 ? [...wanted].join('.') : request.ciaddr;
      const address = this.leases.get(request.mac);
      if (!address || (asked !== '0.0.0.0' && asked !== address)) return this.reply(DHCP.NAK, request, null, 'dhcp-lease');
      return this.reply(DHCP.ACK, request, boot, 'dhcp-lease', address);
    }
    return null;
  }

  /** Port 4011: a PXE client's REQUEST for its boot file → ACK with boot information only. */
  private answerPxeRequest(request: DhcpRequest): Buffer | null {
    if (request.messageType !== DHCP.REQUEST && request.messageType !== DHCP.INFORM) return null;
    const boot = this.bootInformation(request);
    return boot ? this.reply(DHCP.ACK, request, boot, 'pxe-ack') : null;
  }

  private reply(messageType: number, request: DhcpRequest, boot: BootInformation | null, event: DhcpEvent['event'], address?: string): Buffer {
    const options: [number, Buffer][] = [[OPTION.SERVER_ID, ipv4Bytes(this.options.iface.address)]];
    if (address) options.push([OPTION.LEASE_TIME, uint32(LEASE_SECONDS)], [OPTION.SUBNET_MASK, ipv4Bytes(this.options.iface.netmask)]);
    if (boot) {
      options.push([OPTION.VENDOR_CLASS, Buffer.from(boot.vendorClass)]);
      const uuid = request.options.get(OPTION.CLIENT_UUID);
      if (uuid) options.push([OPTION.CLIENT_UUID, uuid]);
      if (boot.vendorClass === 'PXEClient') options.push([OPTION.VENDOR_OPTIONS, PXE_VENDOR_OPTIONS]);
      if (!boot.file.startsWith('http://')) options.push([OPTION.TFTP_SERVER, Buffer.from(this.options.iface.address)]);
    }
    this.options.onEvent?.({ event, mac: request.mac, arch: request.arch, uuid: request.uuid, ipxe: isIpxe(request), ...(boot ? { bootFile: boot.file } : {}), ...(address ? { address } : {}) });
    return buildDhcpReply({ messageType, request, siaddr: this.options.iface.address, ...(address ? { yiaddr: address } : {}), ...(boot ? { file: boot.file } : {}), options });
  }

  private ignored(request: DhcpRequest, reason: string): null {
    this.options.onEvent?.({ event: 'pxe-ignored', mac: request.mac, arch: request.arch, uuid: request.uuid, ipxe: isIpxe(request), reason });
    return null;
  }

  /** What a PXE client boots, or null for a client that is not one (or an architecture with no loader). */
  private bootInformation(request: DhcpRequest): BootInformation | null {
    const kind = pxeClientKind(request);
    if (!kind || !this.options.answerPxe) return null;
    const arch = request.arch ?? ARCH.BIOS;
    if (isIpxe(request)) return { vendorClass: kind, file: `${this.options.httpBase}/boot/ipxe?mac=${request.mac.replaceAll(':', '-')}&uuid=\${uuid}&arch=${arch}` };
    if (arch === ARCH.BIOS) return this.loader(request, kind, 'undionly.kpxe');
    if (arch === ARCH.EFI_BC || arch === ARCH.EFI_X64) return this.loader(request, kind, 'snponly.efi', 'ipxe.efi');
    if (arch === ARCH.EFI_X64_HTTP) {
      const loader = this.loader(request, kind, 'snponly.efi', 'ipxe.efi');
      return loader && { vendorClass: 'HTTPClient', file: `${this.options.httpBase}/boot/${loader.file}` };
    }
    return this.ignored(request, `client architecture ${arch} has no boot loader here (BIOS 0, UEFI x64 7/9, UEFI x64 HTTP 16)`);
  }

  private loader(request: DhcpRequest, vendorClass: 'PXEClient' | 'HTTPClient', ...files: string[]): BootInformation | null {
    const file = files.find((name) => servesBootFile(this.options.bootFolder, name));
    if (!file) return this.ignored(request, `none of ${files.join(', ')} is in the boot folder ${this.options.bootFolder} (Debian: apt-get install ipxe, or Set-DPPxe -BootFolder)`);
    return { vendorClass, file };
  }

  /** The client's address in Full mode: the one it had, else the first free one of the range. */
  private lease(mac: string): string | null {
    const known = this.leases.get(mac);
    if (known) return known;
    const taken = new Set(this.leases.values());
    const start = parseIPv4(this.options.addressRange!.start)!;
    const end = parseIPv4(this.options.addressRange!.end)!;
    for (let address = start; address <= end; address++) {
      const text = formatIPv4(address);
      if (!taken.has(text) && text !== this.options.iface.address) {
        this.leases.set(mac, text);
        return text;
      }
    }
    return null;
  }
}

interface BootInformation {
  vendorClass: 'PXEClient' | 'HTTPClient';
  file: string;
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}
