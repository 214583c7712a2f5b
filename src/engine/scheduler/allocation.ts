// Group and port allocation for multicast sessions: each running session gets its own group
// from the DP's address range and its own port from the DP's port range, never shared.
import { EngineError } from '../errors.js';
import { aliasesLinkLocalControl, formatIPv4, parseIPv4 } from '../site/ipv4.js';
import type { DPMulticastSettings } from '../site/model.js';

export interface Channel {
  group: string;
  port: number;
}

/** With "any address in 239.0.0.0/8" we hand out from the site-local scope (RFC 2365) first. */
const ANY_RANGE = { start: '239.255.0.1', end: '239.255.255.254' };

/**
 * Picks the lowest free group and the lowest free port. `inUse` is the channels of sessions
 * that are still running; the result collides with none of them in group or in port.
 */
export function allocateChannel(settings: Pick<DPMulticastSettings, 'addressRange' | 'portRange'>, inUse: readonly Channel[]): Channel {
  const range = settings.addressRange ?? ANY_RANGE;
  const usedGroups = new Set(inUse.map((channel) => parseIPv4(channel.group)));
  const usedPorts = new Set(inUse.map((channel) => channel.port));
  const last = parseIPv4(range.end)!;
  let group: number | null = null;
  for (let address = parseIPv4(range.start)!; address <= last; address++) {
    if (!aliasesLinkLocalControl(address) && !usedGroups.has(address)) {
      group = address;
      break;
    }
  }
  if (group === null) {
    throw new EngineError('NoFreeGroup', 'ResourceUnavailable', `All multicast addresses from ${range.start} to ${range.end} are taken by running sessions; widen the range with Set-DPMulticast -StartIPAddress/-EndIPAddress or wait for a session to end.`);
  }
  for (let port = settings.portRange.start; port <= settings.portRange.end; port++) {
    if (!usedPorts.has(port)) return { group: formatIPv4(group), port };
  }
  throw new EngineError('NoFreePort', 'ResourceUnavailable', `All UDP ports from ${settings.portRange.start} to ${settings.portRange.end} are taken by running sessions; widen the range with Set-DPMulticast -StartUdpPort/-EndUdpPort or wait for a session to end.`);
}
