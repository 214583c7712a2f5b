// The site's distribution points (the fleet): a DP registers itself when it starts and heartbeats
// while it runs; it is Online while its last heartbeat is recent. Each DP has its own multicast
// and PXE settings (or follows the site's defaults, `site.dp`, until one is set for it), and the
// sessions it runs are recorded in the site as they open, so that when a DP stops heartbeating
// any other DP marks them failed instead of leaving them "running" forever.
import { hostname } from 'node:os';
import { EngineError } from '../errors.js';
import { formatIPv4, parseIPv4 } from './ipv4.js';
import type { DistributionPointRecord, DPMulticastSettings, RunningSessionRecord, SiteState } from './model.js';

/**
 * A DP heartbeats every 10 s (as Ironic's conductors) and is Offline after 30 s of silence: three
 * missed heartbeats, so one slow write (the file store waits up to 15 s for its lock under
 * contention) never makes a running DP look dead, and a dead one shows Offline within 30 s plus
 * the sweeping DP's next heartbeat (at most 40 s).
 */
export const HEARTBEAT_INTERVAL_MS = 10_000;
export const HEARTBEAT_TIMEOUT_MS = 3 * HEARTBEAT_INTERVAL_MS;

/**
 * MCSHELL_HEARTBEAT_SECONDS shortens the heartbeat for a lab or a test (every process of the site
 * must agree on it, hence the environment); the timeout is always three heartbeats.
 */
export function heartbeatIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.MCSHELL_HEARTBEAT_SECONDS);
  return env.MCSHELL_HEARTBEAT_SECONDS && seconds >= 0.05 && seconds <= 3600 ? seconds * 1000 : HEARTBEAT_INTERVAL_MS;
}

export function heartbeatTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  return 3 * heartbeatIntervalMs(env);
}

/** Online: the DP heartbeated within the timeout. A DP that stopped cleanly has no heartbeat (null). */
export function isOnline(record: DistributionPointRecord, now: number = Date.now(), timeoutMs: number = heartbeatTimeoutMs()): boolean {
  return record.lastHeartbeatAt !== null && now - Date.parse(record.lastHeartbeatAt) <= timeoutMs;
}

const DP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function validateDPName(name: string): string {
  const trimmed = name.trim();
  if (!DP_NAME.test(trimmed)) {
    throw new EngineError('InvalidDistributionPointName', 'InvalidArgument', `'${name}' is not a distribution point name: use 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit (e.g. DP-EAST).`, name);
  }
  return trimmed;
}

/**
 * The name of a DP started without one: this host's name (its first label) in upper case, as
 * ConfigMgr names a DP by its server. An embedded one-machine site needs no set-up, and a DP that
 * restarts on the same host keeps its record.
 */
export function defaultDPName(host: string = hostname()): string {
  const label = host.split('.')[0]!.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63);
  return label ? label.toUpperCase() : 'DP';
}

export function findDistributionPoint(site: SiteState, name: string): DistributionPointRecord | undefined {
  const wanted = name.trim().toLowerCase();
  return site.distributionPoints.find((record) => record.name.toLowerCase() === wanted);
}

export function requireDistributionPoint(site: SiteState, name: string): DistributionPointRecord {
  const record = findDistributionPoint(site, name);
  if (!record) {
    const known = site.distributionPoints.map((dp) => dp.name).join(', ') || 'none yet: a DP registers when `mcshell serve --name …` or Start-DPService starts';
    throw new EngineError('DistributionPointNotFound', 'ObjectNotFound', `No distribution point named '${name}' (distribution points: ${known}).`, name);
  }
  return record;
}

/** The settings a DP runs with: its own, or the site's defaults while it has none (and for a DP not registered yet). */
export function dpSettings(site: SiteState, name: string | null): DPMulticastSettings {
  return (name !== null ? findDistributionPoint(site, name)?.settings : undefined) ?? site.dp;
}

/**
 * Which DP's settings Set-/Get-DPMulticast and Set-/Get-DPPxe mean: the one named; without a
 * name the only DP of the site, else the DP of this host (defaultDPName). null = the site's
 * defaults (a site with no DP registered yet, which its first DP starts from).
 */
export function settingsTarget(site: SiteState, name: string | undefined, localName: string = defaultDPName()): DistributionPointRecord | null {
  if (name !== undefined) return requireDistributionPoint(site, name);
  if (site.distributionPoints.length === 0) return null;
  if (site.distributionPoints.length === 1) return site.distributionPoints[0]!;
  const local = findDistributionPoint(site, localName);
  if (local) return local;
  throw new EngineError(
    'DistributionPointRequired',
    'InvalidArgument',
    `The site has ${site.distributionPoints.length} distribution points and none runs on this host (${localName}); name one with -DistributionPoint (${site.distributionPoints.map((dp) => dp.name).join(', ')}).`,
  );
}

/** The settings Get-DPMulticast and Get-DPPxe show: those of the settingsTarget. */
export function targetSettings(site: SiteState, name: string | undefined): DPMulticastSettings {
  return dpSettings(site, settingsTarget(site, name)?.name ?? null);
}

/**
 * Changes the settings of `target` (null: the site's defaults) inside a site update. A DP that
 * still follows the defaults gets its own copy first, so the change is its alone. History
 * retention is the site's (the history is shared): it always goes to the defaults.
 */
export function changeSettings(site: SiteState, target: DistributionPointRecord | null, change: (current: DPMulticastSettings) => DPMulticastSettings): DPMulticastSettings {
  if (target === null) return (site.dp = change(site.dp));
  const record = requireDistributionPoint(site, target.name);
  const next = change(record.settings ?? site.dp);
  site.dp.historyRetentionDays = next.historyRetentionDays;
  return (record.settings = next);
}

/** What a DP says of itself when it registers (and, unchanged, at every start). */
export interface Registration {
  name: string;
  controlEndpoint: string;
  certificateFingerprint: string;
  signingPublicKey: string;
  interfaces: { name: string; addresses: string[] }[];
  version: string;
}

/** Sessions a fleet change closed (the DP's own from before a restart, or those of DPs gone silent). */
export type ClosedSessions = string[];

/**
 * Registers (or re-registers) a DP inside a site update: its record is created or refreshed (an
 * admin's description and the DP's own settings are kept), its heartbeat is now, and the sessions
 * it was running before it restarted (all but `live`, those it runs now) are closed as failed.
 * Returns the sessions closed.
 */
export function register(site: SiteState, registration: Registration, now: Date, live: ReadonlySet<string> = new Set()): ClosedSessions {
  const at = now.toISOString();
  const subnets = [...new Set(registration.interfaces.flatMap((iface) => iface.addresses.map(subnetOf)))];
  const fields = { controlEndpoint: registration.controlEndpoint, certificateFingerprint: registration.certificateFingerprint, signingPublicKey: registration.signingPublicKey, interfaces: registration.interfaces, subnets, version: registration.version, lastHeartbeatAt: at };
  const existing = findDistributionPoint(site, registration.name);
  if (existing) Object.assign(existing, fields);
  else site.distributionPoints.push({ name: registration.name, description: '', registeredAt: at, ...fields });
  const name = existing?.name ?? registration.name;
  return closeSessions(site, (record) => record.distributionPoint.toLowerCase() === name.toLowerCase() && !live.has(record.id), `interrupted: distribution point ${name} restarted while the session ran`, now);
}

/**
 * A heartbeat, inside a site update: the DP's record says it is alive, and the sessions of DPs
 * that stopped heartbeating are marked failed (every DP does this; closing is idempotent, as a
 * closed session is no longer running). A DP whose record was removed is told so.
 */
export function heartbeat(site: SiteState, name: string, now: Date, timeoutMs: number = heartbeatTimeoutMs()): ClosedSessions {
  const record = findDistributionPoint(site, name);
  if (!record) throw new EngineError('DistributionPointRemoved', 'ObjectNotFound', `The distribution point ${name} was removed from the site (Remove-DistributionPoint) while it ran; stop it, or restart it to register it again.`, name);
  record.lastHeartbeatAt = now.toISOString();
  return sweepSilentDPs(site, now, timeoutMs);
}

/** Whether a running session's DP is not Online (or no longer exists). */
function runOnSilentDP(site: SiteState, now: Date, timeoutMs: number): (record: RunningSessionRecord) => boolean {
  return (record) => {
    const dp = findDistributionPoint(site, record.distributionPoint);
    return !dp || !isOnline(dp, now.getTime(), timeoutMs);
  };
}

/** Whether a heartbeat now would mark sessions failed (sweepSilentDPs would close some). */
export function hasSessionsOfSilentDPs(site: SiteState, now: Date, timeoutMs: number = heartbeatTimeoutMs()): boolean {
  return (site.runningSessions ?? []).some(runOnSilentDP(site, now, timeoutMs));
}

/** Marks the running sessions of DPs that are not Online (or no longer exist) failed. */
export function sweepSilentDPs(site: SiteState, now: Date, timeoutMs: number = heartbeatTimeoutMs()): ClosedSessions {
  const silent = runOnSilentDP(site, now, timeoutMs);
  const closed: ClosedSessions = [];
  for (const dpName of new Set((site.runningSessions ?? []).filter(silent).map((record) => record.distributionPoint))) {
    closed.push(...closeSessions(site, (record) => record.distributionPoint === dpName, `distribution point ${dpName} stopped heartbeating`, now));
  }
  return closed;
}

/** A DP that stops cleanly (its sessions ended and recorded) is Offline at once. */
export function signOff(site: SiteState, name: string): void {
  const record = findDistributionPoint(site, name);
  if (record) record.lastHeartbeatAt = null;
}

/** Moves the matching running sessions into the history as Failed with `message`. */
function closeSessions(site: SiteState, matches: (record: RunningSessionRecord) => boolean, message: string, now: Date): ClosedSessions {
  const closing = (site.runningSessions ?? []).filter(matches);
  if (closing.length === 0) return [];
  site.runningSessions = site.runningSessions!.filter((record) => !matches(record));
  for (const record of closing) {
    site.sessionHistory.push({ id: record.id, imageId: record.imageId, group: record.group, port: record.port, startedAt: record.openedAt, endedAt: now.toISOString(), state: 'Failed', startReason: null, clients: [], message, distributionPoint: record.distributionPoint });
  }
  return closing.map((record) => record.id);
}

/** The running-session record of `id` if `dpName` owns it (only the owner may close it). */
export function ownedRunningSession(site: SiteState, id: string, dpName: string): RunningSessionRecord | undefined {
  return site.runningSessions?.find((record) => record.id === id && record.distributionPoint.toLowerCase() === dpName.toLowerCase());
}

/** `10.2.0.5/16` → `10.2.0.0/16`. */
export function subnetOf(cidr: string): string {
  const [address, bits] = cidr.split('/') as [string, string];
  const prefix = Number(bits);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return `${formatIPv4((parseIPv4(address)! & mask) >>> 0)}/${prefix}`;
}

/** Set-DistributionPoint: what an admin may change of a DP's record (the rest is the DP's own). */
export interface DistributionPointChange {
  description?: string;
}

export function setDistributionPoint(site: SiteState, name: string, change: DistributionPointChange): DistributionPointRecord {
  const record = requireDistributionPoint(site, name);
  if (change.description !== undefined) record.description = change.description;
  return record;
}

/** What Remove-DistributionPoint took away with the DP, so that the site stays whole. */
export interface RemovedDistributionPoint {
  record: DistributionPointRecord;
  boundaryGroups: string[];
  distributionPointGroups: string[];
  contentStatuses: number;
  closedSessions: ClosedSessions;
}

/**
 * Removes a DP's record and every reference to it: its place in boundary groups and DP groups,
 * its content status, and its running sessions (closed as failed). Refused while it is Online
 * unless `force` (a running DP that is removed is told so at its next heartbeat).
 */
export function removeDistributionPoint(site: SiteState, name: string, force: boolean, now: Date = new Date()): RemovedDistributionPoint {
  const record = requireDistributionPoint(site, name);
  if (!force && isOnline(record, now.getTime())) {
    throw new EngineError(
      'DistributionPointOnline',
      'InvalidOperation',
      `The distribution point ${record.name} is Online (it heartbeated at ${record.lastHeartbeatAt}); stop it first (Stop-DPService, or end its \`mcshell serve\`), or use -Force to remove it while it runs.`,
      name,
    );
  }
  const key = record.name.toLowerCase();
  const isThis = (dpName: string) => dpName.toLowerCase() === key;
  const boundaryGroups = site.boundaryGroups.filter((group) => group.distributionPoints.some(isThis));
  for (const group of boundaryGroups) group.distributionPoints = group.distributionPoints.filter((dpName) => !isThis(dpName));
  const dpGroups = site.distributionPointGroups.filter((group) => group.distributionPoints.some(isThis));
  for (const group of dpGroups) group.distributionPoints = group.distributionPoints.filter((dpName) => !isThis(dpName));
  const statuses = site.contentDistributions.length;
  site.contentDistributions = site.contentDistributions.filter((status) => !isThis(status.distributionPoint));
  const closedSessions = closeSessions(site, (session) => isThis(session.distributionPoint), `distribution point ${record.name} was removed from the site`, now);
  site.distributionPoints = site.distributionPoints.filter((candidate) => candidate !== record);
  return { record, boundaryGroups: boundaryGroups.map((group) => group.name), distributionPointGroups: dpGroups.map((group) => group.name), contentStatuses: statuses - site.contentDistributions.length, closedSessions };
}
