// Device collections and their members. A member is named by device name, MAC address or id;
// adding one that the site does not know yet creates the device.
import { EngineError } from '../errors.js';
import type { CollectionRecord, DeviceRecord, SiteState } from '../site/model.js';
import { assertNameFree, findRecord, nextId, requireName } from '../site/records.js';
import type { SiteStore } from '../site/store.js';
import { normalizeMac } from './targeting.js';

export function findCollection(site: SiteState, nameOrId: string): CollectionRecord {
  return findRecord(site.collections, nameOrId, 'collection', 'CollectionNotFound');
}

export async function newCollection(store: SiteStore, request: { name: string; description?: string }): Promise<CollectionRecord> {
  const name = requireName(request.name, 'collection');
  return store.update((site) => {
    assertNameFree(site.collections, name, 'collection', 'CollectionExists', 'choose another -Name');
    const collection: CollectionRecord = { id: nextId('COL', site.collections), name, description: request.description ?? '', memberIds: [] };
    site.collections.push(collection);
    return collection;
  });
}

export interface MemberSpec {
  name?: string | undefined;
  mac?: string | undefined;
}

/** Adds a device to a collection (creating the device when new); returns the device. */
export async function addCollectionMember(store: SiteStore, collectionName: string, member: MemberSpec): Promise<DeviceRecord> {
  const identity = deviceIdentity(member);
  return store.update((site) => {
    const collection = findCollection(site, collectionName);
    const device = findOrCreateDevice(site, identity);
    if (!collection.memberIds.includes(device.id)) collection.memberIds.push(device.id);
    return device;
  });
}

/**
 * ConfigMgr's (NetBIOS) computer-name rule: 1 to 15 letters, digits and hyphens, not only digits,
 * no hyphen first or last. A device name is chosen by whoever enrolls, reaches the administrator's
 * terminal and becomes part of file paths (`{name}` in a task sequence's target), so nothing else
 * gets in.
 */
const DEVICE_NAME = /^(?!-)(?!\d+$)[A-Za-z0-9-]{1,15}(?<!-)$/;

/** A name as it may be shown in an error: control characters escaped, bounded. */
function shownName(name: string): string {
  const escaped = name.slice(0, 40).replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return name.length > 40 ? `${escaped}… (${name.length} characters)` : escaped;
}

/** A member's name and normalised MAC address; at least one is required. */
export function deviceIdentity(member: MemberSpec): { name: string | undefined; mac: string | null } {
  const mac = member.mac ? normalizeMac(member.mac) : null;
  if (member.mac && !mac) throw new EngineError('InvalidMacAddress', 'InvalidArgument', `'${shownName(member.mac)}' is not a MAC address; expected six hex pairs such as 00:11:22:33:44:55.`, member.mac);
  const name = member.name?.trim() || undefined;
  if (name !== undefined && !DEVICE_NAME.test(name)) {
    throw new EngineError(
      'InvalidDeviceName',
      'InvalidArgument',
      `'${shownName(name)}' is not a valid device name: use 1 to 15 letters, digits and hyphens, not only digits and not starting or ending with a hyphen (ConfigMgr's NetBIOS computer-name rule), e.g. pc-01.`,
      name,
    );
  }
  if (!name && !mac) throw new EngineError('MemberNotIdentified', 'InvalidArgument', 'A member needs a -Name or a -MacAddress (or an object with Name / MacAddress properties).', member);
  return { name, mac };
}

/**
 * The device with this MAC address and/or name (a name may also be a device id), created when
 * the site does not know it yet; a MAC and a name that belong to different devices are refused.
 */
export function findOrCreateDevice(site: SiteState, { name, mac }: { name: string | undefined; mac: string | null }): DeviceRecord {
  const byMac = mac ? site.devices.find((device) => device.mac === mac) : undefined;
  const byName = name ? site.devices.find((device) => device.name.toLowerCase() === name.toLowerCase() || device.id.toLowerCase() === name.toLowerCase()) : undefined;
  if (byMac && byName && byMac !== byName) {
    throw new EngineError('DeviceConflict', 'InvalidArgument', `MAC ${mac} belongs to device '${byMac.name}' but the name '${name}' to another device; fix the input or remove one of them.`, { name, mac });
  }
  let device = byMac ?? byName;
  if (!device) {
    device = { id: nextId('DEV', site.devices), name: name ?? mac!, mac };
    site.devices.push(device);
  } else if (mac && !device.mac) {
    device.mac = mac;
  } else if (mac && device.mac !== mac) {
    throw new EngineError('DeviceConflict', 'InvalidArgument', `Device '${device.name}' has MAC ${device.mac}, not ${mac}.`, { name, mac });
  }
  return device;
}

export async function removeCollectionMember(store: SiteStore, collectionName: string, member: string): Promise<DeviceRecord> {
  return store.update((site) => {
    const collection = findCollection(site, collectionName);
    const mac = normalizeMac(member);
    const members = site.devices.filter((device) => collection.memberIds.includes(device.id));
    const device = (mac && members.find((candidate) => candidate.mac === mac)) || members.find((candidate) => [candidate.id, candidate.name].some((key) => key.toLowerCase() === member.trim().toLowerCase()));
    if (!device) {
      throw new EngineError('MemberNotFound', 'ObjectNotFound', `'${member}' is not a member of collection '${collection.name}' (members: ${members.map((d) => d.name).join(', ') || 'none'}).`, member);
    }
    collection.memberIds = collection.memberIds.filter((id) => id !== device.id);
    return device;
  });
}
