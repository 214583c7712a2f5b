// Which deployments a client gets: the device is identified by MAC address or name, and it
// receives the deployments of every collection it is a member of that are available to client
// agents now (ConfigMgr's availability, available-after and expires-at rules), required first.
import { EngineError } from '../errors.js';
import type { DeploymentRecord, DeviceRecord, SiteState, TaskSequenceRecord } from '../site/model.js';
import { siteIndex } from '../site/site-index.js';

/** `00-11-22-AA-bb-cc`, `0011.22aa.bbcc`, `001122aabbcc` → `00:11:22:aa:bb:cc`; null if not a MAC address. */
export function normalizeMac(text: string): string | null {
  const hex = text.trim().toLowerCase().replace(/[:.\-]/g, '');
  if (!/^[0-9a-f]{12}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}

export interface ClientIdentity {
  mac?: string | null | undefined;
  name?: string | null | undefined;
}

export function identifyDevice(site: SiteState, identity: ClientIdentity): DeviceRecord {
  const mac = identity.mac ? normalizeMac(identity.mac) : null;
  const name = identity.name?.trim().toLowerCase();
  const device =
    (mac && site.devices.find((candidate) => candidate.mac === mac)) ||
    (name && site.devices.find((candidate) => candidate.name.toLowerCase() === name)) ||
    undefined;
  if (!device) {
    const who = [identity.mac && `MAC ${identity.mac}`, identity.name && `name '${identity.name}'`].filter(Boolean).join(' or ') || 'no MAC address or name';
    throw new EngineError('DeviceNotKnown', 'ObjectNotFound', `No device with ${who} is known to this site; add it to a collection with Add-CollectionMember.`, identity);
  }
  return device;
}

export interface Assignment {
  deployment: DeploymentRecord;
  taskSequence: TaskSequenceRecord;
}

/** Deployments the device's client agent may run now: required before available, oldest first. */
export function assignmentsFor(site: SiteState, deviceId: string, now: Date): Assignment[] {
  return assignmentsIn(site, siteIndex(site).collectionsOf.get(deviceId), now, CLIENT_AVAILABILITY);
}

/** Availabilities that include client agents (ConfigMgr: "Configuration Manager clients"). */
const CLIENT_AVAILABILITY: ReadonlySet<DeploymentRecord['availability']> = new Set(['Clients', 'ClientsMediaAndPxe']);

/**
 * Deployments to any of `collections` with one of the availabilities, in their time window now:
 * required before available, oldest first.
 */
export function assignmentsIn(site: SiteState, collections: ReadonlySet<string> | undefined, now: Date, availability: ReadonlySet<DeploymentRecord['availability']>): Assignment[] {
  if (!collections) return [];
  const time = now.getTime();
  return site.deployments
    .filter((deployment) => collections.has(deployment.collectionId))
    .filter((deployment) => availability.has(deployment.availability))
    .filter((deployment) => !deployment.availableAfter || Date.parse(deployment.availableAfter) <= time)
    .filter((deployment) => !deployment.expiresAt || Date.parse(deployment.expiresAt) > time)
    .sort((a, b) => Number(b.purpose === 'Required') - Number(a.purpose === 'Required') || a.createdAt.localeCompare(b.createdAt))
    .flatMap((deployment) => {
      const taskSequence = site.taskSequences.find((sequence) => sequence.id === deployment.taskSequenceId);
      return taskSequence ? [{ deployment, taskSequence }] : [];
    });
}
