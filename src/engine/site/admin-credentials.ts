// Admin credentials: what lets a shell on another machine watch and control the sessions of the
// site's DPs over their pinned HTTPS control endpoints (remote administration). An admin makes
// one with New-AdminCredential; the key `<id>.<secret>` is shown once and kept by its holder in
// MCSHELL_ADMIN_KEY or a file (MCSHELL_ADMIN_KEY_FILE, or admin.key in the shell's home); the
// site keeps only a hash of the secret (32 random bytes, so a plain SHA-256 is enough), and every
// DP checks a presented key against its cached copy of the site. Revoke-AdminCredential ends it.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../errors.js';
import type { AdminCredentialRecord, SiteState } from './model.js';
import { sameHash, sha256 } from './enrollment.js';
import { assertNameFree, findRecord, nextId } from './records.js';
import type { SiteStore } from './store.js';

const KEY_PATTERN = /^(ADM\d{5,})\.([A-Za-z0-9_-]{43})$/;
/** The key file a shell reads when neither variable is set, in its site home. */
export const ADMIN_KEY_FILE = 'admin.key';

export const adminCredentials = (site: SiteState): AdminCredentialRecord[] => site.adminCredentials ?? [];

/** Makes a credential; returns its record and the key (shown once: the site keeps only a hash). */
export async function newAdminCredential(store: SiteStore, name: string): Promise<{ record: AdminCredentialRecord; key: string }> {
  if (!name.trim()) throw new EngineError('MissingName', 'InvalidArgument', 'An admin credential needs a name saying whose it is (e.g. alice, noc-dashboard).');
  const secret = randomBytes(32).toString('base64url');
  const record = await store.update((site) => {
    const credentials = (site.adminCredentials ??= []);
    assertNameFree(credentials.filter((credential) => !credential.revokedAt), name, 'admin credential', 'AdminCredentialExists', 'revoke it first, or choose another name');
    const created: AdminCredentialRecord = { id: nextId('ADM', credentials), name: name.trim(), secretSha256: sha256(secret), createdAt: new Date().toISOString(), revokedAt: null };
    credentials.push(created);
    return created;
  });
  return { record, key: `${record.id}.${secret}` };
}

export function findAdminCredential(site: SiteState, nameOrId: string): AdminCredentialRecord {
  // A whole key names its credential too; a name names the active one before revoked ones of that name.
  const credentials = adminCredentials(site);
  const activeFirst = [...credentials.filter((credential) => !credential.revokedAt), ...credentials.filter((credential) => credential.revokedAt)];
  return findRecord(activeFirst, nameOrId.trim().split('.')[0]!, 'admin credential', 'AdminCredentialNotFound');
}

/** Revokes a credential: no DP accepts it from now on (each DP checks its copy of the site). */
export async function revokeAdminCredential(store: SiteStore, nameOrId: string): Promise<AdminCredentialRecord> {
  return store.update((site) => {
    const credential = findAdminCredential(site, nameOrId);
    credential.revokedAt ??= new Date().toISOString();
    return credential;
  });
}

/** The credential `key` proves, or null (malformed, unknown, wrong secret or revoked). */
export function authenticateAdmin(site: SiteState, key: string): AdminCredentialRecord | null {
  const match = KEY_PATTERN.exec(key);
  if (!match) return null;
  const credential = adminCredentials(site).find((candidate) => candidate.id === match[1]);
  if (!credential || credential.revokedAt !== null || !sameHash(match[2]!, credential.secretSha256)) return null;
  return credential;
}

/**
 * The admin key of this shell: MCSHELL_ADMIN_KEY, else the file MCSHELL_ADMIN_KEY_FILE names,
 * else admin.key in the site home; null when there is none.
 */
export async function loadAdminKey(home: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  if (env.MCSHELL_ADMIN_KEY?.trim()) return checked(env.MCSHELL_ADMIN_KEY, 'MCSHELL_ADMIN_KEY');
  const file = env.MCSHELL_ADMIN_KEY_FILE || join(home, ADMIN_KEY_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !env.MCSHELL_ADMIN_KEY_FILE) return null;
    throw new EngineError('AdminKeyUnreadable', 'ResourceUnavailable', `The admin key file ${file} cannot be read: ${(error as Error).message}.`, file);
  }
  return checked(text, file);
}

function checked(text: string, source: string): string {
  const key = text.trim();
  if (!KEY_PATTERN.test(key)) throw new EngineError('InvalidAdminKey', 'InvalidArgument', `${source} does not hold an admin key (ADM00001.<43 characters>, as New-AdminCredential makes it).`, source);
  return key;
}
