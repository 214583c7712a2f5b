// Client enrollment. An admin makes enrollment tokens (one use by default; or any number of uses:
// a pre-shared site key) and can revoke them. The token string is `<id>.<secret>.<fingerprint>`:
// the id names the token, the secret proves the holder got it from the admin, the fingerprint is
// the SHA-256 of the DP's TLS certificate, which the client pins before it sends anything (like
// kubeadm's discovery hash). Enrolling consumes a use and ties the client to a device record
// (found or created by MAC address / name, so collection membership works); the client gets a
// credential `<client id>.<secret>` it presents on every request afterwards. The site keeps only
// SHA-256 hashes of secrets (they are random 120+ bits, so a plain hash is enough).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EngineError } from '../errors.js';
import { deviceIdentity, findOrCreateDevice, type MemberSpec } from '../deploy/collections.js';
import type { DeviceRecord, EnrolledClientRecord, EnrollmentTokenRecord, SiteState } from './model.js';
import { nextId } from './records.js';
import { siteIndex } from './site-index.js';
import type { SiteStore } from './store.js';

export type TokenState = 'Active' | 'Expired' | 'UsedUp' | 'Revoked';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const TOKEN_ID_LENGTH = 6;
const TOKEN_SECRET_LENGTH = 24; // 24 characters of 36: 124 bits
const TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{24})\.([0-9a-f]{64})$/;
const CREDENTIAL_PATTERN = /^([A-Z]{3}\d{5})\.([A-Za-z0-9_-]{43})$/;

/** Random characters of ALPHABET (bytes ≥ 252 are skipped so every character is equally likely). */
function randomText(length: number): string {
  let text = '';
  while (text.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 252 && text.length < length) text += ALPHABET[byte % ALPHABET.length];
    }
  }
  return text;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function sameHash(secret: string, expectedSha256: string): boolean {
  return timingSafeEqual(Buffer.from(sha256(secret), 'hex'), Buffer.from(expectedSha256, 'hex'));
}

export interface TokenRequest {
  description?: string | undefined;
  /** Milliseconds until the token expires; null = never. */
  expiresInMs: number | null;
  /** Enrollments allowed; null = any number (a pre-shared site key). */
  uses: number | null;
}

export interface ParsedToken {
  id: string;
  secret: string;
  fingerprint: string;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `8h`, `7d`, `90s` → milliseconds; `never` → null (a token that does not expire). */
export function parseExpiresIn(text: string): number | null {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'never') return null;
  const match = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(trimmed);
  const ms = match ? Number(match[1]) * UNIT_MS[match[2]!]! : NaN;
  if (!(ms > 0)) throw new EngineError('InvalidExpiresIn', 'InvalidArgument', `ExpiresIn '${text}' is not a time span: give a number with s, m, h or d (30m, 8h, 7d), or never.`, text);
  return ms;
}

/** Splits a token string; throws a clear error when it is not one. */
export function parseEnrollmentToken(token: string): ParsedToken {
  const match = TOKEN_PATTERN.exec(token.trim());
  if (!match) throw new EngineError('InvalidEnrollmentToken', 'InvalidArgument', 'An enrollment token has the form <6 characters>.<24 characters>.<64 hex digits> (New-EnrollmentToken makes one).');
  return { id: match[1]!, secret: match[2]!, fingerprint: match[3]! };
}

/** Makes a token; returns its record and the token string (shown once: the site keeps only a hash). */
export async function newEnrollmentToken(store: SiteStore, fingerprint: string, request: TokenRequest): Promise<{ record: EnrollmentTokenRecord; token: string }> {
  if (request.uses !== null && !(Number.isInteger(request.uses) && request.uses >= 1)) {
    throw new EngineError('ValueOutOfRange', 'InvalidArgument', `Uses must be a whole number of at least 1; got ${request.uses}.`, request.uses);
  }
  if (request.expiresInMs !== null && !(request.expiresInMs > 0)) {
    throw new EngineError('ValueOutOfRange', 'InvalidArgument', 'ExpiresIn must be a positive time span (e.g. 30m, 8h, 7d) or never.', request.expiresInMs);
  }
  const secret = randomText(TOKEN_SECRET_LENGTH);
  const record = await store.update((site) => {
    let id: string;
    do id = randomText(TOKEN_ID_LENGTH);
    while (site.enrollmentTokens.some((token) => token.id === id));
    const now = Date.now();
    const created: EnrollmentTokenRecord = {
      id,
      description: request.description ?? '',
      secretSha256: sha256(secret),
      createdAt: new Date(now).toISOString(),
      expiresAt: request.expiresInMs === null ? null : new Date(now + request.expiresInMs).toISOString(),
      usesLeft: request.uses,
      used: 0,
      revokedAt: null,
    };
    site.enrollmentTokens.push(created);
    return created;
  });
  return { record, token: `${record.id}.${secret}.${fingerprint}` };
}

export function tokenState(token: EnrollmentTokenRecord, now: number): TokenState {
  if (token.revokedAt) return 'Revoked';
  if (token.expiresAt && Date.parse(token.expiresAt) <= now) return 'Expired';
  if (token.usesLeft === 0) return 'UsedUp';
  return 'Active';
}

export function findToken(site: SiteState, id: string): EnrollmentTokenRecord {
  // A whole token string names its token too (what an admin is likely to paste).
  const wanted = id.trim().toLowerCase().split('.')[0]!;
  const token = site.enrollmentTokens.find((candidate) => candidate.id === wanted);
  if (!token) throw new EngineError('EnrollmentTokenNotFound', 'ObjectNotFound', `No enrollment token '${id}' (tokens: ${site.enrollmentTokens.map((t) => t.id).join(', ') || 'none'}).`, id);
  return token;
}

/** Revokes a token: no client can enroll with it any more (clients already enrolled stay so). */
export async function revokeEnrollmentToken(store: SiteStore, id: string): Promise<EnrollmentTokenRecord> {
  return store.update((site) => {
    const token = findToken(site, id);
    token.revokedAt ??= new Date().toISOString();
    return token;
  });
}

export interface Enrollment {
  client: EnrolledClientRecord;
  device: DeviceRecord;
  /** `<client id>.<secret>`: the client's credential, given to it once. */
  credential: string;
}

/**
 * Enrolls a client with `<id>.<secret>` of a token (the fingerprint part, if present, is ignored:
 * the client checked it already). A device enrolls once; enrolling again replaces its credential.
 */
export async function enrollClient(store: SiteStore, tokenText: string, member: MemberSpec): Promise<Enrollment> {
  const [id, secret] = tokenText.trim().split('.');
  const refused = (why: string) => new EngineError('EnrollmentRefused', 'InvalidOperation', `Enrollment refused: ${why}. Ask the administrator for a new token (New-EnrollmentToken).`);
  if (!id || !secret || secret.length !== TOKEN_SECRET_LENGTH) throw refused('the token is malformed');
  const identity = deviceIdentity(member);
  const secretOfClient = randomBytes(32).toString('base64url');
  return store.update((site) => {
    const token = site.enrollmentTokens.find((candidate) => candidate.id === id);
    if (!token || !sameHash(secret, token.secretSha256)) throw refused('the token is not valid for this site');
    const state = tokenState(token, Date.now());
    if (state !== 'Active') throw refused(state === 'UsedUp' ? 'the token has been used up' : `the token is ${state.toLowerCase()}`);
    const device = findOrCreateDevice(site, identity);
    if (token.usesLeft !== null) token.usesLeft--;
    token.used++;
    site.enrolledClients = site.enrolledClients.filter((client) => client.deviceId !== device.id);
    const client: EnrolledClientRecord = { id: nextId('CLI', site.enrolledClients), deviceId: device.id, secretSha256: sha256(secretOfClient), tokenId: token.id, enrolledAt: new Date().toISOString() };
    site.enrolledClients.push(client);
    return { client, device, credential: `${client.id}.${secretOfClient}` };
  });
}

/** The device whose client presented `credential`, or null when it is not a valid credential. */
export function authenticateClient(site: SiteState, credential: string): DeviceRecord | null {
  const match = CREDENTIAL_PATTERN.exec(credential);
  if (!match) return null;
  const index = siteIndex(site);
  const client = index.enrolledClients.get(match[1]!);
  if (!client || !sameHash(match[2]!, client.secretSha256)) return null;
  return index.devices.get(client.deviceId) ?? null;
}

export function findEnrolledClient(site: SiteState, nameOrId: string): EnrolledClientRecord {
  const wanted = nameOrId.trim().toLowerCase();
  const client = site.enrolledClients.find((candidate) => {
    const device = site.devices.find((d) => d.id === candidate.deviceId);
    return [candidate.id, candidate.deviceId, device?.name ?? '', device?.mac ?? ''].some((key) => key.toLowerCase() === wanted);
  });
  if (!client) {
    const known = site.enrolledClients.map((c) => site.devices.find((d) => d.id === c.deviceId)?.name ?? c.id).join(', ') || 'none';
    throw new EngineError('EnrolledClientNotFound', 'ObjectNotFound', `No enrolled client '${nameOrId}' (enrolled: ${known}).`, nameOrId);
  }
  return client;
}

/** Removes a client's enrollment: its credential stops working at once; the device record stays. */
export async function removeEnrolledClient(store: SiteStore, nameOrId: string): Promise<EnrolledClientRecord> {
  return store.update((site) => {
    const client = findEnrolledClient(site, nameOrId);
    site.enrolledClients = site.enrolledClients.filter((candidate) => candidate.id !== client.id);
    return client;
  });
}
