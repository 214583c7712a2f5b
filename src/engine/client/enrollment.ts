// The client's side of enrollment: present a token to the DP once (pinning the DP's certificate
// by the fingerprint the token carries) and keep what comes back — the credential, the pinned
// certificate and the site's manifest-signing key — in a file only its owner can read (0600).
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { EngineError } from '../errors.js';
import { parseEnrollmentToken } from '../site/enrollment.js';
import { ClientError, DEFAULT_DP_WAIT_MS, DPConnection, type DPWait } from './connection.js';

export interface ClientCredential {
  /** The DP this client enrolled with, `host:port`. */
  server: string;
  /** SHA-256 of the DP's certificate (lowercase hex) and the certificate (PEM). */
  fingerprint: string;
  certificate: string;
  /** The site's Ed25519 public key (SPKI PEM): multicast manifests must verify with it. */
  signingPublicKey: string;
  /** `<client id>.<secret>`. */
  credential: string;
  device: { id: string; name: string; mac: string | null };
  enrolledAt: string;
}

/** Where `mcshell client` keeps its credential unless told otherwise. */
export function defaultCredentialPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'mcshell', 'client-credential.json');
}

export interface EnrollOptions {
  server: string;
  /** The token string: `<id>.<secret>.<certificate fingerprint>`. */
  token: string;
  mac?: string | undefined;
  name?: string | undefined;
  signal?: AbortSignal | undefined;
  /** How long to wait for a DP that does not answer yet (default DEFAULT_DP_WAIT_MS), and where to say so. */
  wait?: DPWait | undefined;
}

/** Enrolls with the DP; the token is consumed. Throws a ClientError the user can act on. */
export async function enroll(options: EnrollOptions): Promise<ClientCredential> {
  let token: ReturnType<typeof parseEnrollmentToken>;
  try {
    token = parseEnrollmentToken(options.token);
  } catch (error) {
    throw error instanceof EngineError ? new ClientError(error.id, error.message) : error;
  }
  const pin = { fingerprint: token.fingerprint };
  const dp = new DPConnection(options.server, pin, null, options.signal);
  try {
    const wait = options.wait ?? { waitMs: DEFAULT_DP_WAIT_MS };
    const answer = await dp.untilAnswered(
      () => dp.post<{ credential: string; device: ClientCredential['device']; signingPublicKey: string }>('/v1/enroll', { token: `${token.id}.${token.secret}`, mac: options.mac, name: options.name }),
      wait,
    );
    return {
      server: options.server,
      fingerprint: pin.fingerprint,
      certificate: await dp.certificate(),
      signingPublicKey: answer.signingPublicKey,
      credential: answer.credential,
      device: answer.device,
      enrolledAt: new Date().toISOString(),
    };
  } finally {
    dp.close();
  }
}

/** Writes the credential where only its owner can read it (write-and-rename, 0600). */
export async function saveCredential(path: string, credential: ClientCredential): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(credential, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(temporary, path);
    await chmod(path, 0o600);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/** The credential saved at `path`, or null when there is none. */
export async function loadCredential(path: string): Promise<ClientCredential | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ClientError('CredentialUnreadable', `cannot read the client credential ${path}: ${(error as Error).message}`);
  }
  try {
    const value = JSON.parse(text) as Partial<ClientCredential>;
    const strings = [value.server, value.fingerprint, value.certificate, value.signingPublicKey, value.credential, value.device?.id, value.device?.name];
    if (strings.every((field) => typeof field === 'string' && field.length > 0)) return value as ClientCredential;
  } catch {
    // reported below
  }
  throw new ClientError('CredentialUnreadable', `the client credential ${path} is damaged; enroll again with --enroll <token>`);
}
