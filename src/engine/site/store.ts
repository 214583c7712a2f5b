// The site store: one JSON document (`site.json`) under the site home, written through `conf`
// (atomic write-and-rename, JSON-schema validation). Every change is a transaction: take the
// site lock, read, apply the change to a copy, validate, write, release. A change that throws
// writes nothing, and two shells on one site serialise instead of overwriting each other.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { open, readFile, stat, unlink, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type Conf from 'conf';
import { EngineError } from '../errors.js';
import { defaultSlowClientSettings, emptySite, SITE_SCHEMA_VERSION, type SiteState } from './model.js';
import { siteRootSchema, siteSchemaProperties } from './schema.js';

export interface SiteLocation {
  /** `--site <dir>` from the command line. */
  site?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** `--site` wins, then MCSHELL_HOME, then the user's config directory. */
export function resolveSiteHome({ site, env = process.env }: SiteLocation): string {
  if (site) return site;
  if (env.MCSHELL_HOME) return env.MCSHELL_HOME;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'mcshell');
}

/** Upgrades a store written by an older schema version to the next version. */
const migrations: Record<number, (old: Record<string, unknown>) => Record<string, unknown>> = {
  // 1 → 2: client enrollment (tokens and enrolled clients); no client is enrolled yet.
  1: (old) => ({ ...old, enrollmentTokens: [], enrolledClients: [] }),
  // 2 → 3: slow-client policy gains the sustained period and the Multistream stream count.
  2: (old) => {
    const dp = old.dp as { slowClients: object };
    return { ...old, dp: { ...dp, slowClients: { ...defaultSlowClientSettings(), ...dp.slowClients } } };
  },
  // 3 → 4: session ids from a site-wide counter, and each history record's start reason. The
  // older ids carry their end time (MC0001-<ms>), so numbering from the history's length repeats none.
  3: (old) => {
    const history = old.sessionHistory as object[];
    return { ...old, sessionHistory: history.map((record) => ({ startReason: null, ...record })), lastSessionNumber: history.length };
  },
};

const LOCK_WAIT_MS = 15_000;
const LOCK_STALE_MS = 60_000;

export class SiteStore {
  private constructor(
    readonly home: string,
    private readonly conf: Conf<SiteState>,
  ) {}

  /** Opens the site at `home`, creating it or migrating an older schema first. */
  static async open(home: string): Promise<SiteStore> {
    await mkdir(join(home, 'content'), { recursive: true });
    const { default: ConfClass } = await import('conf');
    return withSiteLock(home, () => {
      prepareStoreFile(join(home, `${STORE_NAME}.json`));
      try {
        const conf = new ConfClass<SiteState>({
          cwd: home,
          configName: STORE_NAME,
          projectName: 'mcshell',
          schema: siteSchemaProperties as never,
          rootSchema: siteRootSchema,
          clearInvalidConfig: false,
        });
        return new SiteStore(home, conf);
      } catch (error) {
        throw unreadable(join(home, `${STORE_NAME}.json`), error);
      }
    });
  }

  get path(): string {
    return this.conf.path;
  }

  /** Directory of the content library (imported images). */
  get contentDir(): string {
    return join(this.home, 'content');
  }

  /** A validated snapshot of the whole site. */
  read(): SiteState {
    let site: SiteState;
    try {
      site = this.conf.store;
    } catch (error) {
      throw unreadable(this.path, error);
    }
    // conf answers a deleted file with an empty store; say what happened instead.
    if (site.schemaVersion === undefined) {
      throw new EngineError('SiteStoreMissing', 'ResourceUnavailable', `The site store ${this.path} has disappeared while mcshell was using it; restore it, or open the site again to start a new one.`);
    }
    return site;
  }

  /**
   * Applies `change` to a copy of the site and saves it atomically. If `change` throws, or the
   * result fails the schema, the store is left exactly as it was and the error propagates.
   */
  async update<T>(change: (site: SiteState) => T): Promise<T> {
    return withSiteLock(this.home, () => {
      const draft = structuredClone(this.read());
      const result = change(draft);
      try {
        this.conf.store = draft;
      } catch (error) {
        throw new EngineError('SiteStoreInvalid', 'InvalidOperation', `The change was not saved: ${(error as Error).message}`);
      }
      return result;
    });
  }
}

const STORE_NAME = 'site';

function unreadable(path: string, error: unknown): EngineError {
  return new EngineError('SiteStoreUnreadable', 'ResourceUnavailable', `The site store ${path} cannot be read (${(error as Error).message}); restore it from a backup, or move it away to start a new site.`);
}

/** Creates the store file for a new site, or migrates one written by an older schema version. */
function prepareStoreFile(path: string): void {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      writeAtomically(path, emptySite());
      return;
    }
    throw unreadable(path, error);
  }
  let version = typeof raw.schemaVersion === 'number' ? raw.schemaVersion : 0;
  if (version > SITE_SCHEMA_VERSION) {
    throw new EngineError('SiteStoreTooNew', 'InvalidOperation', `The site store ${path} has schema version ${version}, newer than this mcshell understands (${SITE_SCHEMA_VERSION}); upgrade mcshell.`);
  }
  if (version === SITE_SCHEMA_VERSION) return;
  while (version < SITE_SCHEMA_VERSION) {
    const migrate = migrations[version];
    if (!migrate) throw new EngineError('SiteStoreTooOld', 'InvalidOperation', `The site store ${path} has schema version ${version}, which this mcshell cannot migrate.`);
    raw = { ...migrate(raw), schemaVersion: ++version };
  }
  writeAtomically(path, raw);
}

/** Write-and-rename, so a crash leaves either the old or the new file, never half of one. */
function writeAtomically(path: string, value: unknown): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, '\t')}\n`);
  renameSync(temporary, path);
}

/** Runs `body` holding the site lock (an exclusively created file naming the owner's pid). */
async function withSiteLock<T>(home: string, body: () => T): Promise<T> {
  const lockPath = join(home, 'site.lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await lockIsStale(lockPath)) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw new EngineError('SiteBusy', 'ResourceUnavailable', `The site at ${home} is locked by another mcshell (${lockPath}); try again, or remove the lock file if no mcshell is running.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 20));
    }
  }
  try {
    return body();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

/** A lock is stale when its owner process is gone, or it is older than any change could take. */
async function lockIsStale(lockPath: string): Promise<boolean> {
  try {
    const [content, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
    if (Date.now() - info.mtimeMs > LOCK_STALE_MS) return true;
    const pid = Number.parseInt(content, 10);
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - info.mtimeMs > 1000;
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  } catch {
    return false;
  }
}
