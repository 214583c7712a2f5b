// The PXE hello (contract 3): a machine that booted the boot image says who it is (MAC, SMBIOS
// UUID, its inventory) and learns what to do: `deploy` (with a short-lived device credential
// scoped to deployments available to PXE) or `localboot`. Unknown machines are registered into
// "All Unknown Computers" when unknown computer support is on; a known one gets its UUID and
// inventory recorded. With a PXE password set, the one-time ticket from the password step is required.
import { EngineError } from '../errors.js';
import { normalizeMac } from '../deploy/targeting.js';
import { nextId } from '../site/records.js';
import { UNKNOWN_COMPUTERS_COLLECTION, type DeviceInventory, type DeviceRecord, type SiteState } from '../site/model.js';
import { dpSettings } from '../site/distribution-points.js';
import type { SiteStore } from '../site/store.js';
import { issuePxeCredential } from './pxe-credential.js';
import { findBootingDevice, pxeDecision, unknownName } from './pxe-deployments.js';
import type { PxeTickets } from './tickets.js';

export interface PxeHelloRequest {
  mac: string;
  uuid: string | null;
  ticket: string | null;
  inventory: Omit<DeviceInventory, 'reportedAt'>;
}

export interface PxeHelloAnswer {
  device: { id: string; name: string } | null;
  credential?: string;
  action: 'deploy' | 'localboot';
  message: string;
}

/** Refused hellos: the control endpoint answers them with 403. */
export class PxeHelloRefused extends Error {
  constructor(
    readonly id: string,
    message: string,
  ) {
    super(message);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_ITEMS = 64;

function bad(message: string): never {
  throw new EngineError('InvalidPxeHello', 'InvalidArgument', message);
}

const text = (value: unknown, name: string, max = 200): string => {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') bad(`'${name}' must be a string.`);
  return value.replace(/[\x00-\x1f\x7f]/g, '').slice(0, max);
};

const count = (value: unknown, name: string): number => {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) bad(`'${name}' must be a whole number of bytes.`);
  return value;
};

/** The request body checked and bounded (it comes from an unauthenticated machine). */
export function parsePxeHello(body: Record<string, unknown>): PxeHelloRequest {
  const mac = typeof body.mac === 'string' ? normalizeMac(body.mac) : null;
  if (!mac) bad("'mac' must be the booting NIC's MAC address (e.g. 52:54:00:12:34:56).");
  const uuidText = typeof body.uuid === 'string' ? body.uuid.trim().toLowerCase() : '';
  if (uuidText && !UUID.test(uuidText)) bad("'uuid' must be an SMBIOS UUID (8-4-4-4-12 hex digits) or empty.");
  const ticket = body.ticket === undefined || body.ticket === null ? null : text(body.ticket, 'ticket', 100);
  const inventory = (typeof body.inventory === 'object' && body.inventory !== null && !Array.isArray(body.inventory) ? body.inventory : {}) as Record<string, unknown>;
  const list = (value: unknown, name: string): Record<string, unknown>[] => {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) bad(`'inventory.${name}' must be a list.`);
    return value.slice(0, MAX_ITEMS).map((item) => (typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : bad(`'inventory.${name}' must hold objects.`)));
  };
  const hostname = text(inventory.hostname, 'inventory.hostname', 64);
  return {
    mac,
    uuid: uuidText && !/^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(uuidText) ? uuidText : null,
    ticket,
    inventory: {
      hostname: hostname || null,
      memoryBytes: count(inventory.memoryBytes, 'inventory.memoryBytes'),
      disks: list(inventory.disks, 'disks').map((disk) => ({ name: text(disk.name, 'name', 64), sizeBytes: count(disk.sizeBytes, 'sizeBytes'), model: text(disk.model, 'model'), serial: text(disk.serial, 'serial'), removable: disk.removable === true })),
      nics: list(inventory.nics, 'nics').map((nic) => ({ name: text(nic.name, 'name', 64), mac: normalizeMac(text(nic.mac, 'mac', 40)) ?? '' })),
    },
  };
}

export interface PxeHelloContext {
  store: SiteStore;
  /** The DP answering: its PXE settings apply. */
  dpName: string;
  tickets: PxeTickets;
  credentialKey: Buffer;
}

export async function pxeHello(context: PxeHelloContext, request: PxeHelloRequest): Promise<PxeHelloAnswer> {
  const { pxe } = dpSettings(context.store.read(), context.dpName);
  if (!pxe.enabled || !pxe.allowResponse) return { device: null, action: 'localboot', message: 'PXE is not enabled on this distribution point (Set-DPPxe -Enable).' };
  if (pxe.passwordHash && !(request.ticket && context.tickets.redeem(request.ticket, request.mac))) {
    throw new PxeHelloRefused('PxeTicketInvalid', 'This distribution point has a PXE password: the hello needs the one-time ticket from the password step (mcshell.ticket on the kernel command line), unused, not expired and for this MAC address. Boot the machine from the network again.');
  }
  const reportedAt = new Date().toISOString();
  const device = await context.store.update((site): DeviceRecord | null => {
    let known = findBootingDevice(site, request.mac, request.uuid);
    if (!known) {
      if (!dpSettings(site, context.dpName).pxe.unknownComputerSupport) return null;
      known = { id: nextId('DEV', site.devices), name: freeName(site, unknownName(request.mac)), mac: request.mac };
      site.devices.push(known);
      const collection = site.collections.find((candidate) => candidate.id === UNKNOWN_COMPUTERS_COLLECTION.id);
      if (!collection) throw new EngineError('UnknownComputersMissing', 'InvalidOperation', `The built-in collection "${UNKNOWN_COMPUTERS_COLLECTION.name}" (${UNKNOWN_COMPUTERS_COLLECTION.id}) is missing from the site.`);
      collection.memberIds.push(known.id);
    }
    if (request.uuid && !site.devices.some((other) => other !== known && other.uuid === request.uuid)) known.uuid = request.uuid;
    known.inventory = { ...request.inventory, reportedAt };
    return structuredClone(known);
  });
  if (!device) return { device: null, action: 'localboot', message: `${request.mac} is not known to this site and unknown computer support is off; booting from the local disk.` };
  const decision = pxeDecision(context.store.read(), device, new Date());
  const named = { id: device.id, name: device.name };
  if (decision.action === 'localboot') return { device: named, action: 'localboot', message: `${decision.reason}; booting from the local disk.` };
  const { deployment } = decision.assignment;
  return { device: named, credential: issuePxeCredential(context.credentialKey, device.id), action: 'deploy', message: `${deployment.purpose} deployment ${deployment.id} for ${device.name}.` };
}

/**
 * `UNKNOWN-ABCDEF`, or `UNKNOWN2-ABCDEF` … when a device has that name already (two NICs ending
 * alike), within the 15 characters of a device name.
 */
function freeName(site: SiteState, name: string): string {
  const taken = new Set(site.devices.map((device) => device.name.toLowerCase()));
  for (let suffix = 2; taken.has(name.toLowerCase()); suffix++) name = name.replace(/^UNKNOWN\d*/, `UNKNOWN${suffix}`);
  return name;
}
