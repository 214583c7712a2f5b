// The source side of DP-to-DP content distribution, on the DP's control endpoint:
//   GET /v1/dp/content/<image>  Range: bytes=a-b  → that range of the image (at most 16 MiB), with
//                                                   its SHA-256 in `x-chunk-sha256`
// Only another DP of the site may ask: it presents its own control certificate as the TLS client
// certificate, and the request is served when that certificate's fingerprint is the
// `certificateFingerprint` of a DP record in the site. Nothing secret is shared between DPs: each
// proves it holds the key of the certificate the site registered for it, as a client proves it
// holds the site's key when it pins the DP's fingerprint.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { findImage, imagePath } from '../content/library.js';
import { certificateFingerprint } from '../site/identity.js';
import type { SiteStore } from '../site/store.js';
import { HttpError } from './control.js';

export const DP_CONTENT_PATH = /^\/v1\/dp\/content\/(IMG\d{5})$/;
/** Largest range one request may ask for: what a puller holds in memory to verify before writing. */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

/** The registered DP whose certificate the request's TLS connection presented, or null. */
export function registeredDP(store: SiteStore, request: IncomingMessage): string | null {
  const certificate = (request.socket as TLSSocket).getPeerCertificate?.();
  const fingerprint = certificate?.raw ? certificateFingerprint(certificate.raw) : null;
  return (fingerprint && store.read().distributionPoints.find((record) => record.certificateFingerprint === fingerprint)?.name) || null;
}

/** One range of an image the DP holds, with the range's SHA-256. */
export async function serveContentRange(store: SiteStore, imageId: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const image = findImage(store.read(), imageId);
  const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
  const start = Number(range?.[1]);
  const end = Number(range?.[2]);
  if (!range || end < start || end >= image.sizeBytes || end - start + 1 > MAX_CHUNK_BYTES) {
    throw new HttpError(416, 'InvalidRange', `Ask for one range 'bytes=a-b' within the image's ${image.sizeBytes} bytes, of at most ${MAX_CHUNK_BYTES} bytes.`);
  }
  const handle = await open(imagePath(store, image), 'r').catch(() => {
    throw new HttpError(404, 'ContentNotDistributed', `Content not distributed: this DP does not hold image ${image.id} ('${image.name}').`);
  });
  const chunk = Buffer.alloc(end - start + 1);
  try {
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, start);
    if (bytesRead !== chunk.length) throw new HttpError(500, 'ContentTruncated', `This DP's copy of image ${image.id} is shorter than the image (${image.sizeBytes} bytes).`);
  } finally {
    await handle.close();
  }
  response.writeHead(206, {
    'content-type': 'application/octet-stream',
    'content-length': String(chunk.length),
    'content-range': `bytes ${start}-${end}/${image.sizeBytes}`,
    'x-chunk-sha256': createHash('sha256').update(chunk).digest('hex'),
  });
  response.end(chunk);
}
