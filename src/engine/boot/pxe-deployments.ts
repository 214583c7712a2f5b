// Which deployments a network-booted machine gets (ConfigMgr's rules): only those whose
// availability includes PXE (ClientsMediaAndPxe, MediaAndPxe), of the device's collections, in
// their time window, required before available. A required deployment the device already ran
// (Succeeded or Failed) is not run again at its next network boot, so a finished machine boots
// from its disk instead of being imaged in a loop, until the admin clears it (Clear-PxeDeployment).
import { EngineError } from '../errors.js';
import { assignmentsIn, normalizeMac, type Assignment } from '../deploy/targeting.js';
import { UNKNOWN_COMPUTERS_COLLECTION, type DeploymentRecord, type DeviceRecord, type DPPxeSettings, type SiteState } from '../site/model.js';
import { siteIndex } from '../site/site-index.js';
import type { SiteStore } from '../site/store.js';

/** ConfigMgr's "Configuration Manager clients, media and PXE" and "Only media and PXE". */
const PXE_AVAILABILITY: ReadonlySet<DeploymentRecord['availability']> = new Set(['ClientsMediaAndPxe', 'MediaAndPxe']);

/** Deployments available to the device by PXE now: required first, oldest first. */
export function pxeAssignmentsFor(site: SiteState, deviceId: string, now: Date): Assignment[] {
  return assignmentsIn(site, siteIndex(site).collectionsOf.get(deviceId), now, PXE_AVAILABILITY);
}

/** True when the device ran this deployment to an end (Succeeded or Failed) since its PXE deployments were last cleared. */
export function ranSinceClear(site: SiteState, deploymentId: string, deviceId: string): boolean {
  const status = site.deploymentStatus.find((entry) => entry.deploymentId === deploymentId && entry.deviceId === deviceId);
  if (!status || status.state === 'InProgress') return false;
  const cleared = site.pxeClears.find((clear) => clear.deviceId === deviceId);
  return !cleared || Date.parse(cleared.clearedAt) < Date.parse(status.updatedAt);
}

/**
 * What a network-booted machine does: `deploy` a required deployment it has not run (at once),
 * `prompt` for an available one (a key press within the prompt time, else its disk), or
 * `localboot` when nothing is left to do.
 */
export type PxeDecision =
  | { action: 'deploy'; assignment: Assignment }
  | { action: 'prompt'; assignment: Assignment }
  | { action: 'localboot'; reason: string };

export function pxeDecision(site: SiteState, device: DeviceRecord, now: Date): PxeDecision {
  const assignments = pxeAssignmentsFor(site, device.id, now);
  if (assignments.length === 0) return { action: 'localboot', reason: `no deployment available to PXE targets ${device.name}` };
  return decide(site, device, assignments);
}

function decide(site: SiteState, device: DeviceRecord, assignments: Assignment[]): PxeDecision {
  const required = assignments.find(({ deployment }) => deployment.purpose === 'Required' && !ranSinceClear(site, deployment.id, device.id));
  if (required) return { action: 'deploy', assignment: required };
  const available = assignments.find(({ deployment }) => deployment.purpose === 'Available');
  if (available) return { action: 'prompt', assignment: available };
  return { action: 'localboot', reason: `${device.name} has run its required PXE deployment(s) already (Clear-PxeDeployment lets it run them again)` };
}

/**
 * What a network-booted machine does, known or not. An unknown machine, with unknown computer
 * support on, gets the deployments of "All Unknown Computers" (it is registered when its boot
 * image says hello); without it, it boots from its disk.
 */
export function machineDecision(site: SiteState, mac: string | null, uuid: string | null, now: Date, pxe: DPPxeSettings = site.dp.pxe): { device: DeviceRecord | null; decision: PxeDecision } {
  const device = findBootingDevice(site, mac, uuid);
  if (device) return { device, decision: pxeDecision(site, device, now) };
  const who = mac ?? uuid ?? 'an unidentified machine';
  if (!pxe.unknownComputerSupport) return { device: null, decision: { action: 'localboot', reason: `${who} is not known to this site and unknown computer support is off` } };
  const assignments = assignmentsIn(site, new Set([UNKNOWN_COMPUTERS_COLLECTION.id]), now, PXE_AVAILABILITY);
  if (assignments.length === 0) return { device: null, decision: { action: 'localboot', reason: `no deployment available to PXE targets All Unknown Computers` } };
  const unknown: DeviceRecord = { id: '', name: unknownName(mac), mac };
  return { device: null, decision: decide(site, unknown, assignments) };
}

/** The name an unknown machine is registered under until the admin renames it. */
export function unknownName(mac: string | null): string {
  return `UNKNOWN-${(mac ?? '000000').replaceAll(':', '').slice(-6).toUpperCase()}`;
}

/** The device a network-booted machine is, by MAC address, else by SMBIOS UUID; null when unknown. */
export function findBootingDevice(site: SiteState, mac: string | null, uuid: string | null): DeviceRecord | null {
  return (mac && site.devices.find((device) => device.mac === mac)) || (uuid && site.devices.find((device) => device.uuid === uuid)) || null;
}

/**
 * ConfigMgr's "Clear required PXE deployments": each device named (name, id or MAC address) may
 * run its required PXE deployments again at its next network boot. Returns the devices cleared.
 */
export async function clearPxeDeployments(store: SiteStore, names: readonly string[]): Promise<DeviceRecord[]> {
  return store.update((site) => {
    const clearedAt = new Date().toISOString();
    return names.map((name) => {
      const wanted = name.trim().toLowerCase();
      const mac = normalizeMac(name);
      const device = site.devices.find((candidate) => candidate.id.toLowerCase() === wanted || candidate.name.toLowerCase() === wanted || (mac !== null && candidate.mac === mac));
      if (!device) throw new EngineError('DeviceNotFound', 'ObjectNotFound', `No device with the name, id or MAC address '${name}' (Get-Device lists them).`, name);
      site.pxeClears = [...site.pxeClears.filter((clear) => clear.deviceId !== device.id), { deviceId: device.id, clearedAt }];
      return device;
    });
  });
}
