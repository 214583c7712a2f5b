// The file store (the embedded default): one JSON document (`site.json`) under the site home, validated against the JSON
// schema. Every change is a transaction: take the site lock, read, apply the change to a copy,
// validate, write (write-and-rename, so readers never see half a file), release. A change that
// throws writes nothing, and two shells on one site serialise instead of overwriting each other.
// Reading takes no lock and writes nothing, so a read-only or full disk still shows the site, and
// a site that does not exist yet is created by its first change, not by looking at it.
//
// The validated document is kept in memory and read again only when the file changed (its
// inode, size, times and revision), so a DP answering many requests does not parse a large site
// each time.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, readSync, renameSync, statSync, unlinkSync, watch, writeSync, type BigIntStats, type FSWatcher } from 'node:fs';
import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sweepStalePartials } from '../content/partials.js';
import { EngineError } from '../errors.js';
import { IMAGE_FILE, rethrowDiskError } from './disk.js';
import { LockFile } from './lock.js';
import { emptySite, SITE_SCHEMA_VERSION, type SiteState } from './model.js';
import { recordKey, type RecordKind, type RecordOf } from './record-kinds.js';
import { applyChange, deepFreeze, documentVersion, putInList, schemaErrors, tooNew, upgradeDocument } from './site-document.js';
import { ChangeFeed } from './change-feed.js';
import type { SiteChangeListener, SiteKind, SiteStore } from './store.js';

const STORE_FILE = 'site.json';
const LOCK_WAIT_MS = 15_000;
/**
 * Every write starts the file with a new random revision. With the file's inode, size and times
 * it tells whether the cached document is still the file's: times are coarse (a clock tick), so
 * two writes within one tick could leave all of those alike, but never the revision.
 */
const REVISION = /^\{\s*"revision":\s*"([0-9a-f]{16})"/;
const HEAD_BYTES = 64;
/** Home and content hold the store, the site's keys and its images: the owner's only. */
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

interface Cached {
  /** The file's identity, times, size and revision when it was read. */
  key: string;
  site: SiteState;
}

export class FileSiteStore implements SiteStore {
  private cache: Cached | null = null;
  /** The file was seen: from then on its disappearance is an error, not a new site. */
  private existed: boolean;
  private readonly feed = new ChangeFeed();
  /** Follows the site folder while someone listens for changes (other processes write there too). */
  private watcher: FSWatcher | null = null;
  private published: SiteState | null = null;

  private constructor(
    readonly home: string,
    existed: boolean,
  ) {
    this.existed = existed;
  }

  /**
   * Opens the site at `home` without writing anything, except to migrate a store written by an
   * older mcshell (under the lock) and to take group and other access away from its files.
   * A site that does not exist yet reads as an empty one until its first change creates it.
   */
  static async open(home: string): Promise<FileSiteStore> {
    const store = new FileSiteStore(home, false);
    let version: number | null;
    try {
      const site = store.read();
      version = store.existed ? site.schemaVersion : null;
    } catch (error) {
      // A store of an older (or newer) schema version does not pass today's schema.
      if (!(error instanceof EngineError && error.id === 'SiteStoreUnreadable')) throw error;
      version = storedVersion(store.path);
      if (version === SITE_SCHEMA_VERSION) throw error;
    }
    if (version === null) {
      await refuseOrphanedContent(home, store.path);
      return store;
    }
    await tightenModes(home);
    await sweepStalePartials(store.contentDir);
    if (version > SITE_SCHEMA_VERSION) {
      throw tooNew(store.path, version);
    }
    if (version < SITE_SCHEMA_VERSION) await store.locked(() => store.migrate());
    return store;
  }

  get path(): string {
    return join(this.home, STORE_FILE);
  }

  get location(): string {
    return this.path;
  }

  /** Directory of the content library (imported images). */
  get contentDir(): string {
    return join(this.home, 'content');
  }

  /**
   * A validated snapshot of the whole site. It is shared (the same object until the file
   * changes) and frozen: change the site with update().
   */
  read(): SiteState {
    const key = fileKey(this.path);
    if (key === null) {
      if (this.existed) {
        throw new EngineError('SiteStoreMissing', 'ResourceUnavailable', `The site store ${this.path} has disappeared while mcshell was using it; restore it from a backup (opening the site again says how to start a new one instead).`);
      }
      return (this.cache ??= { key: 'none', site: deepFreeze(emptySite()) }).site;
    }
    this.existed = true;
    if (this.cache?.key === key) return this.cache.site;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      throw unreadable(this.path, error);
    }
    // Changed between fileKey and readFileSync: cached under the older key, so read again next time.
    const site = deepFreeze(parseSite(this.path, text));
    this.cache = { key, site };
    return site;
  }

  /**
   * Applies `change` to a copy of the site and saves it atomically. If `change` throws, or the
   * result fails the schema or leaves records pointing at nothing, the store is left exactly as
   * it was and the error propagates. Session history and deployment status past the site's
   * retention are dropped on the way.
   */
  async update<T>(change: (site: SiteState) => T): Promise<T> {
    await this.ensureExists();
    return this.locked(() => {
      const { draft, result } = applyChange(this.read(), change);
      this.write(draft);
      return result;
    });
  }

  /** One record, written as any change is (the file is rewritten whole either way). */
  putRecord<K extends RecordKind>(kind: K, record: RecordOf<K>, check?: (site: SiteState) => void): Promise<void> {
    const keyOf = recordKey(kind)!;
    return this.update((site) => {
      check?.(site);
      putInList(((site as unknown as Record<string, unknown[]>)[kind] ??= []), structuredClone(record), keyOf);
    });
  }

  /**
   * Creates the site's folders and store when they do not exist yet (the owner's only, whatever
   * the umask); a disk that cannot take them gives an error naming it.
   */
  async ensureExists(): Promise<void> {
    if (this.existed) return;
    try {
      for (const dir of [this.home, this.contentDir]) {
        if (await mkdir(dir, { recursive: true, mode: PRIVATE_DIR })) await chmod(dir, PRIVATE_DIR);
      }
    } catch (error) {
      await rethrowDiskError(`Creating the site at ${this.home}`, this.home, error);
    }
    await this.locked(() => {
      if (storedVersion(this.path) === null) this.write(emptySite());
      this.existed = true;
    });
  }

  /** Saves `site` (write-and-rename) and keeps it as the cached document. */
  private write(site: SiteState): void {
    site.revision = randomBytes(8).toString('hex');
    const { revision, ...rest } = site;
    writeAtomically(this.path, `${JSON.stringify({ revision, ...rest }, null, '\t')}\n`);
    this.cache = { key: fileKey(this.path)!, site: deepFreeze(site) };
    this.existed = true;
    this.publish();
  }

  onChange(kinds: readonly SiteKind[], listener: SiteChangeListener): () => void {
    this.published ??= this.read();
    // Another process's write renames a new site.json into the folder: look again then (the folder
    // may not exist before the site's first change, which this process then publishes itself).
    if (!this.watcher && existsSync(this.home)) {
      this.watcher = watch(this.home, (_event, name) => {
        if (name === STORE_FILE) this.publish();
      });
      this.watcher.on('error', () => undefined);
    }
    return this.feed.subscribe(kinds, listener);
  }

  async close(): Promise<void> {
    this.watcher?.close();
    this.watcher = null;
  }

  /** Tells the listeners what changed since they last heard (nothing when nobody listens). */
  private publish(): void {
    if (!this.feed.watched || !this.published) return;
    let site: SiteState;
    try {
      site = this.read();
    } catch {
      return; // A half-seen or broken file: the next change or read tells.
    }
    const before = this.published;
    this.published = site;
    this.feed.publish(before, site);
  }

  /** Rewrites a store of an older schema version at the current one. */
  private migrate(): void {
    const raw = JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, unknown>;
    if (documentVersion(raw) >= SITE_SCHEMA_VERSION) return; // another process migrated it meanwhile
    this.write(parseSite(this.path, JSON.stringify(upgradeDocument(raw, this.path))));
  }

  /** Runs `body` holding the site lock; a disk that cannot take the lock or the change gives an error naming it. */
  private async locked<T>(body: () => T): Promise<T> {
    const lock = new LockFile(join(this.home, 'site.lock'));
    const action = `Saving the change to the site at ${this.home}`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      const acquired = await lock.tryAcquire().catch((error: unknown) => rethrowDiskError(action, this.home, error));
      if (acquired) break;
      if (Date.now() > deadline) {
        throw new EngineError('SiteBusy', 'ResourceUnavailable', `The site at ${this.home} is locked by another mcshell (${lock.path}); try again when it has finished.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 20));
    }
    try {
      return body();
    } catch (error) {
      if (error instanceof EngineError || !(error as NodeJS.ErrnoException).code) throw error;
      return await rethrowDiskError(action, this.home, error);
    } finally {
      await lock.release();
    }
  }
}

/** What identifies the store file's content without reading it all (see REVISION); null when there is none. */
function fileKey(path: string): string | null {
  let info: BigIntStats;
  const head = Buffer.alloc(HEAD_BYTES);
  let length: number;
  try {
    info = statSync(path, { bigint: true });
    const fd = openSync(path, 'r');
    try {
      length = readSync(fd, head, 0, HEAD_BYTES, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw unreadable(path, error);
  }
  const revision = REVISION.exec(head.subarray(0, length).toString('latin1'))?.[1] ?? '-';
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}:${revision}`;
}

function unreadable(path: string, error: unknown): EngineError {
  return new EngineError('SiteStoreUnreadable', 'ResourceUnavailable', `The site store ${path} cannot be read (${(error as Error).message}); restore it from a backup, or move it away to start a new site.`);
}

/** The schema version of the store at `path`, or null when there is no store. */
function storedVersion(path: string): number | null {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw unreadable(path, error);
  }
  return documentVersion(raw);
}

function parseSite(path: string, text: string): SiteState {
  let site: unknown;
  try {
    site = JSON.parse(text);
  } catch (error) {
    throw unreadable(path, error);
  }
  const errors = schemaErrors(site);
  if (errors) throw unreadable(path, new Error(`it breaks the site schema: ${errors}`));
  return site as SiteState;
}

/** Write-and-rename, so a crash leaves either the old or the new file, never half of one; a failed write leaves nothing. */
function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(temporary, 'w', PRIVATE_FILE);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // Never created, or already renamed.
    }
    throw error;
  }
}

/**
 * A site folder with the site's identity or images but no store lost its store (deleted by
 * mistake, or a failed restore): starting an empty site there would orphan its images and the
 * certificate its clients pinned, so it is refused with what to do.
 */
async function refuseOrphanedContent(home: string, path: string): Promise<void> {
  const identity = await stat(join(home, 'identity')).then(() => true, () => false);
  const images = (await readdir(join(home, 'content')).catch(() => [])).filter((name) => name.endsWith('.img'));
  if (!identity && images.length === 0) return;
  const holds = [identity ? 'its identity (identity/, the certificate its clients pinned)' : '', images.length ? `${images.length} image(s) in content/` : ''].filter(Boolean).join(' and ');
  throw new EngineError(
    'SiteStoreMissing',
    'ResourceUnavailable',
    `The site store ${path} is missing, but ${home} still holds ${holds}; mcshell will not start an empty site over them. Restore site.json from a backup of ${home}; or, to start a new site, move ${home} away (or delete it) and run the command again (clients enrolled with the old site must enroll again).`,
    path,
  );
}

/**
 * Takes group and other access away from the site's folders and store, and makes its images
 * read-only (a sender notices, but cannot undo, an image changed under it), when its owner opens
 * it: a site made by an older mcshell followed the umask. Best effort: a read-only disk or
 * another user's site is left as it is.
 */
async function tightenModes(home: string): Promise<void> {
  const content = join(home, 'content');
  const images = (await readdir(content).catch(() => [])).filter((name) => name.endsWith('.img')).map((name) => join(content, name));
  const wanted = (path: string, mode: number) => (images.includes(path) ? IMAGE_FILE : mode & 0o700);
  for (const path of [home, content, join(home, STORE_FILE), ...images]) {
    try {
      const info = await stat(path);
      const mode = wanted(path, info.mode & 0o777);
      if (info.uid === process.getuid?.() && (info.mode & 0o777) !== mode) await chmod(path, mode);
    } catch {
      // Left as it is (see above).
    }
  }
}
