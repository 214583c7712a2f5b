// The site's identity: an Ed25519 key that signs multicast manifests, and the TLS key and
// self-signed certificate of the DP's control endpoint, which clients pin by its SHA-256
// fingerprint (the enrollment token carries it). Made on first need and kept as files under
// `<site home>/identity/` readable by the owner only (0600, the directory 0700), never in the
// JSON store. The certificate is made with @peculiar/x509 (pure JavaScript on WebCrypto): Node
// can make keys but not certificates, and a pure-JS package needs nothing installed beyond npm.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { chmod, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../errors.js';
import { rethrowDiskError } from './disk.js';
import type { SiteStore } from './store.js';

export interface SiteIdentity {
  /** Ed25519 private key: signs multicast manifests. */
  signingKey: KeyObject;
  /** Its public half, SPKI PEM: what enrolled clients verify manifests with. */
  signingPublicKey: string;
  /** The control endpoint's TLS key and certificate (PEM). */
  tlsKey: string;
  tlsCertificate: string;
  /** SHA-256 of the certificate (DER), lowercase hex: what clients pin. */
  fingerprint: string;
}

const DIR = 'identity';
const FILES = { signingKey: 'signing-key.pem', tlsKey: 'tls-key.pem', tlsCertificate: 'tls-cert.pem' } as const;
const CERTIFICATE_YEARS = 20;

const loaded = new Map<string, Promise<SiteIdentity>>();

/** The identity of the site, made on first need (once, even when two processes race). */
export function siteIdentity(store: SiteStore): Promise<SiteIdentity> {
  const home = store.home;
  let identity = loaded.get(home);
  if (!identity) {
    identity = loadOrCreate(store);
    loaded.set(home, identity);
    identity.catch(() => loaded.delete(home));
  }
  return identity;
}

/** SHA-256 of a certificate's DER bytes, lowercase hex. */
export function certificateFingerprint(certificate: string | Buffer): string {
  return createHash('sha256').update(new X509Certificate(certificate).raw).digest('hex');
}

/** `ab:cd:…` in upper case, as `openssl x509 -fingerprint -sha256` shows it, for people to compare. */
export function formatFingerprint(fingerprint: string): string {
  return fingerprint.toUpperCase().match(/../g)!.join(':');
}

async function loadOrCreate(store: SiteStore): Promise<SiteIdentity> {
  const home = store.home;
  const dir = join(home, DIR);
  const existing = await read(dir);
  if (existing) return existing;
  // An identity belongs to a site: one never written yet gets its store first.
  await store.ensureExists();
  // Made in a private temporary directory and renamed into place: a rename onto an existing
  // directory fails, so of two racing processes one wins and the other reads the winner's.
  const staging = await mkdtemp(join(home, `${DIR}-`)).catch((error: unknown) => rethrowDiskError('Creating the site identity', dir, error));
  try {
    await chmod(staging, 0o700);
    const { signingKey, tlsKey, tlsCertificate } = await create();
    await writeFile(join(staging, FILES.signingKey), signingKey, { mode: 0o600 });
    await writeFile(join(staging, FILES.tlsKey), tlsKey, { mode: 0o600 });
    await writeFile(join(staging, FILES.tlsCertificate), tlsCertificate, { mode: 0o644 });
    await rename(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') await rethrowDiskError('Creating the site identity', dir, error);
  }
  const identity = await read(dir);
  if (!identity) throw new EngineError('SiteIdentityUnreadable', 'ResourceUnavailable', `The site identity in ${dir} could not be created.`);
  return identity;
}

async function read(dir: string): Promise<SiteIdentity | null> {
  let files: [string, string, string];
  try {
    files = await Promise.all([FILES.signingKey, FILES.tlsKey, FILES.tlsCertificate].map((name) => readFile(join(dir, name), 'utf8')) as [Promise<string>, Promise<string>, Promise<string>]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (!(await stat(dir).catch(() => null))) return null;
    throw new EngineError('SiteIdentityIncomplete', 'ResourceUnavailable', `The site identity in ${dir} is incomplete; restore it from a backup (clients pinned its certificate), or move the directory away to make a new one and enroll every client again.`);
  }
  const [signingPem, tlsKey, tlsCertificate] = files;
  try {
    const signingKey = createPrivateKey(signingPem);
    return {
      signingKey,
      signingPublicKey: createPublicKey(signingKey).export({ type: 'spki', format: 'pem' }) as string,
      tlsKey,
      tlsCertificate,
      fingerprint: certificateFingerprint(tlsCertificate),
    };
  } catch (error) {
    throw new EngineError('SiteIdentityUnreadable', 'ResourceUnavailable', `The site identity in ${dir} cannot be read (${(error as Error).message}); restore it from a backup.`);
  }
}

async function create(): Promise<{ signingKey: string; tlsKey: string; tlsCertificate: string }> {
  const signing = generateKeyPairSync('ed25519');
  await import('reflect-metadata'); // @peculiar/x509 (through tsyringe) needs the Reflect metadata API
  const x509 = await import('@peculiar/x509');
  const { webcrypto } = await import('node:crypto');
  x509.cryptoProvider.set(webcrypto as never); // its types name the DOM's Crypto; this is Node's WebCrypto
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as import('node:crypto').webcrypto.CryptoKeyPair;
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: `7f${randomBytes(15).toString('hex')}`,
    name: `CN=mcshell site ${randomBytes(4).toString('hex')}`,
    // A day of slack for clients whose clock is behind.
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + CERTIFICATE_YEARS * 365 * 86_400_000),
    signingAlgorithm: algorithm,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'mcshell-dp' }]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    signingKey: signing.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    tlsKey: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string,
    tlsCertificate: certificate.toString('pem'),
  };
}
