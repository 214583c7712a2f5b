// The DP's PXE services, started and stopped with the DP service when PXE is enabled: the HTTP
// boot listener, TFTP and the DHCP responder, all on the one PXE interface (Set-DPPxe -Interface,
// else the DP's). If one cannot start, those already started are stopped and the error says why.
import { EngineError } from '../errors.js';
import type { SiteStore } from '../site/store.js';
import { dpSettings } from '../site/distribution-points.js';
import { servesBootFile } from './boot-folder.js';
import { bootImageById } from './boot-images.js';
import { PxeDhcpServer, type DhcpEvent } from './dhcp-server.js';
import { HttpBootListener, type BootScriptEvent } from './http-boot.js';
import { resolvePxeInterface } from './interface.js';
import type { PxeTickets } from './tickets.js';
import { TftpServer, type TftpEvent } from './tftp-server.js';

export type PxeEvent = DhcpEvent | TftpEvent | BootScriptEvent | { event: 'pxe-warning'; message: string };

export interface PxeListener {
  Service: 'proxyDHCP' | 'DHCP' | 'TFTP' | 'HTTP boot';
  Address: string;
}

export interface PxeServicesOptions {
  store: SiteStore;
  /** The DP's name: PXE runs with its settings. */
  dpName: string;
  /** The DP's interface: PXE answers there unless its own interface is set. */
  dpInterface: string;
  controlPort: number;
  fingerprint: string;
  tickets: PxeTickets;
  onEvent?: (event: PxeEvent) => void;
}

export class PxeServices {
  private http: HttpBootListener | null = null;
  private tftp: TftpServer | null = null;
  private dhcp: PxeDhcpServer | null = null;

  constructor(private readonly options: PxeServicesOptions) {}

  async start(): Promise<void> {
    const { store, onEvent } = this.options;
    const { pxe } = dpSettings(store.read(), this.options.dpName);
    const iface = resolvePxeInterface(pxe.interface ?? this.options.dpInterface);
    const warn = (message: string) => onEvent?.({ event: 'pxe-warning', message });
    if (!pxe.bootImageId) warn('No boot image is set for PXE (Set-DPPxe -BootImage): machines with a deployment boot from their disk until one is.');
    else if (!bootImageById(store, pxe.bootImageId)) warn(`Boot image ${pxe.bootImageId} is missing from ${store.home}/boot: machines boot from their disk until it is rebuilt or another is set.`);
    if (!['undionly.kpxe', 'snponly.efi', 'ipxe.efi'].some((name) => servesBootFile(pxe.bootFolder, name))) {
      warn(`The boot folder ${pxe.bootFolder} has none of undionly.kpxe, snponly.efi, ipxe.efi: PXE firmware gets no answer (Debian: apt-get install ipxe; or Set-DPPxe -BootFolder).`);
    }
    try {
      this.http = new HttpBootListener({ store, dpName: this.options.dpName, iface, port: pxe.httpPort, controlPort: this.options.controlPort, fingerprint: this.options.fingerprint, tickets: this.options.tickets, ...(onEvent ? { onEvent } : {}) });
      await this.http.start().catch((error: NodeJS.ErrnoException) => {
        throw new EngineError('PxePortUnavailable', 'ResourceUnavailable', `The HTTP boot listener cannot listen on ${iface.address}:${pxe.httpPort}: ${error.code === 'EADDRINUSE' ? 'the port is in use (Set-DPPxe -HttpPort chooses another)' : error.message}.`);
      });
      this.tftp = new TftpServer({ iface, folder: pxe.bootFolder, ...(onEvent ? { onEvent } : {}) });
      await this.tftp.start().catch((error: NodeJS.ErrnoException) => {
        throw new EngineError('PxePortUnavailable', 'ResourceUnavailable', `The TFTP server cannot listen on ${iface.name} UDP 69: ${error.code === 'EADDRINUSE' ? 'another TFTP server (tftpd, dnsmasq) listens there' : error.message}.`);
      });
      this.dhcp = new PxeDhcpServer({ iface, mode: pxe.dhcpMode, addressRange: pxe.addressRange, answerPxe: pxe.allowResponse, responseDelayMs: pxe.responseDelaySeconds * 1000, bootFolder: pxe.bootFolder, httpBase: this.http.httpBase, ...(onEvent ? { onEvent } : {}) });
      await this.dhcp.start();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** What listens where (Get-DPPxe). */
  listeners(): PxeListener[] {
    const mode: PxeListener['Service'] = dpSettings(this.options.store.read(), this.options.dpName).pxe.dhcpMode === 'Full' ? 'DHCP' : 'proxyDHCP';
    return [
      ...(this.dhcp?.listening.map((address) => ({ Service: mode, Address: address })) ?? []),
      ...(this.tftp ? [{ Service: 'TFTP' as const, Address: this.tftp.listening }] : []),
      ...(this.http ? [{ Service: 'HTTP boot' as const, Address: this.http.listening }] : []),
    ];
  }

  async stop(): Promise<void> {
    await this.dhcp?.stop();
    await this.tftp?.stop();
    await this.http?.stop();
    this.dhcp = this.tftp = this.http = null;
  }
}
