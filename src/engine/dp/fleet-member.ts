// A running DP's membership of the site's fleet: it registers when its control endpoint listens
// (refused while another live DP holds the name), heartbeats with one small site update every
// interval (which also marks failed the sessions of DPs that stopped heartbeating), and signs off
// when it stops cleanly. See src/engine/site/distribution-points.ts for the rules.
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { EngineError } from '../errors.js';
import { mcshellVersion } from '../boot/image/assets.js';
import { findDistributionPoint, hasSessionsOfSilentDPs, heartbeat, heartbeatIntervalMs, isOnline, register, signOff, type ClosedSessions, type Registration } from '../site/distribution-points.js';
import type { DistributionPointRecord, SiteState } from '../site/model.js';
import type { SiteIdentity } from '../site/identity.js';
import type { SiteStore } from '../site/store.js';

/** How long a registering DP waits to learn whether the name's recorded endpoint still answers. */
const PROBE_TIMEOUT_MS = 2000;

export interface FleetEvents {
  /** Sessions a registration or heartbeat closed as failed (own ones from before a restart, or a silent DP's). */
  onClosed?: (sessions: ClosedSessions, reason: 'restart' | 'sweep') => void;
  /** A heartbeat that could not be saved (the DP keeps serving, and tries again next time). */
  onWarning?: (message: string) => void;
}

export class FleetMember {
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;
  private registration: Registration | null = null;
  private registered = false;
  /** Said once, not at every heartbeat while the fault lasts. */
  private lastWarning: string | null = null;

  constructor(
    private readonly store: SiteStore,
    readonly name: string,
    private readonly events: FleetEvents,
    /** Ids of the sessions the DP runs now (a late registration must not close them). */
    private readonly live: () => ReadonlySet<string>,
    private readonly intervalMs: number = heartbeatIntervalMs(),
  ) {}

  /**
   * Registers the DP and starts heartbeating. Refused when the site's record of this name
   * heartbeats and its endpoint, which is not this DP's, still answers: another DP runs under the
   * name. A record whose endpoint no longer answers is a DP that died: this one takes it over.
   * A registration that cannot be saved is a warning, tried again at each heartbeat.
   */
  async join(endpoint: string, identity: SiteIdentity, interfaceSpec: string): Promise<void> {
    const existing = findDistributionPoint(this.store.read(), this.name);
    if (existing && isOnline(existing) && existing.controlEndpoint && existing.controlEndpoint !== endpoint && (await answers(existing.controlEndpoint))) {
      throw new EngineError(
        'DistributionPointNameInUse',
        'ResourceExists',
        `Another distribution point named ${existing.name} is running (its endpoint ${existing.controlEndpoint} answers and it heartbeated at ${existing.lastHeartbeatAt}); stop it first, or start this one under another name (--name / -Name).`,
        this.name,
      );
    }
    this.registration = { name: this.name, controlEndpoint: endpoint, certificateFingerprint: identity.fingerprint, signingPublicKey: identity.signingPublicKey, interfaces: [interfaceAddresses(interfaceSpec)], version: mcshellVersion() };
    // A site on a read-only or full disk is still served: the DP registers at a later heartbeat.
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.intervalMs).unref();
  }

  /** One heartbeat (the registration, until it is saved); skipped while the previous one is still being saved (a busy site). */
  beat(): Promise<void> {
    const registering = !this.registered;
    this.beating ??= (registering ? this.store.update((site) => register(site, this.registration!, new Date(), this.live())) : this.heartbeat())
      .then(
        (closed) => {
          this.registered = true;
          this.lastWarning = null;
          if (closed.length > 0) this.events.onClosed?.(closed, registering ? 'restart' : 'sweep');
        },
        (error: unknown) => this.warn(`${registering ? 'registration' : 'heartbeat'} of ${this.name} not saved: ${(error as Error).message}`),
      )
      .finally(() => (this.beating = null));
    return this.beating;
  }

  /**
   * The heartbeat. Usually it only refreshes this DP's record: one record written (one row on the
   * site database, whatever the site's size). When a silent DP's sessions are to be failed, or the
   * record changed since this DP last saw it, it is a whole change of the site.
   */
  private async heartbeat(): Promise<ClosedSessions> {
    const now = new Date();
    const site = this.store.read();
    const seen = findDistributionPoint(site, this.name);
    if (seen && !hasSessionsOfSilentDPs(site, now)) {
      const unchanged = (site: SiteState) => {
        const current = findDistributionPoint(site, this.name);
        if (!current || !sameApartFromHeartbeat(current, seen)) throw new StaleRecord();
      };
      const saved = await this.store.putRecord('distributionPoints', { ...seen, lastHeartbeatAt: now.toISOString() }, unchanged).then(
        () => true,
        (error: unknown) => {
          if (error instanceof StaleRecord) return false;
          throw error;
        },
      );
      if (saved) return [];
    }
    return this.store.update((site) => heartbeat(site, this.name, new Date()));
  }

  private warn(message: string): void {
    if (message !== this.lastWarning) this.events.onWarning?.(message);
    this.lastWarning = message;
  }

  /** Stops heartbeating; the record shows the DP Offline at once (its sessions already ended). */
  async leave(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    await this.beating;
    if (!this.registered) return;
    await this.store.update((site) => signOff(site, this.name)).catch((error: unknown) => this.warn(`sign-off of ${this.name} not saved: ${(error as Error).message}`));
  }
}

/** True when something accepts a TCP connection at `host:port` within the probe timeout. */
function answers(endpoint: string): Promise<boolean> {
  const colon = endpoint.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = connect({ host: endpoint.slice(0, colon), port: Number(endpoint.slice(colon + 1)), timeout: PROBE_TIMEOUT_MS });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** The DP's interface (by name, or the one holding the address) with its IPv4 addresses in CIDR form. */
function interfaceAddresses(spec: string): { name: string; addresses: string[] } {
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    const ipv4 = (addresses ?? []).filter((address) => address.family === 'IPv4');
    if (name === spec || ipv4.some((address) => address.address === spec)) return { name, addresses: ipv4.map((address) => address.cidr!).filter(Boolean) };
  }
  return { name: spec, addresses: [] };
}

/** This DP's record changed since it was read (Set-DistributionPoint, another process): the heartbeat is saved as a whole change instead. */
class StaleRecord extends Error {}

function sameApartFromHeartbeat(a: DistributionPointRecord, b: DistributionPointRecord): boolean {
  return JSON.stringify({ ...a, lastHeartbeatAt: null }) === JSON.stringify({ ...b, lastHeartbeatAt: null });
}
