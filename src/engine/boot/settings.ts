// The DP's PXE settings (ConfigMgr's DP "PXE" tab): a change is merged into the current settings,
// checked as a whole and saved in one transaction, so an invalid combination changes nothing.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { EngineError } from '../errors.js';
import { formatIPv4, parseIPv4 } from '../site/ipv4.js';
import type { DPPxeSettings, PxeDhcpMode, SiteState } from '../site/model.js';
import type { SiteStore } from '../site/store.js';
import { changeSettings, settingsTarget } from '../site/distribution-points.js';
import { findBootImageRecord } from './image/library.js';

/** ConfigMgr allows a PXE response delay of 0 to 32 seconds. */
export const MAX_RESPONSE_DELAY_SECONDS = 32;
export const MAX_PROMPT_SECONDS = 300;
/** A full-DHCP lab range: a few thousand machines at most (leases live in memory). */
export const MAX_DHCP_RANGE = 4096;

export interface PxeSettingsChange {
  enabled?: boolean;
  allowResponse?: boolean;
  unknownComputerSupport?: boolean;
  /** A new PXE password; '' or null removes it. */
  password?: string | null;
  responseDelaySeconds?: number;
  /** null: answer on the DP's interface. */
  interface?: string | null;
  /** Name or id of a boot image; null: none. */
  bootImage?: string | null;
  httpPort?: number;
  dhcpMode?: PxeDhcpMode;
  addressRange?: { start?: string; end?: string } | null;
  bootFolder?: string;
  promptSeconds?: number;
}

function invalid(id: string, message: string, target?: unknown): never {
  throw new EngineError(id, 'InvalidArgument', message, target);
}

function wholeNumber(value: number, name: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) invalid('ValueOutOfRange', `${name} must be a whole number from ${min} to ${max}; got ${value}.`, value);
}

/** The unicast IPv4 address a DHCP range bound may be; the error names the parameter. */
function parseLeaseAddress(text: string, parameter: string): number {
  const value = parseIPv4(text);
  if (value === null) invalid('InvalidIPAddress', `${parameter} '${text}' is not an IPv4 address (e.g. 198.18.0.100).`, text);
  const first = value >>> 24;
  if (first === 0 || first === 127 || first >= 224 || (value & 255) === 0 || (value & 255) === 255) {
    invalid('InvalidIPAddress', `${parameter} '${text}' cannot be handed to a machine: give a unicast address that ends neither in .0 nor in .255.`, text);
  }
  return value;
}

/** `scrypt:<salt>:<hash>` of a PXE password (the site never keeps the password itself). */
export function hashPxePassword(password: string): string {
  const salt = randomBytes(16);
  return `scrypt:${salt.toString('hex')}:${scryptSync(password, salt, 32).toString('hex')}`;
}

export function checkPxePassword(hash: string, password: string): boolean {
  const [, salt, expected] = hash.split(':');
  if (!salt || !expected) return false;
  return timingSafeEqual(scryptSync(password, Buffer.from(salt, 'hex'), 32), Buffer.from(expected, 'hex'));
}

/** Applies `change` to `current` in `site`; throws naming the setting and what is allowed. */
export function applyPxeChange(site: SiteState, current: DPPxeSettings, change: PxeSettingsChange): DPPxeSettings {
  const next: DPPxeSettings = { ...current };
  if (change.enabled !== undefined) next.enabled = change.enabled;
  if (change.allowResponse !== undefined) next.allowResponse = change.allowResponse;
  if (change.unknownComputerSupport !== undefined) next.unknownComputerSupport = change.unknownComputerSupport;
  if (change.password !== undefined) {
    if (change.password && change.password.length > 128) invalid('InvalidPxePassword', 'PxePassword must be at most 128 characters.');
    if (change.password && /[\x00-\x1f\x7f]/.test(change.password)) invalid('InvalidPxePassword', 'PxePassword must not hold control characters (it is typed on the machine\'s console).');
    next.passwordHash = change.password ? hashPxePassword(change.password) : null;
  }
  if (change.responseDelaySeconds !== undefined) {
    wholeNumber(change.responseDelaySeconds, 'PxeServerResponseDelaySec', 0, MAX_RESPONSE_DELAY_SECONDS);
    next.responseDelaySeconds = change.responseDelaySeconds;
  }
  if (change.interface !== undefined) {
    const name = change.interface?.trim() || null;
    if (change.interface !== null && !name) invalid('InvalidInterface', 'Interface must name a network interface (e.g. eth0) or an address.');
    next.interface = name;
  }
  if (change.bootImage !== undefined) next.bootImageId = change.bootImage === null ? null : findBootImageRecord(site, change.bootImage).id;
  if (change.httpPort !== undefined) {
    wholeNumber(change.httpPort, 'HttpPort', 1, 65535);
    next.httpPort = change.httpPort;
  }
  if (change.dhcpMode !== undefined) next.dhcpMode = change.dhcpMode;
  if (change.addressRange === null) next.addressRange = null;
  else if (change.addressRange) {
    const start = change.addressRange.start ?? current.addressRange?.start ?? change.addressRange.end!;
    const end = change.addressRange.end ?? current.addressRange?.end ?? change.addressRange.start!;
    next.addressRange = { start, end };
  }
  if (next.addressRange) {
    const start = parseLeaseAddress(next.addressRange.start, 'DhcpStartAddress');
    const end = parseLeaseAddress(next.addressRange.end, 'DhcpEndAddress');
    if (start > end) invalid('InvalidAddressRange', `DhcpStartAddress ${next.addressRange.start} is above DhcpEndAddress ${next.addressRange.end}; the range must run from low to high.`, next.addressRange);
    if (end - start + 1 > MAX_DHCP_RANGE) invalid('InvalidAddressRange', `The DHCP range holds ${end - start + 1} addresses; at most ${MAX_DHCP_RANGE} are allowed.`, next.addressRange);
    next.addressRange = { start: formatIPv4(start), end: formatIPv4(end) };
  }
  if (next.dhcpMode === 'Full' && !next.addressRange) {
    invalid('DhcpRangeRequired', 'DhcpMode Full hands out addresses, so it needs -DhcpStartAddress and -DhcpEndAddress (in the subnet of the PXE interface). Use it only on an isolated lab network with no DHCP server of its own.');
  }
  if (change.bootFolder !== undefined) {
    if (!change.bootFolder.startsWith('/')) invalid('InvalidBootFolder', `BootFolder must be an absolute path (the default is /usr/lib/ipxe, from Debian's ipxe package); got '${change.bootFolder}'.`, change.bootFolder);
    next.bootFolder = change.bootFolder;
  }
  if (change.promptSeconds !== undefined) {
    wholeNumber(change.promptSeconds, 'PromptSeconds', 1, MAX_PROMPT_SECONDS);
    next.promptSeconds = change.promptSeconds;
  }
  return next;
}

/** Changes the PXE settings of the DP named (default as setDPSettings). */
export async function setPxeSettings(store: SiteStore, change: PxeSettingsChange, distributionPoint?: string): Promise<DPPxeSettings> {
  return store.update((site) => changeSettings(site, settingsTarget(site, distributionPoint), (current) => ({ ...current, pxe: applyPxeChange(site, current.pxe, change) })).pxe);
}
