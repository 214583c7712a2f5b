// Boundaries and boundary groups, as ConfigMgr has them: a boundary is a network location (an IPv4
// subnet or address range), a boundary group gathers boundaries and names the distribution points
// that serve clients in them. Boundaries may overlap (ConfigMgr allows it): a client then falls in
// every group of every boundary that holds its address (groupsOfAddress).
import { EngineError } from '../errors.js';
import type { BoundaryGroupRecord, BoundaryRecord, SiteState } from './model.js';
import { formatIPv4, parseIPv4 } from './ipv4.js';
import { assertNameFree, findRecord, nextId, requireName } from './records.js';
import type { SiteStore } from './store.js';

export type BoundaryType = BoundaryRecord['type'];

/** The first and last address (as numbers) a boundary covers. */
export interface AddressSpan {
  first: number;
  last: number;
}

const SUBNET_EXAMPLE = 'e.g. 10.2.0.0/16';
const RANGE_EXAMPLE = 'e.g. 10.2.0.10-10.2.0.200';

/**
 * Checks a boundary's value and returns it in canonical form with the addresses it covers. A
 * subnet with host bits set (10.2.3.4/16) is refused, naming the subnet that was probably meant.
 */
export function parseBoundaryValue(type: BoundaryType, text: string): { value: string; span: AddressSpan } {
  const value = text.trim();
  if (type === 'IPSubnet') {
    const match = /^([^/\s]+)\/(\d{1,2})$/.exec(value);
    const address = match ? parseIPv4(match[1]!) : null;
    const prefix = match ? Number(match[2]) : NaN;
    if (address === null || !(prefix >= 1 && prefix <= 32)) {
      throw new EngineError('InvalidBoundary', 'InvalidArgument', `-IPSubnet '${text}' is not an IPv4 subnet in CIDR form (address/prefix length 1-32), ${SUBNET_EXAMPLE}.`, text);
    }
    const size = 2 ** (32 - prefix);
    const network = address - (address % size);
    if (network !== address) {
      throw new EngineError('BoundaryHostBitsSet', 'InvalidArgument', `-IPSubnet '${text}' has host bits set: the /${prefix} subnet that holds ${formatIPv4(address)} is ${formatIPv4(network)}/${prefix}; give that (or a longer prefix for a smaller subnet).`, text);
    }
    return { value: `${formatIPv4(network)}/${prefix}`, span: { first: network, last: network + size - 1 } };
  }
  const match = /^([^-\s]+)\s*-\s*([^-\s]+)$/.exec(value);
  const first = match ? parseIPv4(match[1]!) : null;
  const last = match ? parseIPv4(match[2]!) : null;
  if (first === null || last === null) {
    throw new EngineError('InvalidBoundary', 'InvalidArgument', `-IPRange '${text}' is not an IPv4 address range (first-last), ${RANGE_EXAMPLE}.`, text);
  }
  if (first > last) {
    throw new EngineError('InvalidBoundary', 'InvalidArgument', `-IPRange '${text}' ends before it starts; give the lower address first: ${formatIPv4(last)}-${formatIPv4(first)}.`, text);
  }
  return { value: `${formatIPv4(first)}-${formatIPv4(last)}`, span: { first, last } };
}

/** The addresses a stored boundary covers. */
export function boundarySpan(boundary: BoundaryRecord): AddressSpan {
  return parseBoundaryValue(boundary.type, boundary.value).span;
}

/**
 * The boundaries sorted by first address, with the highest last address up to each (so a lookup
 * stops as soon as no earlier boundary can reach the address), and the groups of each boundary.
 */
interface BoundaryIndex {
  sorted: { span: AddressSpan; boundary: BoundaryRecord; position: number }[];
  reach: number[];
  groupsOf: ReadonlyMap<string, readonly number[]>;
}

/**
 * A DP places the client of every content request: a snapshot from the store is frozen and shared
 * until the site changes (as site-index.ts), so its index is built once and kept with it.
 */
const indexes = new WeakMap<SiteState, BoundaryIndex>();

function boundaryIndex(site: SiteState): BoundaryIndex {
  const known = indexes.get(site);
  if (known) return known;
  const sorted = site.boundaries.map((boundary, position) => ({ span: boundarySpan(boundary), boundary, position })).sort((a, b) => a.span.first - b.span.first);
  const reach: number[] = [];
  for (const [i, { span }] of sorted.entries()) reach.push(Math.max(span.last, i > 0 ? reach[i - 1]! : -1));
  const groupsOf = new Map<string, number[]>();
  for (const [position, group] of site.boundaryGroups.entries()) {
    for (const id of group.boundaryIds) groupsOf.set(id, [...(groupsOf.get(id) ?? []), position]);
  }
  const index = { sorted, reach, groupsOf };
  if (Object.isFrozen(site)) indexes.set(site, index);
  return index;
}

const overlaps = (a: AddressSpan, b: AddressSpan) => a.first <= b.last && b.first <= a.last;

export function findBoundary(site: SiteState, nameOrId: string): BoundaryRecord {
  return findRecord(site.boundaries, nameOrId, 'boundary', 'BoundaryNotFound');
}

export function findBoundaryGroup(site: SiteState, nameOrId: string): BoundaryGroupRecord {
  return findRecord(site.boundaryGroups, nameOrId, 'boundary group', 'BoundaryGroupNotFound');
}

/** The groups `boundary` is a member of, in site order. */
export function groupsOfBoundary(site: SiteState, boundary: BoundaryRecord): BoundaryGroupRecord[] {
  return site.boundaryGroups.filter((group) => group.boundaryIds.includes(boundary.id));
}

/** The other boundaries that share addresses with `boundary` (allowed, but worth knowing). */
export function overlappingBoundaries(site: SiteState, boundary: BoundaryRecord): BoundaryRecord[] {
  const span = boundarySpan(boundary);
  return site.boundaries.filter((other) => other.id !== boundary.id && overlaps(span, boundarySpan(other)));
}

/** An address an admin asks about (-IPAddress): dotted IPv4, or a clear error. */
export function requireIPv4(text: string, parameter: string): string {
  const value = parseIPv4(text);
  if (value === null) throw new EngineError('InvalidIPAddress', 'InvalidArgument', `${parameter} '${text}' is not an IPv4 address; expected four numbers 0-255, e.g. 10.2.5.7 (boundaries are IPv4).`, text);
  return formatIPv4(value);
}

/** The boundaries that hold `address` (dotted IPv4), in site order; none for anything else (IPv6). */
export function boundariesOfAddress(site: SiteState, address: string): BoundaryRecord[] {
  const value = parseIPv4(address);
  if (value === null) return [];
  const { sorted, reach } = boundaryIndex(site);
  // The last boundary starting at or before the address, then back while one can still reach it.
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle]!.span.first <= value) low = middle + 1;
    else high = middle;
  }
  const found: { boundary: BoundaryRecord; position: number }[] = [];
  for (let i = low - 1; i >= 0 && reach[i]! >= value; i--) if (sorted[i]!.span.last >= value) found.push(sorted[i]!);
  return found.sort((a, b) => a.position - b.position).map(({ boundary }) => boundary);
}

/** The boundary groups a client at `address` falls in: every group of every boundary that holds it, in site order. */
export function groupsOfAddress(site: SiteState, address: string): BoundaryGroupRecord[] {
  const { groupsOf } = boundaryIndex(site);
  const positions = new Set(boundariesOfAddress(site, address).flatMap((boundary) => groupsOf.get(boundary.id) ?? []));
  return [...positions].sort((a, b) => a - b).map((position) => site.boundaryGroups[position]!);
}

export async function newBoundary(store: SiteStore, request: { type: BoundaryType; value: string; name?: string | undefined }): Promise<BoundaryRecord> {
  const { value } = parseBoundaryValue(request.type, request.value);
  const name = request.name === undefined ? value : requireName(request.name, 'boundary');
  return store.update((site) => {
    const same = site.boundaries.find((boundary) => boundary.type === request.type && boundary.value === value);
    if (same) throw new EngineError('BoundaryExists', 'ResourceExists', `The site already has the ${request.type} boundary ${value} (${same.name}, ${same.id}); add it to more groups with Add-BoundaryGroupMember.`, value);
    assertNameFree(site.boundaries, name, 'boundary', 'BoundaryExists', 'choose another -Name');
    const boundary: BoundaryRecord = { id: nextId('BND', site.boundaries), name, type: request.type, value };
    site.boundaries.push(boundary);
    return boundary;
  });
}

/** Renames a boundary and/or changes its value (of the same type). */
export async function setBoundary(store: SiteStore, nameOrId: string, change: { name?: string | undefined; value?: string | undefined }): Promise<BoundaryRecord> {
  return store.update((site) => {
    const boundary = findBoundary(site, nameOrId);
    if (change.value !== undefined) {
      const { value } = parseBoundaryValue(boundary.type, change.value);
      const same = site.boundaries.find((other) => other !== boundary && other.type === boundary.type && other.value === value);
      if (same) throw new EngineError('BoundaryExists', 'ResourceExists', `The site already has the ${boundary.type} boundary ${value} (${same.name}, ${same.id}).`, value);
      boundary.value = value;
    }
    if (change.name !== undefined) {
      const name = requireName(change.name, 'boundary');
      if (name.toLowerCase() !== boundary.name.toLowerCase()) assertNameFree(site.boundaries, name, 'boundary', 'BoundaryExists', 'choose another -NewName');
      boundary.name = name;
    }
    return boundary;
  });
}

/** Removes a boundary, and takes it out of every group it was in. */
export async function removeBoundary(store: SiteStore, nameOrId: string): Promise<BoundaryRecord> {
  return store.update((site) => {
    const boundary = findBoundary(site, nameOrId);
    site.boundaries = site.boundaries.filter((other) => other !== boundary);
    for (const group of site.boundaryGroups) group.boundaryIds = group.boundaryIds.filter((id) => id !== boundary.id);
    return boundary;
  });
}

export async function newBoundaryGroup(store: SiteStore, request: { name: string; description?: string | undefined }): Promise<BoundaryGroupRecord> {
  const name = requireName(request.name, 'boundary group');
  return store.update((site) => {
    assertNameFree(site.boundaryGroups, name, 'boundary group', 'BoundaryGroupExists', 'choose another -Name');
    const group: BoundaryGroupRecord = { id: nextId('BG', site.boundaryGroups), name, description: request.description ?? '', boundaryIds: [], distributionPoints: [] };
    site.boundaryGroups.push(group);
    return group;
  });
}

/** Removes a group; its boundaries stay (ConfigMgr's Remove-CMBoundaryGroup). */
export async function removeBoundaryGroup(store: SiteStore, nameOrId: string): Promise<BoundaryGroupRecord> {
  return store.update((site) => {
    const group = findBoundaryGroup(site, nameOrId);
    site.boundaryGroups = site.boundaryGroups.filter((other) => other !== group);
    return group;
  });
}

/** Adds a boundary to a group (ConfigMgr's Add-CMBoundaryToGroup); adding it twice changes nothing. */
export async function addBoundaryGroupMember(store: SiteStore, groupName: string, boundaryName: string): Promise<BoundaryGroupRecord> {
  return store.update((site) => {
    const group = findBoundaryGroup(site, groupName);
    const boundary = findBoundary(site, boundaryName);
    if (!group.boundaryIds.includes(boundary.id)) group.boundaryIds.push(boundary.id);
    return group;
  });
}

export async function removeBoundaryGroupMember(store: SiteStore, groupName: string, boundaryName: string): Promise<BoundaryGroupRecord> {
  return store.update((site) => {
    const group = findBoundaryGroup(site, groupName);
    const boundary = findBoundary(site, boundaryName);
    if (!group.boundaryIds.includes(boundary.id)) {
      throw new EngineError('BoundaryNotInGroup', 'ObjectNotFound', `Boundary ${boundary.name} (${boundary.value}) is not a member of boundary group ${group.name}; its members: ${memberNames(site, group) || 'none'}.`, boundaryName);
    }
    group.boundaryIds = group.boundaryIds.filter((id) => id !== boundary.id);
    return group;
  });
}

/**
 * Adds a DP to the group's list, at its end: clients are referred to the group's DPs in list order.
 * The DP must be one of the site (registered by `mcshell serve --name`); its name is stored as the site spells it.
 */
export async function addBoundaryGroupDistributionPoint(store: SiteStore, groupName: string, dpName: string): Promise<BoundaryGroupRecord> {
  return store.update((site) => {
    const group = findBoundaryGroup(site, groupName);
    const wanted = dpName.trim().toLowerCase();
    const dp = site.distributionPoints.find((candidate) => candidate.name.toLowerCase() === wanted);
    if (!dp) {
      const known = site.distributionPoints.map((candidate) => candidate.name).join(', ') || 'none registered yet (a DP registers itself when `mcshell serve --name <name>` starts)';
      throw new EngineError('DistributionPointNotFound', 'ObjectNotFound', `The site has no distribution point named '${dpName}'; its DPs: ${known}.`, dpName);
    }
    if (!group.distributionPoints.some((name) => name.toLowerCase() === wanted)) group.distributionPoints.push(dp.name);
    return group;
  });
}

export async function removeBoundaryGroupDistributionPoint(store: SiteStore, groupName: string, dpName: string): Promise<BoundaryGroupRecord> {
  return store.update((site) => {
    const group = findBoundaryGroup(site, groupName);
    const wanted = dpName.trim().toLowerCase();
    if (!group.distributionPoints.some((name) => name.toLowerCase() === wanted)) {
      throw new EngineError('DistributionPointNotInGroup', 'ObjectNotFound', `Distribution point '${dpName}' does not serve boundary group ${group.name}; its DPs: ${group.distributionPoints.join(', ') || 'none'}.`, dpName);
    }
    group.distributionPoints = group.distributionPoints.filter((name) => name.toLowerCase() !== wanted);
    return group;
  });
}

/** The names of a group's boundaries, for messages. */
function memberNames(site: SiteState, group: BoundaryGroupRecord): string {
  return site.boundaries.filter((boundary) => group.boundaryIds.includes(boundary.id)).map((boundary) => boundary.name).join(', ');
}
