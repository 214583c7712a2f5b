// A distribution point as the fleet cmdlets show it.
import type { DistributionPointRecord, SiteState } from '../src/engine/site/model.js';

export const DISTRIBUTION_POINT_VIEW = { properties: ['Name', 'Status', 'Endpoint', 'Subnets', 'Sessions', 'LastHeartbeat'], layout: 'table' } as const;

/** `online`: isOnline(record) (src/engine/site/distribution-points.ts), passed in so loading a declaration stays cheap. */
export function distributionPointObject(site: SiteState, record: DistributionPointRecord, online: boolean) {
  return {
    Name: record.name,
    Status: online ? 'Online' : 'Offline',
    Description: record.description,
    Endpoint: record.controlEndpoint,
    Subnets: record.subnets,
    Interfaces: record.interfaces.map((iface) => `${iface.name} ${iface.addresses.join(' ')}`.trim()),
    Version: record.version,
    Fingerprint: record.certificateFingerprint,
    Sessions: (site.runningSessions ?? []).filter((session) => session.distributionPoint.toLowerCase() === record.name.toLowerCase()).length,
    OwnSettings: record.settings !== undefined,
    RegisteredAt: record.registeredAt,
    LastHeartbeat: record.lastHeartbeatAt,
  };
}
