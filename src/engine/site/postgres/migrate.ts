// `mcshell site migrate`: copies a file site's records into an empty site database, then reads
// them back over a new connection and compares them record by record. The folder keeps the
// site's identity, content library and boot images (image bytes never go into the database):
// it stays the local state folder (MCSHELL_HOME) of the machine that serves them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { EngineError } from '../../errors.js';
import { FileSiteStore } from '../file-store.js';
import { recordKey } from '../record-kinds.js';
import { PostgresSiteStore, VALUE_KEY } from './store.js';

export interface MigrationReport {
  /** Records copied and verified, per kind (a value such as `dp` counts one). */
  records: Record<string, number>;
}

export async function migrateFileSite(from: string, url: string): Promise<MigrationReport> {
  if (!existsSync(join(from, 'site.json'))) throw new EngineError('SiteStoreMissing', 'ObjectNotFound', `There is no file site in ${from} (no site.json); name the folder of the site to copy.`, from);
  const source = (await FileSiteStore.open(from)).read();
  const target = await PostgresSiteStore.open(url, from);
  try {
    await target.importSite(source);
  } finally {
    await target.close();
  }
  const copy = await PostgresSiteStore.open(url, from);
  try {
    const records: Record<string, number> = {};
    const differences: string[] = [];
    for (const [kind, value] of Object.entries(source)) {
      if (kind === 'revision') continue;
      const keyOf = recordKey(kind);
      const stored = copy.records(kind);
      const expected = new Map(keyOf ? (value as unknown[]).map((record) => [keyOf(record), record]) : [[VALUE_KEY, value]]);
      for (const [key, record] of expected) if (!isDeepStrictEqual(stored.get(key), record)) differences.push(`${kind} ${key || '(value)'}`);
      for (const key of stored.keys()) if (!expected.has(key)) differences.push(`${kind} ${key} (not in the file site)`);
      records[kind] = expected.size;
    }
    if (differences.length > 0) {
      throw new EngineError('SiteMigrationMismatch', 'InvalidOperation', `The copy in ${copy.location} differs from ${from} in ${differences.length} record(s): ${differences.slice(0, 10).join(', ')}; the file site is unchanged.`);
    }
    return { records };
  } finally {
    await copy.close();
  }
}
