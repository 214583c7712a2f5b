// Sites for tests, on the store the run selects: the file store in the given folder, or, when
// scripts/run-tests.mjs --postgres started a server (MCSHELL_TEST_POSTGRES), a fresh site database
// per folder with the folder as its local state folder. Suites that exercise the store run on both.
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { FileSiteStore } from '../../src/engine/site/file-store.js';
import { PostgresSiteStore } from '../../src/engine/site/postgres/store.js';
import type { SiteStore } from '../../src/engine/site/store.js';
import { freshDatabase } from './server.js';

/** The server of a --postgres run, or undefined for a file-store run. */
export const testPostgres = process.env.MCSHELL_TEST_POSTGRES || undefined;

const databases = new Map<string, Promise<string>>();

/** The site to name for the local state folder `home`: the folder itself, or its database's URL. */
export function testSiteFor(home: string): Promise<string> {
  if (!testPostgres) return Promise.resolve(home);
  let url = databases.get(home);
  if (!url) databases.set(home, (url = freshDatabase(testPostgres)));
  return url;
}

/** Opens the site of the local state folder `home` on the store this run tests. */
export async function openTestSite(home: string): Promise<SiteStore> {
  if (!testPostgres) return FileSiteStore.open(home);
  return PostgresSiteStore.open(await testSiteFor(home), home);
}

/**
 * What `store` holds where it keeps it (the file's text, or every row of the database), read
 * afresh: a test compares it before and after a failed change.
 */
export async function storedSite(store: SiteStore): Promise<string> {
  if (store instanceof FileSiteStore) return readFile(store.path, 'utf8');
  const client = new pg.Client({ connectionString: store.location });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT kind, key, pos, body::text FROM site_records ORDER BY kind, key');
    return JSON.stringify(rows);
  } finally {
    await client.end();
  }
}
