// Short-lived device credentials for network-booted machines (contract 3). The PXE hello gives a
// machine one; with it, its boot image's agent uses the control endpoint as an enrolled client
// does, but sees only the deployments available to PXE. A credential is
// `PXE.<device id>.<expiry, base 36 ms>.<HMAC-SHA256, base64url>`, keyed by a secret derived from
// the site's TLS key: nothing is stored, and it survives a DP restart (a machine in its boot image
// goes on after one).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { SiteIdentity } from '../site/identity.js';

/** Long enough to image a machine over a slow network; short enough to be worthless soon after. */
export const PXE_CREDENTIAL_LIFETIME_MS = 8 * 3_600_000;
const PATTERN = /^PXE\.([A-Za-z0-9_-]{1,40})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/;

export function pxeCredentialKey(identity: SiteIdentity): Buffer {
  return createHash('sha256').update('mcshell PXE device credential\0').update(identity.tlsKey).digest();
}

function mac(key: Buffer, deviceId: string, expiry: string): Buffer {
  return createHmac('sha256', key).update(`${deviceId}.${expiry}`).digest();
}

export function issuePxeCredential(key: Buffer, deviceId: string, now = Date.now()): string {
  const expiry = (now + PXE_CREDENTIAL_LIFETIME_MS).toString(36);
  return `PXE.${deviceId}.${expiry}.${mac(key, deviceId, expiry).toString('base64url')}`;
}

/** The device id a valid, unexpired PXE credential is for; null for anything else. */
export function verifyPxeCredential(key: Buffer, credential: string, now = Date.now()): string | null {
  const match = PATTERN.exec(credential);
  if (!match) return null;
  const [, deviceId, expiry, signature] = match as unknown as [string, string, string, string];
  if (!timingSafeEqual(Buffer.from(signature, 'base64url'), mac(key, deviceId, expiry))) return null;
  return parseInt(expiry, 36) > now ? deviceId : null;
}
