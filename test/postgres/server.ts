// A real PostgreSQL server for the site database tests (Debian's postgresql package): its own data
// directory and Unix socket under a temporary folder, no TCP, run as the `postgres` user (the
// server refuses root). scripts/run-tests.mjs --postgres starts one for the whole run; a test
// file that needs its own (to restart it) starts one itself.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const BIN = ['/usr/lib/postgresql']
  .flatMap((root) => (existsSync(root) ? readdirSync(root).sort().reverse().map((version) => join(root, version, 'bin')) : []))
  .find((dir) => existsSync(join(dir, 'pg_ctl')));

export interface PostgresServer {
  /** URL of the server's `postgres` database (the one fresh databases are made from). */
  url: string;
  /** A URL of `database` on this server. */
  urlOf(database: string): string;
  stop(): void;
  start(): void;
  remove(): void;
}

export function postgresAvailable(): boolean {
  return BIN !== undefined;
}

export function startPostgres(): PostgresServer {
  if (!BIN) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const dir = mkdtempSync(join(tmpdir(), 'mcshell-pg-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'socket');
  mkdirSync(data);
  mkdirSync(socket);
  const root = userInfo().uid === 0;
  if (root) {
    const { uid, gid } = postgresUser();
    chmodSync(dir, 0o755);
    for (const path of [data, socket]) chownSync(path, uid, gid);
  }
  const run = (tool: string, args: string[]) => execFileSync(root ? 'runuser' : join(BIN, tool), root ? ['-u', 'postgres', '--', join(BIN, tool), ...args] : args, { stdio: ['ignore', 'pipe', 'pipe'] });
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  // Tests open many sites (a database each) in one process: room for their connections.
  const options = `-k ${socket} -c listen_addresses= -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const urlOf = (database: string) => `postgres://postgres@localhost/${database}?host=${encodeURIComponent(socket)}`;
  const server: PostgresServer = {
    url: urlOf('postgres'),
    urlOf,
    start: () => void run('pg_ctl', ['-D', data, '-o', options, '-l', join(data, 'server.log'), '-w', 'start']),
    stop: () => void run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
    remove: () => {
      try {
        server.stop();
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  server.start();
  return server;
}

let databases = 0;

/** A new, empty database on the server at `url` (one per test, so tests share nothing). */
export async function freshDatabase(url: string): Promise<string> {
  const name = `site_${process.pid}_${++databases}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
  return { uid: id('-u'), gid: id('-g') };
}
