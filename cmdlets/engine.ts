// The bridge from cmdlets to the engine: opening the site, turning engine errors into error
// records, and the distribution point service a shell runs in-process. Engine modules are
// imported on first use, so loading a declaration (Get-Command, Get-Help) stays cheap.
import type { CmdletContext, CompletionRequest } from '../src/runtime/cmdlet.js';
import { isWildcard, matchesWildcard } from '../src/runtime/wildcard.js';
import type { SiteStore } from '../src/engine/site/store.js';
import type { DPService } from '../src/engine/dp/service.js';
import type { DPControl } from '../src/engine/dp/dp-control.js';

const openSites = new Map<string, Promise<SiteStore>>();
const services = new Map<string, DPService>();

/** The site of this shell (`--site`, MCSHELL_HOME, or the user's config directory), opened once. */
export async function openSite(site: string | undefined): Promise<SiteStore> {
  const { SiteStore, resolveSiteHome } = await import('../src/engine/site/store.js');
  const home = resolveSiteHome({ site });
  let store = openSites.get(home);
  if (!store) {
    store = SiteStore.open(home);
    openSites.set(home, store);
    store.catch(() => openSites.delete(home));
  }
  return store;
}

/**
 * Runs an engine action. An engine error becomes a non-terminating error record of this cmdlet
 * (so a pipeline over many items goes on) and the result is undefined.
 */
export async function engine<T>(ctx: CmdletContext<unknown>, action: (store: SiteStore) => Promise<T> | T): Promise<T | undefined> {
  const { EngineError } = await import('../src/engine/errors.js');
  try {
    return await action(await openSite(ctx.site));
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    ctx.writeError({ id: error.id, category: error.category, message: error.message, target: error.target });
    return undefined;
  }
}

/**
 * What leaving this shell would end: the multicast sessions its DP services run (or wait to
 * start), named in a warning, and how to stop them (the history records them as Stopped).
 */
export function exitWarning(): { warning: string; stop(): Promise<void> } | null {
  const active = [...services.values()].flatMap((service) => service.sessions.list().filter((session) => session.state === 'Waiting' || session.state === 'Running'));
  if (active.length === 0) return null;
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const named = active.map((session) => `${session.id}, ${count(session.clients.size, 'client')}${session.state === 'Waiting' ? ', waiting to start' : ''}`);
  const one = active.length === 1;
  return {
    warning: `${count(active.length, 'multicast session')} ${one ? 'is' : 'are'} running (${named.join('; ')}); exiting stops ${one ? 'it' : 'them'}.`,
    async stop() {
      for (const [home, service] of services) {
        await service.stop();
        services.delete(home);
      }
    },
  };
}

/** The DP service this shell runs for its site, if started. */
export function runningService(store: SiteStore): DPService | undefined {
  return services.get(store.home);
}

export function registerService(store: SiteStore, service: DPService | null): void {
  if (service) services.set(store.home, service);
  else services.delete(store.home);
}

/** The DP service this shell runs, or an error that says how to start one. */
export async function requireService(store: SiteStore): Promise<DPService> {
  const service = runningService(store);
  if (service) return service;
  const { EngineError } = await import('../src/engine/errors.js');
  const { reachSiteDP } = await import('../src/engine/dp/admin-client.js');
  const other = await reachSiteDP(store.home).catch(() => null);
  if (other) {
    throw new EngineError('DPServiceNotRunning', 'InvalidOperation', `The distribution point service of this site runs in process ${other.info.pid}, not in this shell; stop it there (SIGTERM or Ctrl+C for \`mcshell serve\`, Stop-DPService in its shell).`);
  }
  throw new EngineError('DPServiceNotRunning', 'InvalidOperation', 'The distribution point service is not running in this shell; start it with Start-DPService (or run `mcshell serve` for a headless server).');
}

/**
 * The site's DP as the session cmdlets reach it: the one this shell runs, else one running in
 * another process on this machine (`mcshell serve`, another shell), through its admin socket.
 */
export async function reachDP(store: SiteStore): Promise<DPControl | null> {
  const service = runningService(store);
  if (service) return service;
  const { reachSiteDP } = await import('../src/engine/dp/admin-client.js');
  return reachSiteDP(store.home);
}

/** The site's DP (see reachDP), or an error that says how to start one. */
export async function requireDP(store: SiteStore): Promise<DPControl> {
  const dp = await reachDP(store);
  if (dp) return dp;
  const { EngineError } = await import('../src/engine/errors.js');
  throw new EngineError(
    'DPServiceNotRunning',
    'InvalidOperation',
    `No distribution point serves the site ${store.home}: none runs in this shell nor in another process on this machine; start it with Start-DPService, or run \`mcshell serve\` for a headless server.`,
  );
}

/** Bits per second as an admin writes them: `95M`, `1G`, `500k`, or a plain number. */
export async function parseBitsPerSecond(text: string, parameter: string): Promise<number> {
  const { parseRate } = await import('../src/engine/transport/index.js');
  const { EngineError } = await import('../src/engine/errors.js');
  try {
    return parseRate(text);
  } catch (error) {
    throw new EngineError('InvalidRate', 'InvalidArgument', `${parameter} '${text}' is not a rate: ${(error as Error).message} (e.g. 95M, 1G, 500k bits per second).`, text);
  }
}

/** A Get-* cmdlet's -Name filter: no pattern keeps everything; otherwise a wildcard on any of the keys. */
export function matchesName(pattern: string | undefined, ...candidates: string[]): boolean {
  return !pattern || candidates.some((candidate) => matchesWildcard(candidate, pattern));
}

/** What a Get-* cmdlet lists, for its not-found error: `{ id: 'ImageNotFound', what: 'an image with the name or id' }`. */
export interface ListedKind {
  id: string;
  what: string;
}

/**
 * A Get-* cmdlet's -Name filter over its list, as PowerShell's Get-Item and Get-Variable filter:
 * no name keeps everything, a wildcard keeps what matches (perhaps nothing), and an exact name
 * that matches nothing is a not-found error (non-terminating, so a pipeline of names goes on).
 */
export function selectByName<T>(ctx: CmdletContext<unknown>, pattern: string | undefined, items: readonly T[], keys: (item: T) => string[], kind: ListedKind): T[] {
  const selected = items.filter((item) => matchesName(pattern, ...keys(item)));
  if (pattern && selected.length === 0 && !isWildcard(pattern)) {
    ctx.writeError({ id: kind.id, category: 'ObjectNotFound', message: `Cannot find ${kind.what} '${pattern}'.`, target: pattern, hint: `${ctx.command} without a name lists them all.` });
  }
  return selected;
}

/**
 * A value completer listing live names from the site (Tab in the interactive shell). A site that
 * cannot be opened completes nothing rather than interrupting the prompt with an error.
 */
function namesFrom(list: (store: SiteStore) => readonly string[] | Promise<readonly string[]>) {
  return async (request: CompletionRequest): Promise<readonly string[]> => {
    try {
      return await list(await openSite(request.site));
    } catch {
      return [];
    }
  };
}

export const completeImages = namesFrom((store) => store.read().images.map((image) => image.name));
export const completeCollections = namesFrom((store) => store.read().collections.map((collection) => collection.name));
export const completeDevices = namesFrom((store) => store.read().devices.map((device) => device.name));
export const completeTaskSequences = namesFrom((store) => store.read().taskSequences.map((sequence) => sequence.name));
export const completeBootImages = namesFrom((store) => store.read().bootImages.map((image) => image.name));
export const completeDistributionPoints = namesFrom((store) => store.read().distributionPoints.map((dp) => dp.name));
export const completeDeployments = namesFrom((store) => store.read().deployments.map((deployment) => deployment.id));
export const completeBoundaries = namesFrom((store) => store.read().boundaries.map((boundary) => boundary.name));
export const completeBoundaryGroups = namesFrom((store) => store.read().boundaryGroups.map((group) => group.name));
const liveSessions = async (store: SiteStore) => (await (await reachDP(store))?.listSessions()) ?? [];
export const completeSessions = namesFrom(async (store) => (await liveSessions(store)).map((session) => session.id));
export const completeClients = namesFrom(async (store) => (await liveSessions(store)).flatMap((session) => [...session.clients.values()].map((client) => client.name)));
