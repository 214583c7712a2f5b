// The site's kinds of records: each top-level list of SiteState whose records have a key, as
// below. The site database keeps one row per record of these (any other top-level value, such as
// the dp settings or a list not named here, is one row of its own), and putRecord() saves one
// record of them. A new list in SiteState takes one line here.
import type { SiteState } from './model.js';

export type ListKind = { [K in keyof SiteState]-?: NonNullable<SiteState[K]> extends readonly unknown[] ? K : never }[keyof SiteState];
type KeyOf<K extends ListKind> = (record: NonNullable<SiteState[K]>[number]) => string;

const byId = (record: { id: string }) => record.id;

export const RECORD_KINDS: { [K in ListKind]?: KeyOf<K> } = {
  images: byId,
  devices: byId,
  collections: byId,
  taskSequences: byId,
  deployments: byId,
  deploymentStatus: (status) => `${status.deploymentId}/${status.deviceId}`,
  sessionHistory: byId,
  enrollmentTokens: byId,
  enrolledClients: byId,
  pxeClears: (clear) => clear.deviceId,
  bootImages: byId,
  distributionPoints: (dp) => dp.name,
  boundaries: byId,
  boundaryGroups: byId,
  distributionPointGroups: byId,
  contentDistributions: (distribution) => `${distribution.imageId}/${distribution.distributionPoint}`,
  adminCredentials: byId,
  runningSessions: byId,
};

/** The key of a record of a list kind, or undefined when `kind` is stored as one value. */
export function recordKey(kind: string): ((record: unknown) => string) | undefined {
  return (RECORD_KINDS as Record<string, (record: unknown) => string>)[kind];
}

/** A kind of record putRecord() saves, and its records. */
export type RecordKind = keyof typeof RECORD_KINDS;
export type RecordOf<K extends RecordKind> = NonNullable<SiteState[K]>[number];
