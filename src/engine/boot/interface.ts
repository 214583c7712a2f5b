// The one interface the PXE services answer on: a name (eth0) or one of its IPv4 addresses,
// resolved to the device name (for SO_BINDTODEVICE), the address and the subnet. Nothing here
// ever picks an interface on its own.
import { networkInterfaces } from 'node:os';
import { EngineError } from '../errors.js';
import { formatIPv4, parseIPv4 } from '../site/ipv4.js';

export interface PxeInterface {
  name: string;
  address: string;
  netmask: string;
  /** The subnet's broadcast address. */
  broadcast: string;
}

export function resolvePxeInterface(spec: string): PxeInterface {
  const all = networkInterfaces();
  for (const [name, addresses] of Object.entries(all)) {
    const match = addresses?.find((address) => address.family === 'IPv4' && (name === spec || address.address === spec));
    if (!match) continue;
    const address = parseIPv4(match.address)!;
    const mask = parseIPv4(match.netmask)!;
    return { name, address: match.address, netmask: match.netmask, broadcast: formatIPv4((address | ~mask) >>> 0) };
  }
  const names = Object.entries(all).filter(([, addresses]) => addresses?.some((address) => address.family === 'IPv4')).map(([name]) => name);
  throw new EngineError('InterfaceNotFound', 'ObjectNotFound', `The PXE interface '${spec}' has no IPv4 address on this host (interfaces: ${names.join(', ') || 'none'}); set it with Set-DPPxe -Interface.`, spec);
}

/** True when `address` lies in the interface's subnet. */
export function inSubnet(iface: PxeInterface, address: string): boolean {
  const mask = parseIPv4(iface.netmask)!;
  return ((parseIPv4(address)! & mask) >>> 0) === ((parseIPv4(iface.address)! & mask) >>> 0);
}
