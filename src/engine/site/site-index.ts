// Lookups by id over a site snapshot, so that a DP request costs the same on a site of ten
// devices as on one of ten thousand. A snapshot from the store is frozen and shared until the
// site changes, so its index is built once and kept with it; a draft being changed gets a fresh
// one. Each lookup is kept with the list it indexes: the site database's snapshot after a change
// shares the lists the change left alone (a status report leaves devices and collections), so
// their lookups are not built again.
import type { DeploymentStatusRecord, DeviceRecord, EnrolledClientRecord, SiteState } from './model.js';

export interface SiteIndex {
  devices: ReadonlyMap<string, DeviceRecord>;
  enrolledClients: ReadonlyMap<string, EnrolledClientRecord>;
  /** Ids of the collections each device is a member of. */
  collectionsOf: ReadonlyMap<string, ReadonlySet<string>>;
  /** The status reports of each deployment, in the site's order. */
  statusesOf: ReadonlyMap<string, readonly DeploymentStatusRecord[]>;
}

const indexes = new WeakMap<SiteState, SiteIndex>();
const lookups = new WeakMap<object, unknown>();

/** `build()` of a frozen list, built once per list. */
function lookup<T>(list: readonly unknown[], build: () => T): T {
  if (!Object.isFrozen(list)) return build();
  let known = lookups.get(list) as T | undefined;
  if (known === undefined) lookups.set(list, (known = build()));
  return known;
}

export function siteIndex(site: SiteState): SiteIndex {
  const known = indexes.get(site);
  if (known) return known;
  const index: SiteIndex = {
    devices: lookup(site.devices, () => new Map(site.devices.map((device) => [device.id, device]))),
    enrolledClients: lookup(site.enrolledClients, () => new Map(site.enrolledClients.map((client) => [client.id, client]))),
    collectionsOf: lookup(site.collections, () => membership(site)),
    statusesOf: lookup(site.deploymentStatus, () => statusesByDeployment(site)),
  };
  if (Object.isFrozen(site)) indexes.set(site, index);
  return index;
}

function membership(site: SiteState): Map<string, Set<string>> {
  const collectionsOf = new Map<string, Set<string>>();
  for (const collection of site.collections) {
    for (const member of collection.memberIds) {
      let ids = collectionsOf.get(member);
      if (!ids) collectionsOf.set(member, (ids = new Set()));
      ids.add(collection.id);
    }
  }
  return collectionsOf;
}

function statusesByDeployment(site: SiteState): Map<string, DeploymentStatusRecord[]> {
  const statusesOf = new Map<string, DeploymentStatusRecord[]>();
  for (const status of site.deploymentStatus) {
    let statuses = statusesOf.get(status.deploymentId);
    if (!statuses) statusesOf.set(status.deploymentId, (statuses = []));
    statuses.push(status);
  }
  return statusesOf;
}
