// The site database: the site's records in PostgreSQL, one row per record (kinds.ts), for a site
// that several machines (DPs, admin shells) share. Each store keeps a replica of the whole site in
// memory, so read() stays synchronous and a DP request reads no rows. A change is a transaction
// under the site's advisory lock: catch up with the changes other stores made (site_changes), run
// the change on a copy, validate it as the file store does, write only the rows it changed, log
// them under the next sequence number and NOTIFY it. Other stores LISTEN and catch up from their
// last sequence; one that missed notifications (a lost connection) catches up just the same.
// A database that restarts or is briefly unreachable makes changes wait and retry (up to
// RETRY_MS, then a clear error); reads go on from the replica, which catches up on reconnecting.
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import pg from 'pg';
import { EngineError } from '../../errors.js';
import { ChangeFeed } from '../change-feed.js';
import { emptySite, SITE_SCHEMA_VERSION, type SiteState } from '../model.js';
import { applyChange, deepFreeze, documentVersion, putInList, recordErrors, schemaErrors, tooNew, upgradeDocument } from '../site-document.js';
import type { SiteChangeListener, SiteKind, SiteStore } from '../store.js';
import { recordKey, type RecordKind, type RecordOf } from '../record-kinds.js';
import { applyMigrations, SCHEMA_VERSION } from './schema.js';

/** Lock key (pg_advisory_xact_lock) that serialises the site's changes. */
const SITE_LOCK = 0x6d637368_0002n.toString();
const CHANNEL = 'mcshell_site';
/** How long a change, or opening the site, waits for an unreachable database before giving up. */
const RETRY_MS = 30_000;
/** Changes kept in site_changes for stores catching up; one further behind loads the whole site. */
const KEPT_CHANGES = 1_000;
const PRIVATE_DIR = 0o700;
/** Row key of a value stored whole (a setting such as `dp`, or `lastSessionNumber`). */
export const VALUE_KEY = '';
/** Parts of the document the database does not keep: the file store's revision. */
const FILE_ONLY = new Set(['revision']);

interface Row {
  pos: number;
  /** The record as JSON, to tell whether a change altered it. */
  json: string;
  value: unknown;
}

/** Rows of one kind, by key. */
type Rows = Map<string, Row>;

/** Records of a list replaced in place (old value → new) and added at its end, after the place `last`. */
interface ListPatch {
  last: number;
  replaced: Map<unknown, unknown>;
  added: unknown[];
}

interface Saved {
  writes: Write[];
  seq: number;
}

interface Write {
  kind: string;
  key: string;
  /** Absent: the row is deleted. */
  row?: Row;
}

export interface PostgresStoreOptions {
  /** How long to wait for an unreachable database (ms). */
  retryMs?: number;
}

export class PostgresSiteStore implements SiteStore {
  private readonly pool: pg.Pool;
  private listener: pg.Client | null = null;
  private rows = new Map<string, Rows>();
  private site: SiteState = deepFreeze(emptySite());
  private exists = false;
  /** Sequence number of the last change the replica holds. */
  private seq = 0;
  /** Catching up and changing take turns, so the replica moves forward one step at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly feed = new ChangeFeed();
  private closed = false;
  private readonly retryMs: number;

  private constructor(
    private readonly url: string,
    readonly home: string,
    options: PostgresStoreOptions,
  ) {
    this.retryMs = options.retryMs ?? RETRY_MS;
    // One connection: the store's steps take turns anyway (serial). Idle connections do not keep
    // the process alive: a shell whose script has finished exits.
    this.pool = new pg.Pool({ connectionString: url, max: 1, allowExitOnIdle: true });
    // A connection the server dropped (a restart): the pool replaces it on next use, and the
    // query that was using it fails (and is retried), so the connection's own error event is no news.
    this.pool.on('error', () => undefined);
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  /**
   * Opens the site database at `url` (applying the schema it lacks) with `home` as this machine's
   * local state folder; a site of an older schema version is upgraded, as the file store does.
   */
  static async open(url: string, home: string, options: PostgresStoreOptions = {}): Promise<PostgresSiteStore> {
    const store = new PostgresSiteStore(url, home, options);
    try {
      await store.withClient(async (client) => {
        const { from } = await applyMigrations(client);
        if (from > SCHEMA_VERSION) throw new EngineError('SiteStoreTooNew', 'InvalidOperation', `The site database ${store.location} has schema version ${from}, newer than this mcshell understands (${SCHEMA_VERSION}); upgrade mcshell.`);
      });
      await store.listen();
      await store.serial(() => store.withClient((client) => store.reload(client)));
      const version = store.exists ? documentVersion(store.site) : SITE_SCHEMA_VERSION;
      if (version > SITE_SCHEMA_VERSION) throw tooNew(store.location, version);
      if (version < SITE_SCHEMA_VERSION) await store.upgradeDocument();
      return store;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  get contentDir(): string {
    return join(this.home, 'content');
  }

  get location(): string {
    return withoutPassword(this.url);
  }

  read(): SiteState {
    return this.site;
  }

  update<T>(change: (site: SiteState) => T): Promise<T> {
    return this.serial(() =>
      this.transaction(async (client) => {
        const { draft, result } = applyChange(this.site, change);
        return { result, saved: await this.save(client, draft) };
      }),
    );
  }

  /**
   * One row, under the site's lock like any change, after catching up; the replica takes it in
   * place. A site not created yet is created by a whole change instead.
   */
  async putRecord<K extends RecordKind>(kind: K, record: RecordOf<K>, check?: (site: SiteState) => void): Promise<void> {
    const errors = recordErrors(kind, record);
    if (errors) throw new EngineError('SiteStoreInvalid', 'InvalidOperation', `The change was not saved: ${errors}.`);
    if (!this.exists) {
      const keyOf = recordKey(kind)!;
      return this.update((site) => {
        check?.(site);
        putInList(((site as unknown as Record<string, unknown[]>)[kind] ??= []), structuredClone(record), keyOf);
      });
    }
    const value = structuredClone(record);
    const key = recordKey(kind)!(value);
    await this.serial(() =>
      this.transaction(async (client) => {
        check?.(this.site);
        const json = JSON.stringify(value);
        const old = this.rows.get(kind)?.get(key);
        if (old?.json === json) return { result: undefined, saved: null };
        return { result: undefined, saved: await this.writeRows(client, [{ kind, key, row: { pos: old?.pos ?? this.lastPos(kind) + 1, json, value } }]) };
      }),
    );
    // History is added in the order sessions end: once its first record is past the retention, a
    // whole change drops what is (as every update() does), so a DP's history does not grow forever.
    const oldest = this.site.sessionHistory[0];
    if (kind === 'sessionHistory' && oldest && Date.parse(oldest.endedAt) < Date.now() - this.site.dp.historyRetentionDays * 86_400_000) await this.update(() => undefined);
  }

  async ensureExists(): Promise<void> {
    for (const dir of [this.home, this.contentDir]) {
      if (await mkdir(dir, { recursive: true, mode: PRIVATE_DIR })) await chmod(dir, PRIVATE_DIR);
    }
    if (!this.exists) await this.update(() => undefined);
  }

  onChange(kinds: readonly SiteKind[], listener: SiteChangeListener): () => void {
    const unsubscribe = this.feed.subscribe(kinds, listener);
    this.holdProcess();
    return () => {
      unsubscribe();
      this.holdProcess();
    };
  }

  /**
   * The listening connection keeps the process alive only while someone follows changes: like an
   * idle pooled connection, it otherwise lets a shell whose script has finished exit.
   */
  private holdProcess(): void {
    const client = this.listener as (pg.Client & { ref(): void; unref(): void }) | null;
    if (this.feed.watched) client?.ref();
    else client?.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const listener = this.listener;
    this.listener = null;
    // Idle connections do not hold the process open (see the constructor), so closing them would
    // not either: this timer keeps the process until they are closed.
    const keepAlive = setInterval(() => undefined, 1_000);
    try {
      await listener?.end().catch(() => undefined);
      await this.queue.catch(() => undefined);
      await this.pool.end().catch(() => undefined);
    } finally {
      clearInterval(keepAlive);
    }
  }

  /**
   * Copies `site` (a whole site read from elsewhere) into this database, which must hold no site
   * yet; it is validated as a change is, but kept whole (no retention applied).
   */
  async importSite(site: SiteState): Promise<void> {
    const errors = schemaErrors(site);
    if (errors) throw new EngineError('SiteStoreInvalid', 'InvalidOperation', `The site cannot be copied: ${errors}.`);
    await this.serial(() =>
      this.transaction(async (client) => {
        if (this.exists) throw new EngineError('SiteDatabaseNotEmpty', 'ResourceExists', `The site database ${this.location} already holds a site; copy into an empty database.`);
        return { result: undefined, saved: await this.save(client, structuredClone(site)) };
      }),
    );
  }

  /** The rows this store holds for `kind` (key → record), for verifying a copy. */
  records(kind: string): ReadonlyMap<string, unknown> {
    return new Map([...(this.rows.get(kind) ?? new Map<string, Row>())].map(([key, row]) => [key, row.value]));
  }

  /** Rewrites a site of an older schema version at the current one (another store may have done it meanwhile). */
  private upgradeDocument(): Promise<void> {
    return this.serial(() =>
      this.transaction(async (client) => {
        if (documentVersion(this.site) >= SITE_SCHEMA_VERSION) return { result: undefined, saved: null };
        const upgraded = upgradeDocument(structuredClone(this.site) as unknown as Record<string, unknown>, this.location);
        const errors = schemaErrors(upgraded);
        if (errors) throw new EngineError('SiteStoreUnreadable', 'ResourceUnavailable', `The site database ${this.location} cannot be upgraded: it breaks the site schema: ${errors}.`);
        return { result: undefined, saved: await this.save(client, upgraded as unknown as SiteState) };
      }),
    );
  }

  /** Writes the rows of `draft` that differ from the replica, logs and announces them (at commit); null when nothing differs. */
  private async save(client: pg.PoolClient, draft: SiteState): Promise<Saved | null> {
    const writes = this.diff(draft);
    return writes.length === 0 ? null : this.writeRows(client, writes);
  }

  /** Writes `writes`, logs them under the next sequence number and announces it (at commit). */
  private async writeRows(client: pg.PoolClient, writes: Write[]): Promise<Saved> {
    const seq = Number((await client.query<{ seq: string }>('UPDATE site_meta SET seq = seq + 1 RETURNING seq')).rows[0]!.seq);
    const upserts = writes.filter((write) => write.row);
    const deletes = writes.filter((write) => !write.row);
    if (upserts.length > 0) {
      await client.query(
        `INSERT INTO site_records (kind, key, pos, body) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::jsonb[])
         ON CONFLICT (kind, key) DO UPDATE SET pos = excluded.pos, body = excluded.body`,
        [upserts.map((write) => write.kind), upserts.map((write) => write.key), upserts.map((write) => write.row!.pos), upserts.map((write) => write.row!.json)],
      );
    }
    if (deletes.length > 0) {
      await client.query('DELETE FROM site_records WHERE (kind, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))', [deletes.map((write) => write.kind), deletes.map((write) => write.key)]);
    }
    await client.query('INSERT INTO site_changes (seq, kind, key) SELECT $1, * FROM unnest($2::text[], $3::text[])', [seq, writes.map((write) => write.kind), writes.map((write) => write.key)]);
    if (seq % 100 === 0 && seq > KEPT_CHANGES) {
      await client.query('DELETE FROM site_changes WHERE seq <= $1', [seq - KEPT_CHANGES]);
      await client.query('UPDATE site_meta SET pruned_through = $1', [seq - KEPT_CHANGES]);
    }
    await client.query('SELECT pg_notify($1, $2)', [CHANNEL, String(seq)]);
    return { writes, seq };
  }

  /** The rows `draft` changes, adds and deletes, compared with the replica. */
  private diff(draft: SiteState): Write[] {
    const writes: Write[] = [];
    const kinds = new Set([...Object.keys(draft), ...this.rows.keys()]);
    for (const kind of kinds) {
      if (FILE_ONLY.has(kind)) continue;
      const value = (draft as unknown as Record<string, unknown>)[kind];
      const old = this.rows.get(kind) ?? new Map<string, Row>();
      const keyOf = recordKey(kind);
      if (!keyOf) {
        const json = JSON.stringify(value);
        if (value === undefined) {
          if (old.has(VALUE_KEY)) writes.push({ kind, key: VALUE_KEY });
        } else if (old.get(VALUE_KEY)?.json !== json) writes.push({ kind, key: VALUE_KEY, row: { pos: 0, json, value } });
        continue;
      }
      writes.push(...diffList(kind, (value ?? []) as unknown[], old, keyOf));
    }
    return writes;
  }

  /**
   * Applies written (or caught-up) rows to the replica and publishes the new snapshot; `whole`
   * assembles every part again (the replica held no site before).
   */
  private install(writes: readonly Write[], seq: number, whole = !this.exists): void {
    // A whole site has every part of a new one (its lists empty when they have no rows), and those it has rows of.
    const changed = new Set<string>(whole ? [...Object.keys(emptySite()), ...this.rows.keys()] : []);
    // A list whose records were only replaced in place or added after its last one is patched
    // (what a DP writes per request); any other change assembles it again from its rows.
    const patches = new Map<string, ListPatch | null>();
    for (const { kind, key, row } of writes) {
      let rows = this.rows.get(kind);
      if (!rows) this.rows.set(kind, (rows = new Map()));
      if (!whole && recordKey(kind) && !patches.has(kind)) patches.set(kind, { last: this.lastPos(kind), replaced: new Map(), added: [] });
      const previous = rows.get(key);
      const value = row ? deepFreeze(row.value) : undefined;
      if (row) rows.set(key, { ...row, value });
      else rows.delete(key);
      changed.add(kind);
      const patch = patches.get(kind);
      if (!patch) continue;
      if (row && previous?.pos === row.pos) patch.replaced.set(previous.value, value);
      else if (row && !previous && row.pos > patch.last) {
        patch.added.push(value);
        patch.last = row.pos;
      } else patches.set(kind, null);
    }
    const before = this.site;
    const next = (whole ? {} : { ...before }) as Record<string, unknown>;
    for (const kind of changed) {
      const patch = patches.get(kind);
      const list = before[kind as RecordKind] as readonly unknown[] | undefined;
      const kept = patch && list && (patch.replaced.size === 0 ? list : list.map((value) => (patch.replaced.has(value) ? patch.replaced.get(value) : value)));
      next[kind] = patch && kept ? Object.freeze([...kept, ...patch.added]) : this.assemble(kind);
    }
    this.site = Object.freeze(next) as unknown as SiteState;
    this.seq = seq;
    this.exists = this.rows.get('schemaVersion')?.has(VALUE_KEY) ?? false;
    this.feed.publish(before, this.site, changed as Set<SiteKind>);
  }

  /** The place of the last record of `kind`. */
  private lastPos(kind: string): number {
    const list = this.site[kind as RecordKind] as readonly unknown[] | undefined;
    const last = list?.at(-1);
    return last === undefined ? 0 : (this.rows.get(kind)?.get(recordKey(kind)!(last))?.pos ?? 0);
  }

  /** The value of `kind` in the snapshot: its list in order, or its one value. */
  private assemble(kind: string): unknown {
    const rows = this.rows.get(kind) ?? new Map<string, Row>();
    if (!recordKey(kind)) return rows.get(VALUE_KEY)?.value;
    return Object.freeze([...rows.values()].sort((a, b) => a.pos - b.pos).map((row) => row.value));
  }

  /** Loads the whole site (on open, and when this store fell further behind than the change log reaches). */
  private async reload(client: pg.PoolClient): Promise<void> {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const meta = await client.query<{ seq: string }>('SELECT seq FROM site_meta');
      const records = await client.query<{ kind: string; key: string; pos: string; body: unknown }>('SELECT kind, key, pos, body FROM site_records');
      await client.query('COMMIT');
      this.rows = new Map();
      const writes = records.rows.map(({ kind, key, pos, body }) => ({ kind, key, row: { pos: Number(pos), json: JSON.stringify(body), value: body } }));
      this.exists = false;
      this.install(writes, Number(meta.rows[0]!.seq));
      if (!this.exists) this.site = deepFreeze(emptySite());
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Brings the replica up to the database's last change, reading only the rows changed since. */
  private async catchUp(client: pg.PoolClient): Promise<void> {
    const meta = (await client.query<{ seq: string; pruned_through: string }>('SELECT seq, pruned_through FROM site_meta')).rows[0]!;
    const seq = Number(meta.seq);
    if (seq === this.seq) return;
    if (this.seq < Number(meta.pruned_through)) return this.reload(client);
    const { rows } = await client.query<{ kind: string; key: string; pos: string | null; body: unknown }>(
      `SELECT c.kind, c.key, r.pos, r.body FROM (SELECT DISTINCT kind, key FROM site_changes WHERE seq > $1 AND seq <= $2) c
       LEFT JOIN site_records r USING (kind, key)`,
      [this.seq, seq],
    );
    this.install(
      rows.map(({ kind, key, pos, body }) => (pos === null ? { kind, key } : { kind, key, row: { pos: Number(pos), json: JSON.stringify(body), value: body } })),
      seq,
    );
    if (!this.exists) this.site = deepFreeze(emptySite());
  }

  /** Catches up outside a change (a notification, a reconnection), from one consistent snapshot. */
  private refresh(): Promise<void> {
    return this.serial(() =>
      this.withClient(async (client) => {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        try {
          await this.catchUp(client);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
    );
  }

  /**
   * Runs `body` in a transaction holding the site lock, after catching up; commits what it saved
   * and installs it in the replica. A connection lost before the commit retries the whole change on
   * a new one; lost during the commit, nobody can tell whether it was saved, so it is an error.
   */
  private transaction<T>(body: (client: pg.PoolClient) => Promise<{ result: T; saved: Saved | null }>): Promise<T> {
    return this.withClient(async (client) => {
      let committing = false;
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [SITE_LOCK]);
        await this.catchUp(client);
        const { result, saved } = await body(client);
        committing = true;
        await client.query('COMMIT');
        if (saved) this.install(saved.writes, saved.seq);
        return result;
      } catch (error) {
        if (committing && isConnectionError(error)) {
          throw new EngineError('SiteDatabaseUnreachable', 'ResourceUnavailable', `The connection to the site database ${this.location} broke while a change was being committed, so it may or may not be saved; look at the site and make the change again if it is missing (${(error as Error).message}).`, this.location);
        }
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /** Runs `body` with a pooled connection, waiting for an unreachable database up to retryMs. */
  private async withClient<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.retryMs;
    for (let attempt = 0; ; attempt++) {
      if (this.closed && attempt > 0) throw unreachable(this.location, new Error('the store was closed'));
      let client: pg.PoolClient | null = null;
      try {
        client = await this.pool.connect();
        const result = await body(client);
        client.release();
        return result;
      } catch (error) {
        // A connection that failed a step does not go back to the pool (it may be broken).
        client?.release(error as Error);
        if (!isConnectionError(error)) throw error;
        if (Date.now() > deadline) throw unreachable(this.location, error);
        await sleep(Math.min(2_000, 100 * 2 ** attempt));
      }
    }
  }

  /** Runs `step` after the steps queued before it. */
  private serial<T>(step: () => Promise<T>): Promise<T> {
    const result = this.queue.then(step, step);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** LISTENs for other stores' changes on a connection of its own, reconnecting (and catching up) when it drops. */
  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (Number(message.payload) > this.seq) this.refresh().catch(() => undefined);
    });
    const lost = () => {
      if (this.listener !== client || this.closed) return;
      this.listener = null;
      client.end().catch(() => undefined);
      void this.relisten();
    };
    client.on('error', lost);
    client.on('end', lost);
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
    this.holdProcess();
  }

  /** Keeps trying to listen again (a DP outlives a database restart); then catches up with what it missed. */
  private async relisten(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.listen();
        await this.refresh();
        return;
      } catch {
        await sleep(Math.min(2_000, 100 * 2 ** attempt), { ref: this.feed.watched });
      }
    }
  }
}

/** The writes that turn the rows `old` into `list` (in its order). */
function diffList(kind: string, list: readonly unknown[], old: Rows, keyOf: (record: unknown) => string): Write[] {
  const writes: Write[] = [];
  const seen = new Set<string>();
  let last = -Infinity;
  let highest = 0;
  for (const row of old.values()) highest = Math.max(highest, row.pos);
  let inOrder = true;
  const rows = list.map((value) => {
    const key = keyOf(value);
    if (seen.has(key)) throw new EngineError('SiteStoreInvalid', 'InvalidOperation', `The change was not saved: two ${kind} records have the key ${key}.`);
    seen.add(key);
    const json = JSON.stringify(value);
    const previous = old.get(key);
    // Records keep their place; a new one goes after the last (a list changed in another way is renumbered).
    const pos = previous ? previous.pos : ++highest;
    if (pos <= last) inOrder = false;
    last = pos;
    return { key, row: { pos, json, value }, changed: previous?.json !== json };
  });
  rows.forEach((entry, index) => {
    if (!inOrder) entry.row.pos = index + 1;
    if (!inOrder || entry.changed) writes.push({ kind, key: entry.key, row: entry.row });
  });
  for (const key of old.keys()) if (!seen.has(key)) writes.push({ kind, key });
  return writes;
}

/** Failures that a new connection may cure: the server restarting, refusing, or gone for a moment. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string })?.code ?? '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', '57P01', '57P02', '57P03'].includes(code) || code.startsWith('08')) return true;
  return /Connection terminated|connection (is )?closed|Client has encountered a connection error/i.test((error as Error)?.message ?? '');
}

function unreachable(location: string, error: unknown): EngineError {
  return new EngineError('SiteDatabaseUnreachable', 'ResourceUnavailable', `The site database ${location} cannot be reached (${(error as Error).message}); check that PostgreSQL runs and accepts connections, then try again.`, location);
}

/** The URL without its password, for messages. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, '@');
  }
}

const sleep = (ms: number, options?: { ref: boolean }) => setTimeout(ms, undefined, options);
