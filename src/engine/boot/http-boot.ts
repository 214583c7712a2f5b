// The DP's plain-HTTP boot listener (contract 4), on the PXE interface's address:
//   GET /boot/ipxe?mac=…&uuid=…&arch=…      the machine's iPXE script (boot image, prompt, password or local boot)
//   GET /boot/<BootImageId>/vmlinuz         the boot image's kernel
//   GET /boot/<BootImageId>/initrd.img      its initramfs
//   GET /boot/<loader>                      iPXE's first stages, for UEFI HTTP boot (snponly.efi, ipxe.efi)
// Nothing secret is served: the boot image holds none, and the script carries only the DP's
// address and certificate fingerprint (and a one-time ticket after the PXE password).
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { normalizeMac } from '../deploy/targeting.js';
import { RateLimiter } from '../dp/rate-limit.js';
import { dpSettings } from '../site/distribution-points.js';
import type { DPPxeSettings, SiteState } from '../site/model.js';
import type { SiteStore } from '../site/store.js';
import { resolveBootFile } from './boot-folder.js';
import { bootImageById } from './boot-images.js';
import type { PxeInterface } from './interface.js';
import { bootImageScript, localBootScript, passwordScript, promptScript } from './ipxe-script.js';
import { machineDecision } from './pxe-deployments.js';
import { checkPxePassword } from './settings.js';
import type { PxeTickets } from './tickets.js';

/** Loaders a UEFI HTTP-boot client may fetch by HTTP (the DHCP answer names one of them). */
const LOADERS = new Set(['snponly.efi', 'ipxe.efi']);
const IMAGE_FILE = /^\/boot\/(BOOT\d{4,})\/(vmlinuz|initrd\.img)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Script requests per second per address, as the control endpoint allows (iPXE asks a few times per boot). */
const SCRIPTS_PER_SECOND = 20;
/** PXE password attempts per second per address (each costs a scrypt; a guesser gets few). */
const PASSWORDS_PER_SECOND = 0.5;

export interface BootScriptEvent {
  event: 'pxe-script';
  address: string;
  mac: string | null;
  uuid: string | null;
  arch: string | null;
  device: string | null;
  action: 'deploy' | 'prompt' | 'password' | 'localboot';
  deploymentId?: string;
  reason?: string;
}

export interface HttpBootOptions {
  store: SiteStore;
  /** The DP's name: boot scripts follow its PXE settings (absent: the site's defaults). */
  dpName?: string;
  iface: PxeInterface;
  port: number;
  /** Port of the DP's control endpoint (HTTPS), for the kernel command line. */
  controlPort: number;
  fingerprint: string;
  tickets: PxeTickets;
  onEvent?: (event: BootScriptEvent) => void;
}

export class HttpBootListener {
  private server: Server | null = null;
  private address: AddressInfo | null = null;
  private readonly limiter = new RateLimiter(SCRIPTS_PER_SECOND);
  private readonly passwordLimiter = new RateLimiter(PASSWORDS_PER_SECOND, 5);

  constructor(private readonly options: HttpBootOptions) {}

  private pxe(site: SiteState): DPPxeSettings {
    return dpSettings(site, this.options.dpName ?? null).pxe;
  }

  get httpBase(): string {
    return `http://${this.options.iface.address}:${this.address?.port ?? this.options.port}`;
  }

  get listening(): string {
    return `tcp ${this.options.iface.address}:${this.address?.port ?? this.options.port}`;
  }

  async start(): Promise<AddressInfo> {
    const server = createServer((request, response) => {
      try {
        this.route(request, response);
      } catch (error) {
        send(response, 500, `error: ${(error as Error).message}\n`);
      }
    });
    server.headersTimeout = 5_000;
    server.requestTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.iface.address, () => resolve());
    });
    this.server = server;
    this.address = server.address() as AddressInfo;
    return this.address;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private route(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://boot.invalid');
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'only GET\n');
    if (url.pathname === '/boot/ipxe') {
      const address = request.socket.remoteAddress ?? '';
      const limited = this.limiter.take(address) !== 'allowed' || (url.searchParams.has('password') && this.passwordLimiter.take(address) !== 'allowed');
      if (limited) return send(response, 429, '#!ipxe\necho mcshell: too many requests; booting from the local disk\nexit\n');
      return send(response, 200, this.script(url.searchParams, request.socket.remoteAddress ?? ''), 'text/plain');
    }
    const image = IMAGE_FILE.exec(url.pathname);
    if (image) return this.sendImageFile(request, response, image[1]!, image[2]!);
    const loader = /^\/boot\/([a-z.]+)$/.exec(url.pathname)?.[1];
    if (loader && LOADERS.has(loader)) {
      const file = resolveBootFile(this.pxe(this.options.store.read()).bootFolder, loader);
      if ('path' in file) return sendFile(request, response, file.path, file.size);
    }
    send(response, 404, 'not found\n');
  }

  /** The iPXE script for the machine the query names. */
  private script(query: URLSearchParams, address: string): string {
    const site = this.options.store.read();
    const mac = normalizeMac(query.get('mac') ?? '');
    const uuidText = (query.get('uuid') ?? '').toLowerCase();
    const uuid = UUID.test(uuidText) && !/^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(uuidText) ? uuidText : null;
    const arch = /^\d{1,5}$/.test(query.get('arch') ?? '') ? query.get('arch')! : null;
    const { device, decision } = machineDecision(site, mac, uuid, new Date(), this.pxe(site));
    const log = (action: BootScriptEvent['action'], extra: Partial<BootScriptEvent> = {}) =>
      this.options.onEvent?.({ event: 'pxe-script', address, mac, uuid, arch, device: device?.name ?? null, action, ...extra });
    if (!mac) {
      log('localboot', { reason: 'no MAC address in the request' });
      return localBootScript('this request names no MAC address');
    }
    if (decision.action === 'localboot') {
      log('localboot', { reason: decision.reason });
      return localBootScript(decision.reason);
    }
    const pxe = this.pxe(site);
    const deploymentId = decision.assignment.deployment.id;
    const bootImage = pxe.bootImageId ? bootImageById(this.options.store, pxe.bootImageId) : undefined;
    if (!bootImage) {
      const reason = pxe.bootImageId ? `boot image ${pxe.bootImageId} is missing from the site` : 'no boot image is set for PXE (Set-DPPxe -BootImage)';
      log('localboot', { deploymentId, reason });
      return localBootScript(`deployment ${deploymentId} waits, but ${reason}`);
    }
    const self = `${this.httpBase}/boot/ipxe?mac=${mac.replaceAll(':', '-')}&uuid=${uuid ?? ''}&arch=${arch ?? ''}`;
    const confirmed = query.get('confirmed') === '1';
    if (decision.action === 'prompt' && !confirmed) {
      log('prompt', { deploymentId });
      return promptScript(self, `deployment ${deploymentId} is available to this machine`, pxe.promptSeconds);
    }
    const next = confirmed ? `${self}&confirmed=1` : self;
    let ticket: string | undefined;
    if (pxe.passwordHash) {
      const password = query.get('password');
      if (password === null || !checkPxePassword(pxe.passwordHash, password)) {
        log('password', { deploymentId, ...(password !== null ? { reason: 'wrong PXE password' } : {}) });
        return passwordScript(next, password !== null);
      }
      ticket = this.options.tickets.issue(mac);
    }
    log('deploy', { deploymentId });
    const target = { httpBase: this.httpBase, bootImageId: bootImage.id, dp: `${this.options.iface.address}:${this.options.controlPort}`, fingerprint: this.options.fingerprint, mac, uuid, kernelArguments: bootImage.kernelArguments, ...(ticket ? { ticket } : {}) };
    return bootImageScript(target, `booting boot image ${bootImage.id} for deployment ${deploymentId}`);
  }

  private sendImageFile(request: IncomingMessage, response: ServerResponse, id: string, file: string): void {
    const image = bootImageById(this.options.store, id);
    const path = image && (file === 'vmlinuz' ? image.kernelPath : image.initrdPath);
    let size: number | null = null;
    try {
      size = path ? statSync(path).size : null;
    } catch {
      // gone
    }
    if (!path || size === null) return send(response, 404, 'not found\n');
    sendFile(request, response, path, size);
  }
}

function send(response: ServerResponse, status: number, body: string, type = 'text/plain'): void {
  response.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' }).end(body);
}

function sendFile(request: IncomingMessage, response: ServerResponse, path: string, size: number): void {
  response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  createReadStream(path).on('error', () => response.destroy()).pipe(response);
}
