// How the site's records map to rows of the site database: each top-level list of SiteState is a
// kind, one row per record, keyed as below. A new list in SiteState takes one line here; any
// other top-level value (dp settings, counters, a list not named here) is one row of its own.
import type { SiteState } from '../model.js';

type ListKind = { [K in keyof SiteState]-?: NonNullable<SiteState[K]> extends readonly unknown[] ? K : never }[keyof SiteState];
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
};

/** The key of a record of a list kind, or undefined when `kind` is stored as one value. */
export function recordKey(kind: string): ((record: unknown) => string) | undefined {
  return (RECORD_KINDS as Record<string, (record: unknown) => string>)[kind];
}

/** Row key of a value stored whole (a setting such as `dp`, or `lastSessionNumber`). */
export const VALUE_KEY = '';

/** Parts of the document the database does not keep: the file store's revision. */
export const FILE_ONLY = new Set(['revision']);
