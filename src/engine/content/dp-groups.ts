// Distribution point groups (ConfigMgr's): a name for several DPs, to distribute content to all
// of them at once (Start-ContentDistribution -DistributionPointGroup).
import { EngineError } from '../errors.js';
import type { DistributionPointGroupRecord, SiteState } from '../site/model.js';
import { requireDistributionPoint } from '../site/distribution-points.js';
import { assertNameFree, findRecord, nextId, requireName } from '../site/records.js';
import type { SiteStore } from '../site/store.js';

export function findDistributionPointGroup(site: SiteState, nameOrId: string): DistributionPointGroupRecord {
  return findRecord(site.distributionPointGroups, nameOrId, 'distribution point group', 'DistributionPointGroupNotFound');
}

export async function newDistributionPointGroup(store: SiteStore, request: { name: string; description?: string; distributionPoints?: readonly string[] }): Promise<DistributionPointGroupRecord> {
  const name = requireName(request.name, 'distribution point group');
  return store.update((site) => {
    assertNameFree(site.distributionPointGroups, name, 'distribution point group', 'DistributionPointGroupExists', 'choose another name');
    const group: DistributionPointGroupRecord = { id: nextId('DPG', site.distributionPointGroups), name, description: request.description ?? '', distributionPoints: [] };
    addMembers(site, group, request.distributionPoints ?? []);
    site.distributionPointGroups.push(group);
    return group;
  });
}

/** Adds DPs to a group (those already in it stay once); every name must be a DP of the site. */
export async function addDistributionPointGroupMembers(store: SiteStore, groupName: string, dpNames: readonly string[]): Promise<DistributionPointGroupRecord> {
  return store.update((site) => {
    const group = findDistributionPointGroup(site, groupName);
    addMembers(site, group, dpNames);
    return group;
  });
}

export async function removeDistributionPointGroupMembers(store: SiteStore, groupName: string, dpNames: readonly string[]): Promise<DistributionPointGroupRecord> {
  return store.update((site) => {
    const group = findDistributionPointGroup(site, groupName);
    const missing = dpNames.filter((name) => !group.distributionPoints.some((member) => member.toLowerCase() === name.trim().toLowerCase()));
    if (missing.length > 0) {
      throw new EngineError('NotAGroupMember', 'ObjectNotFound', `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in distribution point group ${group.name} (members: ${group.distributionPoints.join(', ') || 'none'}).`, missing[0]);
    }
    const leaving = new Set(dpNames.map((name) => name.trim().toLowerCase()));
    group.distributionPoints = group.distributionPoints.filter((member) => !leaving.has(member.toLowerCase()));
    return group;
  });
}

/** Removes a group; the content on its DPs stays (Remove-ContentDistribution removes content). */
export async function removeDistributionPointGroup(store: SiteStore, groupName: string): Promise<DistributionPointGroupRecord> {
  return store.update((site) => {
    const group = findDistributionPointGroup(site, groupName);
    site.distributionPointGroups = site.distributionPointGroups.filter((candidate) => candidate.id !== group.id);
    return group;
  });
}

function addMembers(site: SiteState, group: DistributionPointGroupRecord, dpNames: readonly string[]): void {
  for (const name of dpNames) {
    const dp = requireDistributionPoint(site, name);
    if (!group.distributionPoints.some((member) => member.toLowerCase() === dp.name.toLowerCase())) group.distributionPoints.push(dp.name);
  }
}
