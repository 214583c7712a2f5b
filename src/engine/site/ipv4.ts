// IPv4 helpers for the distribution point's multicast address range.
import { EngineError } from '../errors.js';

export function parseIPv4(text: string): number | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!match) return null;
  const octets = match.slice(1).map(Number);
  if (octets.some((octet) => octet > 255)) return null;
  return ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!;
}

export function formatIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** The administratively scoped block ConfigMgr allows for multicast sessions. */
export const ADMIN_SCOPED_FIRST = parseIPv4('239.0.0.0')!;
export const ADMIN_SCOPED_LAST = parseIPv4('239.255.255.255')!;

/**
 * Ethernet maps only the low 23 bits of a group to a MAC address, so 239.0.0.x and 239.128.0.x
 * share MAC addresses with 224.0.0.x (link-local control traffic that switches flood everywhere).
 */
export function aliasesLinkLocalControl(address: number): boolean {
  return (address & 0x007fff00) === 0;
}

/** Parses an address that must lie in 239.0.0.0/8; the error names the parameter. */
export function parseMulticastAddress(text: string, parameter: string): number {
  const value = parseIPv4(text);
  if (value === null) {
    throw new EngineError('InvalidIPAddress', 'InvalidArgument', `${parameter} '${text}' is not an IPv4 address; expected a multicast address in 239.0.0.0/8, e.g. 239.255.10.1.`, text);
  }
  if (value < ADMIN_SCOPED_FIRST || value > ADMIN_SCOPED_LAST) {
    throw new EngineError('AddressNotMulticast', 'InvalidArgument', `${parameter} '${text}' is not in the administratively scoped multicast range 239.0.0.0–239.255.255.255.`, text);
  }
  return value;
}
