// The site as a document, whichever store holds it: the upgrades from older schema versions, the
// JSON schema check, and what every change must pass before a store saves it.
import { Ajv, type ValidateFunction } from 'ajv';
import { EngineError } from '../errors.js';
import { newIntegrityProblems } from './integrity.js';
import { applyRetention, defaultPxeSettings, defaultSlowClientSettings, DEFAULT_HISTORY_RETENTION_DAYS, SITE_SCHEMA_VERSION, UNKNOWN_COMPUTERS_COLLECTION, type SiteState } from './model.js';
import { siteSchema } from './schema.js';

/** Upgrades a store written by an older schema version to the next version. */
const migrations: Record<number, (old: Record<string, unknown>) => Record<string, unknown>> = {
  // 1 → 2: client enrollment (tokens and enrolled clients); no client is enrolled yet.
  1: (old) => ({ ...old, enrollmentTokens: [], enrolledClients: [] }),
  // 2 → 3: slow-client policy gains the sustained period and the Multistream stream count.
  2: (old) => {
    const dp = old.dp as { slowClients: object };
    return { ...old, dp: { ...dp, slowClients: { ...defaultSlowClientSettings(), ...dp.slowClients } } };
  },
  // 3 → 4: session history and deployment status are kept for a number of days.
  3: (old) => ({ ...old, dp: { ...(old.dp as object), historyRetentionDays: DEFAULT_HISTORY_RETENTION_DAYS } }),
  // 4 → 5: session ids from a site-wide counter, and each history record's start reason. The
  // older ids carry their end time (MC0001-<ms>), so numbering from the history's length repeats none.
  4: (old) => {
    const history = old.sessionHistory as object[];
    return { ...old, sessionHistory: history.map((record) => ({ startReason: null, ...record })), lastSessionNumber: history.length };
  },
  // 5 → 6: network boot: the DP's PXE settings (off), PXE clears, and the built-in collection
  // "All Unknown Computers" (a site that already has a collection of that name keeps its own).
  5: (old) => {
    const collections = old.collections as { id: string; name: string }[];
    const builtIn = collections.some((collection) => collection.id === UNKNOWN_COMPUTERS_COLLECTION.id || collection.name.toLowerCase() === UNKNOWN_COMPUTERS_COLLECTION.name.toLowerCase());
    return { ...old, dp: { ...(old.dp as object), pxe: defaultPxeSettings() }, collections: builtIn ? collections : [...collections, structuredClone(UNKNOWN_COMPUTERS_COLLECTION)], pxeClears: [] };
  },
  // 6 → 7: boot images (network boot); none is built yet.
  6: (old) => ({ ...old, bootImages: [] }),
  // 7 → 8: a site of several distribution points: DPs, boundaries and boundary groups, DP groups,
  // and where each image stands on each DP; none yet.
  7: (old) => ({ ...old, distributionPoints: [], boundaries: [], boundaryGroups: [], distributionPointGroups: [], contentDistributions: [] }),
};

/** The schema version a raw document was written with (0 before versions were recorded). */
export function documentVersion(raw: unknown): number {
  const version = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  return typeof version === 'number' ? version : 0;
}

/** Upgrades a raw document of an older schema version to the current one; `where` names the store in errors. */
export function upgradeDocument(raw: Record<string, unknown>, where: string): Record<string, unknown> {
  let version = documentVersion(raw);
  while (version < SITE_SCHEMA_VERSION) {
    const migrate = migrations[version];
    if (!migrate) throw new EngineError('SiteStoreTooOld', 'InvalidOperation', `The site store ${where} has schema version ${version}, which this mcshell cannot migrate.`);
    raw = { ...migrate(raw), schemaVersion: ++version };
  }
  return raw;
}

export function tooNew(where: string, version: number): EngineError {
  return new EngineError('SiteStoreTooNew', 'InvalidOperation', `The site store ${where} has schema version ${version}, newer than this mcshell understands (${SITE_SCHEMA_VERSION}); upgrade mcshell.`);
}

let validator: ValidateFunction | null = null;
const recordValidators = new Map<string, ValidateFunction>();

/** What is wrong with `record`, one of the list `kind`, by the schema, or null when nothing is. */
export function recordErrors(kind: string, record: unknown): string | null {
  let validate = recordValidators.get(kind);
  if (!validate) {
    const list = (siteSchema.properties as Record<string, { items?: object }>)[kind];
    if (!list?.items) throw new Error(`${kind} is not a list of the site`);
    recordValidators.set(kind, (validate = new Ajv({ allErrors: true }).compile(list.items)));
  }
  if (validate(record)) return null;
  return (validate.errors ?? []).map(({ instancePath, message = '' }) => `\`${kind}${instancePath}\` ${message}`).join('; ');
}

/** Replaces the record of `list` with `record`'s key (keyOf), or adds it at the end. */
export function putInList<T>(list: T[], record: T, keyOf: (record: T) => string): void {
  const key = keyOf(record);
  const index = list.findIndex((entry) => keyOf(entry) === key);
  if (index >= 0) list[index] = record;
  else list.push(record);
}

/** What is wrong with `site` by the schema, or null when nothing is. */
export function schemaErrors(site: unknown): string | null {
  validator ??= new Ajv({ allErrors: true }).compile(siteSchema);
  if (validator(site)) return null;
  return (validator.errors ?? []).map(({ instancePath, message = '' }) => `\`${instancePath.slice(1)}\` ${message}`).join('; ');
}

/**
 * Runs `change` on a copy of `current` and returns the copy, past the site's retention, once it
 * passes the schema and brings no new integrity problem; otherwise throws and `current` is as it was.
 */
export function applyChange<T>(current: SiteState, change: (site: SiteState) => T): { draft: SiteState; result: T } {
  const draft = structuredClone(current) as SiteState;
  const result = change(draft);
  applyRetention(draft, new Date());
  const problems = newIntegrityProblems(current, draft);
  if (problems.length > 0) throw new EngineError('SiteStoreInvalid', 'InvalidOperation', `The change was not saved: ${problems.join('; ')}.`);
  const errors = schemaErrors(draft);
  if (errors) throw new EngineError('SiteStoreInvalid', 'InvalidOperation', `The change was not saved: ${errors}.`);
  return { draft, result };
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
