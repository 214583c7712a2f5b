// Lookups by id over a site snapshot, so that a DP request costs the same on a site of ten
// devices as on one of ten thousand. A snapshot from the store is frozen and shared until the
// file changes, so its index is built once and kept with it; a draft being changed gets a fresh one.
import type { DeviceRecord, EnrolledClientRecord, SiteState } from './model.js';

export interface SiteIndex {
  devices: ReadonlyMap<string, DeviceRecord>;
  enrolledClients: ReadonlyMap<string, EnrolledClientRecord>;
  /** Ids of the collections each device is a member of. */
  collectionsOf: ReadonlyMap<string, ReadonlySet<string>>;
}

const indexes = new WeakMap<SiteState, SiteIndex>();

export function siteIndex(site: SiteState): SiteIndex {
  const known = indexes.get(site);
  if (known) return known;
  const collectionsOf = new Map<string, Set<string>>();
  for (const collection of site.collections) {
    for (const member of collection.memberIds) {
      let ids = collectionsOf.get(member);
      if (!ids) collectionsOf.set(member, (ids = new Set()));
      ids.add(collection.id);
    }
  }
  const index: SiteIndex = {
    devices: new Map(site.devices.map((device) => [device.id, device])),
    enrolledClients: new Map(site.enrolledClients.map((client) => [client.id, client])),
    collectionsOf,
  };
  if (Object.isFrozen(site)) indexes.set(site, index);
  return index;
}
