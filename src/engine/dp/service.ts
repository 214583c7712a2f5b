// The distribution point service: the site's multicast sessions plus the control endpoint that
// client agents talk to. The embedded default serves on loopback only; serving a LAN needs the
// DP's interface set explicitly (Set-DPMulticast -Interface). Its admin socket in the site home
// lets the session cmdlets of other processes on this machine watch and control it.
import type { AddressInfo } from 'node:net';
import { EngineError } from '../errors.js';
import { sweepStaleCaptures } from '../content/capture.js';
import type { SiteStore } from '../site/store.js';
import { resolveInterface } from '../transport/index.js';
import { siteIdentity } from '../site/identity.js';
import { defaultDPName, dpSettings, validateDPName } from '../site/distribution-points.js';
import { findImage } from '../content/library.js';
import { PxeServices, type PxeEvent, type PxeListener } from '../boot/pxe-services.js';
import { AdminEndpoint } from './admin-endpoint.js';
import { ControlEndpoint, type RefusalEvent } from './control.js';
import { ContentPuller } from './content-puller.js';
import { FleetMember, type FleetEvents } from './fleet-member.js';
import { adminSocketPath, isActive, type DPControl, type SessionChange } from './dp-control.js';
import { MulticastSessions, type MulticastSession, type SessionClient, type SessionEvents } from './sessions.js';

/** Default TCP port of the control endpoint. */
export const DEFAULT_CONTROL_PORT = 8734;

export interface DPServiceOptions {
  /** The DP's name in the site (default: this host's name in upper case, defaultDPName). */
  name?: string;
  /** Sessions the fleet closed as failed, and heartbeats not saved, for the log. */
  fleet?: FleetEvents;
  /** Control endpoint port (0 = any free port). */
  port?: number;
  /** Overrides the DP's configured interface for this run. */
  interface?: string;
  joinWaitSeconds?: number;
  receiverTimeoutSeconds?: number;
  /** Enroll/hello/content requests per second per source address (see control.ts). */
  requestsPerSecond?: number;
  /** Requests the control endpoint refused (not enrolled, not targeted, rate-limited …), for the log. */
  onRefused?: (event: RefusalEvent) => void;
  /** What the PXE services did (offers, TFTP transfers, boot scripts, warnings), for the log. */
  onPxeEvent?: (event: PxeEvent) => void;
  /**
   * Where the admin socket goes (default dp.sock in the site home). Several DPs of one file-store
   * site on one machine need one each, until a DP's local home is apart from the site.
   */
  adminSocket?: string;
}

export class DPService implements DPControl {
  readonly sessions: MulticastSessions;
  private readonly control: ControlEndpoint;
  private readonly admin: AdminEndpoint;
  private address: AddressInfo | null = null;
  /** The PXE services, while PXE is enabled and the service runs. */
  private pxe: PxeServices | null = null;
  /** Pulls the content distributed to this DP, while the service runs (content-puller.ts). */
  private puller: ContentPuller | null = null;
  readonly interface: string;
  /** The DP's name in the site: its record, its settings and the sessions it runs are under it. */
  readonly name: string;
  private readonly fleet: FleetMember;
  /** What start() could not set up but served without (e.g. the admin socket on a read-only site disk). */
  readonly warnings: string[] = [];
  /** Where other processes watch and control this DP; null when it could not be created. */
  adminSocket: string | null = null;

  constructor(
    readonly store: SiteStore,
    private readonly options: DPServiceOptions = {},
  ) {
    this.name = validateDPName(options.name ?? defaultDPName());
    this.interface = options.interface ?? dpSettings(store.read(), this.name).interface;
    this.fleet = new FleetMember(store, this.name, { onWarning: (message) => process.emitWarning(message), ...options.fleet }, () => new Set(this.sessions.list().map((session) => session.id)));
    this.sessions = new MulticastSessions({
      store,
      distributionPoint: this.name,
      interface: this.interface,
      ...(options.joinWaitSeconds !== undefined ? { joinWaitSeconds: options.joinWaitSeconds } : {}),
      ...(options.receiverTimeoutSeconds !== undefined ? { receiverTimeoutSeconds: options.receiverTimeoutSeconds } : {}),
    });
    this.admin = new AdminEndpoint(this, () => ({ pid: process.pid, site: store.home, endpoint: this.endpoint, interface: this.interface }));
    this.control = new ControlEndpoint(store, this.sessions, {
      ...(options.requestsPerSecond !== undefined ? { requestsPerSecond: options.requestsPerSecond } : {}),
      ...(options.onRefused ? { onRefused: options.onRefused } : {}),
      admin: this.admin,
    });
  }

  /** Starts listening on the DP interface's address; returns where clients reach it. */
  async start(): Promise<{ host: string; port: number }> {
    if (this.address) throw new EngineError('DPServiceRunning', 'InvalidOperation', `The DP service already listens on ${this.endpoint}.`);
    let host: string;
    try {
      host = resolveInterface(this.interface);
    } catch (error) {
      throw new EngineError('InterfaceNotFound', 'ObjectNotFound', `The DP interface '${this.interface}' cannot be used: ${(error as Error).message}. Set it with Set-DPMulticast -Interface.`, this.interface);
    }
    // The identity first: it creates the site if this is its first use (the socket lives in its home).
    const identity = await siteIdentity(this.store);
    // Then the admin socket: it refuses while another process serves this site.
    const socket = this.options.adminSocket ?? adminSocketPath(this.store.home);
    try {
      await this.admin.listen(socket);
      this.adminSocket = socket;
    } catch (error) {
      if (!(error instanceof EngineError && error.id === 'AdminSocketDiskUnavailable')) throw error;
      this.warnings.push(error.message);
    }
    // Captures abandoned for days go before clients may start new ones.
    await sweepStaleCaptures(this.store);
    try {
      this.address = await this.control.listen(host, this.options.port ?? DEFAULT_CONTROL_PORT, identity);
    } catch (error) {
      await this.admin.close();
      throw new EngineError('ControlPortUnavailable', 'ResourceUnavailable', `The control endpoint cannot listen on ${host}:${this.options.port ?? DEFAULT_CONTROL_PORT}: ${(error as Error).message}.`);
    }
    // Then the site's record of this DP: refused while another DP runs under its name.
    try {
      await this.fleet.join(this.endpoint, identity, this.interface);
    } catch (error) {
      await this.stop();
      throw error;
    }
    if (this.sessions.settings().pxe.enabled) {
      const pxe = new PxeServices({
        store: this.store,
        dpName: this.name,
        dpInterface: this.interface,
        controlPort: this.address.port,
        fingerprint: identity.fingerprint,
        tickets: this.control.tickets,
        ...(this.options.onPxeEvent ? { onEvent: this.options.onPxeEvent } : {}),
      });
      try {
        await pxe.start();
      } catch (error) {
        await this.stop();
        if (error instanceof EngineError) error.message += ' The DP did not start; fix that, or run it without PXE (Set-DPPxe -Enable:$false).';
        throw error;
      }
      this.pxe = pxe;
    }
    // The content distributed to this DP: pulled from the DPs that hold it.
    this.puller = new ContentPuller(this.store, this.name, { inUse: (imageId) => this.sessions.list().some((session) => isActive(session) && session.image.id === imageId) });
    this.puller.start();
    return { host: this.address.address, port: this.address.port };
  }

  get running(): boolean {
    return this.address !== null;
  }

  /** SHA-256 of the control endpoint's certificate (what enrolled clients pin). */
  async fingerprint(): Promise<string> {
    return (await siteIdentity(this.store)).fingerprint;
  }

  /** `host:port` of the control endpoint. */
  get endpoint(): string {
    return this.address ? `${this.address.address}:${this.address.port}` : '';
  }

  /** What the PXE services listen on (empty when PXE is off or the service is stopped). */
  pxeListeners(): PxeListener[] {
    return this.pxe?.listeners() ?? [];
  }

  /** Stops the PXE services, the sessions (their transmissions end) and the control endpoint. */
  async stop(): Promise<void> {
    await this.puller?.stop();
    this.puller = null;
    await this.pxe?.stop();
    this.pxe = null;
    await this.sessions.close();
    await this.fleet.leave();
    await this.admin.close();
    await this.control.close();
    this.address = null;
  }

  async listSessions(): Promise<MulticastSession[]> {
    return this.sessions.list();
  }

  async getSession(id: string): Promise<MulticastSession> {
    return this.sessions.get(id);
  }

  startSession(image: string): Promise<MulticastSession> {
    return this.sessions.startNow(findImage(this.store.read(), image));
  }

  async stopSession(id: string): Promise<MulticastSession> {
    return this.sessions.stop(id);
  }

  async disconnectClient(sessionId: string, client: string, force: boolean): Promise<{ session: MulticastSession; client: SessionClient }> {
    return { session: this.sessions.get(sessionId), client: this.sessions.disconnect(sessionId, client, force) };
  }

  onChange(listener: (change: SessionChange, sessionId: string | null) => void): () => void {
    const events = ['opened', 'started', 'progress', 'client', 'ended'] as const satisfies readonly (keyof SessionEvents)[];
    const handlers = events.map((event) => [event, (session: MulticastSession) => listener(event, session.id)] as const);
    for (const [event, handler] of handlers) this.sessions.on(event, handler);
    return () => {
      for (const [event, handler] of handlers) this.sessions.off(event, handler);
    };
  }
}
