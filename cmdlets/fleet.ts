// -DistributionPoint of the session cmdlets: the site's DPs reached over their control endpoints
// with this shell's admin key (remote administration, src/engine/dp/remote-admin.ts), joined into
// one DPControl. Without -DistributionPoint the cmdlets use the DP of this shell or machine.
import type { CmdletContext } from '../src/runtime/cmdlet.js';
import { isWildcard, matchesWildcard } from '../src/runtime/wildcard.js';
import type { SiteStore } from '../src/engine/site/store.js';
import type { DPControl } from '../src/engine/dp/dp-control.js';
import type { MulticastSession } from '../src/engine/dp/sessions.js';
import { completeDistributionPoints, requireDP } from './engine.js';

/** The -DistributionPoint parameter, the same on every session cmdlet. */
export const DISTRIBUTION_POINT_PARAMETER = {
  type: 'string',
  complete: completeDistributionPoints,
  description: "The site's DPs to act on, by name (wildcards allowed; * = every Online DP), reached over their control endpoints with this shell's admin key (MCSHELL_ADMIN_KEY, see New-AdminCredential). Default: the DP of this shell or machine.",
} as const;

/** The DP(s) a session cmdlet acts on: those -DistributionPoint names, else the local one. */
export async function chooseDP(ctx: CmdletContext<unknown>, store: SiteStore, pattern: string | undefined): Promise<DPControl> {
  return pattern === undefined ? requireDP(store) : reachFleet(ctx, store, pattern);
}

/**
 * The Online DPs whose names match `pattern`, each reached and asked who it is. One that cannot be
 * reached is a warning naming it (the others go on); a refused admin key is an error per DP.
 */
async function reachFleet(ctx: CmdletContext<unknown>, store: SiteStore, pattern: string): Promise<DPControl> {
  const { EngineError } = await import('../src/engine/errors.js');
  const { loadAdminKey } = await import('../src/engine/site/admin-credentials.js');
  const { Fleet, reachRemoteDP } = await import('../src/engine/dp/remote-admin.js');
  const { isOnline } = await import('../src/engine/site/distribution-points.js');
  const records = store.read().distributionPoints.filter((record) => matchesWildcard(record.name, pattern));
  if (records.length === 0 && !isWildcard(pattern)) {
    const known = store.read().distributionPoints.map((record) => record.name).join(', ') || 'none registered';
    throw new EngineError('DistributionPointNotFound', 'ObjectNotFound', `The site has no distribution point '${pattern}' (its DPs: ${known}).`, pattern);
  }
  const key = await loadAdminKey(store.home);
  if (!key) {
    throw new EngineError('AdminKeyMissing', 'InvalidOperation', "Reaching the site's DPs needs an admin key: set MCSHELL_ADMIN_KEY (or MCSHELL_ADMIN_KEY_FILE) to one New-AdminCredential made, or keep it in admin.key in this shell's site home.");
  }
  const now = Date.now();
  const online = records.filter((record) => {
    if (isOnline(record, now)) return true;
    // A DP asked for by name is worth a word; * simply means the Online ones.
    if (!isWildcard(pattern)) ctx.writeWarning(`Distribution point ${record.name} is Offline (last heartbeat ${record.lastHeartbeatAt ?? 'never'}); its sessions are not shown.`);
    return false;
  });
  const reached = await Promise.all(
    online.map(async (record) => {
      try {
        return { name: record.name, dp: await reachRemoteDP(record, key) };
      } catch (error) {
        if (!(error instanceof EngineError)) throw error;
        // Both messages name the DP.
        if (error.id === 'DPUnreachable' || error.id === 'DPNotServing') ctx.writeWarning(error.message);
        else ctx.writeError({ id: error.id, category: error.category, message: `Distribution point ${record.name}: ${error.message}`, target: record.name });
        return null;
      }
    }),
  );
  return new Fleet(reached.filter((member) => member !== null));
}

/** Start-MulticastSession: the image's session on the DP, or on each DP -DistributionPoint chose (a DP that fails is an error naming it). */
export async function startOnEach(ctx: CmdletContext<unknown>, dp: DPControl, image: string): Promise<MulticastSession[]> {
  const { Fleet } = await import('../src/engine/dp/remote-admin.js');
  if (!(dp instanceof Fleet)) return [await dp.startSession(image)];
  const { EngineError } = await import('../src/engine/errors.js');
  const started: MulticastSession[] = [];
  for (const result of await dp.startSessions(image)) {
    if ('session' in result) started.push(result.session);
    else if (result.error instanceof EngineError) ctx.writeError({ id: result.error.id, category: result.error.category, message: `Distribution point ${result.name}: ${result.error.message}`, target: result.name });
    else throw result.error;
  }
  return started;
}
