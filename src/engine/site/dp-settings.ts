// Changing the distribution point's multicast settings: the change is merged into the current
// settings, validated as a whole, and saved in one transaction, so an invalid combination is
// refused and leaves the site as it was.
import type { DPMulticastSettings, SlowClientSettings } from './model.js';
import { validateDPSettings } from './model.js';
import type { SiteStore } from './store.js';
import { changeSettings, settingsTarget } from './distribution-points.js';

export interface DPSettingsChange {
  enabled?: boolean;
  interface?: string;
  /** `null` switches back to "any address in 239.0.0.0/8". */
  addressRange?: { start?: string; end?: string } | null;
  portRange?: { start?: number; end?: number };
  maximumClients?: number;
  /** `null` removes the cap. */
  transferRateBps?: number | null;
  scheduled?: Partial<DPMulticastSettings['scheduled']>;
  slowClients?: Partial<SlowClientSettings>;
  historyRetentionDays?: number;
}

export function applyDPChange(current: DPMulticastSettings, change: DPSettingsChange): DPMulticastSettings {
  let addressRange = current.addressRange;
  if (change.addressRange === null) addressRange = null;
  else if (change.addressRange) {
    const start = change.addressRange.start ?? current.addressRange?.start ?? change.addressRange.end;
    const end = change.addressRange.end ?? current.addressRange?.end ?? change.addressRange.start;
    addressRange = { start: start!, end: end! };
  }
  return validateDPSettings({
    ...current,
    ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
    ...(change.interface !== undefined ? { interface: change.interface } : {}),
    ...(change.maximumClients !== undefined ? { maximumClients: change.maximumClients } : {}),
    ...(change.transferRateBps !== undefined ? { transferRateBps: change.transferRateBps } : {}),
    ...(change.historyRetentionDays !== undefined ? { historyRetentionDays: change.historyRetentionDays } : {}),
    addressRange,
    portRange: { ...current.portRange, ...change.portRange },
    scheduled: { ...current.scheduled, ...change.scheduled },
    slowClients: { ...current.slowClients, ...change.slowClients },
  });
}

/** Changes the settings of the DP named (default: the only one, or this host's; the site's defaults while there is none, see settingsTarget). */
export async function setDPSettings(store: SiteStore, change: DPSettingsChange, distributionPoint?: string): Promise<DPMulticastSettings> {
  return store.update((site) => changeSettings(site, settingsTarget(site, distributionPoint), (current) => applyDPChange(current, change)));
}
