// The site database's tables, as versioned SQL migrations applied in order (`mcshell site upgrade`,
// and on first use). Records are stored generically (../record-kinds.ts), so a new kind of record
// needs no migration here; one is needed only for a new table or index.
import type { PoolClient } from 'pg';

/** Migration n (1-based) brings the database from version n-1 to n. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE site_records (
     kind text NOT NULL,
     key text NOT NULL,
     -- The record's place in its list (lists keep their order, as in the file store).
     pos bigint NOT NULL,
     body jsonb NOT NULL,
     PRIMARY KEY (kind, key)
   );
   CREATE INDEX site_records_order ON site_records (kind, pos);
   -- One row per record each change wrote; seq is the change's number (site_meta.seq after it).
   CREATE TABLE site_changes (seq bigint NOT NULL, kind text NOT NULL, key text NOT NULL);
   CREATE INDEX site_changes_seq ON site_changes (seq);
   -- seq: the last change; pruned_through: changes up to this one are gone from site_changes.
   CREATE TABLE site_meta (
     singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
     seq bigint NOT NULL,
     pruned_through bigint NOT NULL
   );
   INSERT INTO site_meta VALUES (true, 0, 0);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Lock key (pg_advisory_xact_lock) of applying migrations. */
const MIGRATION_LOCK = 0x6d637368_0001n;

/** Applies the migrations the database lacks, in one transaction; returns the versions before and after. */
export async function applyMigrations(client: PoolClient): Promise<{ from: number; to: number }> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
    const from = rows[0]?.version ?? 0;
    for (let version = from + 1; version <= SCHEMA_VERSION; version++) {
      await client.query(MIGRATIONS[version - 1]!);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
    }
    await client.query('COMMIT');
    return { from, to: Math.max(from, SCHEMA_VERSION) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
