// The site store: one interface, two implementations. The file store (file-store.ts, one JSON
// document under the site home) is the embedded default; a PostgreSQL site database
// (postgres/store.ts) serves a site with several machines. Both keep the whole site as a frozen
// snapshot in memory, so read() is synchronous and cheap, and both run every change as a
// transaction: all-or-nothing, validated against the same JSON schema and integrity rules, and
// serialised with every other writer so that nobody's change is lost.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SiteState } from './model.js';
import type { RecordKind, RecordOf } from './record-kinds.js';

export { IMAGE_FILE } from './disk.js';

/** Top-level parts of the site (`devices`, `dp`, …) whose changes a listener follows. */
export type SiteKind = keyof SiteState;

/** Called after the site changed, with the new snapshot and which of the watched parts changed. */
export type SiteChangeListener = (site: SiteState, changed: ReadonlySet<SiteKind>) => void;

export interface SiteStore {
  /**
   * The local state folder of this machine: the site identity, content library, boot images and
   * admin socket. The site's records are in it (site.json) or in the site database.
   */
  readonly home: string;
  /** Directory of the content library (imported images). */
  readonly contentDir: string;
  /** Where the records are, for messages: the file's path, or the database URL without its password. */
  readonly location: string;
  /** A validated, frozen snapshot of the whole site (shared until the site changes); change it with update(). */
  read(): SiteState;
  /**
   * Applies `change` to a copy of the site and saves it as one transaction. If `change` throws, or
   * the result fails the schema or leaves records pointing at nothing, nothing is saved and the
   * error propagates. Session history and deployment status past the site's retention are dropped.
   */
  update<T>(change: (site: SiteState) => T): Promise<T>;
  /**
   * Saves one record of `kind`, replacing the one with its key or else adding it at the end, once
   * `check` (given the current site, read-only) has not thrown: what a DP writes per request, at
   * a cost that does not grow with the site on the site database. The record is validated against
   * its kind's schema; retention is applied by the next update().
   */
  putRecord<K extends RecordKind>(kind: K, record: RecordOf<K>, check?: (site: SiteState) => void): Promise<void>;
  /** Creates the site's folders and records when they do not exist yet. */
  ensureExists(): Promise<void>;
  /**
   * Calls `listener` whenever one of `kinds` changes, by this process or another one (on another
   * machine too, for the site database); returns what unsubscribes it.
   */
  onChange(kinds: readonly SiteKind[], listener: SiteChangeListener): () => void;
  /** Lets go of connections and watchers (the last snapshot stays readable). */
  close(): Promise<void>;
}

export interface SiteLocation {
  /** `--site <dir | postgres://…>` from the command line. */
  site?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** A site database URL (postgres:// or postgresql://). */
export function isDatabaseUrl(site: string): boolean {
  return /^postgres(ql)?:\/\//i.test(site);
}

/** The site to open: `--site` wins, then MCSHELL_SITE, then the local state folder (a file site there). */
export function resolveSite({ site, env = process.env }: SiteLocation): string {
  return site || env.MCSHELL_SITE || resolveSiteHome({ env });
}

/**
 * The local state folder: the site's folder for a file site (`--site <dir>`, MCSHELL_SITE=<dir>);
 * otherwise MCSHELL_HOME, then the user's config directory (also for a site in PostgreSQL).
 */
export function resolveSiteHome({ site, env = process.env }: SiteLocation): string {
  const chosen = site || env.MCSHELL_SITE;
  if (chosen && !isDatabaseUrl(chosen)) return chosen;
  if (env.MCSHELL_HOME) return env.MCSHELL_HOME;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'mcshell');
}

/**
 * Opens the site `--site`/MCSHELL_SITE names: a postgres:// URL opens the site database (its schema
 * applied on first use), anything else the file store in that folder.
 */
export async function openSiteStore(location: SiteLocation): Promise<SiteStore> {
  const site = resolveSite(location);
  const home = resolveSiteHome(location);
  if (isDatabaseUrl(site)) {
    const { PostgresSiteStore } = await import('./postgres/store.js');
    return PostgresSiteStore.open(site, home);
  }
  const { FileSiteStore } = await import('./file-store.js');
  return FileSiteStore.open(home);
}
