// The client's side of referral (dp/referral.ts): it asks the DP it knows for an image, accepting
// a referral; referred, it tries the named DPs in order, each pinned to the fingerprint the
// referral gave (which came over the channel already pinned to the referring DP, so trust passes
// on), and takes content from the first that answers. A DP that cannot be reached or refuses is
// skipped; when none serves, the referring DP serves as the last resort if it holds the image.
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { ContentOffer } from '../dp/control.js';
import type { ContentReferral } from '../dp/referral.js';
import { ClientError, describe, DPConnection, type DPWait } from './connection.js';

/** Where one image comes from: the DP connection, and the key its multicast manifests are signed with. */
export interface ContentSource {
  dp: DPConnection;
  signingKey: KeyObject;
  /** The DP the client was referred to; null for the DP it asked. */
  referredTo: string | null;
}

export interface ContentRequest {
  deviceId: string;
  deploymentId: string;
  imageId: string;
}

export interface LocateOptions {
  credential: string;
  wait: DPWait;
  signal?: AbortSignal | undefined;
  /** Says each DP skipped, and why. */
  onSkipped: (message: string) => void;
}

/**
 * Runs `transfer` with the image's source (locateContent). When a DP the client was referred to
 * fails during the transfer (it went away, or its session ended under the client), asks again and
 * goes on with the group's next DP, or the referring DP as the last resort, never the failed one
 * again for this image; what arrived is kept and resumed there.
 */
export async function transferFromBoundaryGroup<T>(asked: ContentSource, request: ContentRequest, options: LocateOptions, transfer: (source: ContentSource, offer: ContentOffer, note: string) => Promise<T>): Promise<T> {
  const failed = new Map<string, string>();
  for (;;) {
    const { source, offer, note } = await locateContent(asked, request, { ...options, failed });
    try {
      return await transfer(source, offer, note);
    } catch (error) {
      if (!source.referredTo || !dpFailed(error)) throw error;
      failed.set(source.referredTo, `failed during the transfer (${describe(error)})`);
      options.onSkipped(`${source.referredTo} failed during the transfer (${describe(error)}); asking ${asked.dp.base} for another DP of the boundary group`);
    } finally {
      if (source !== asked) source.dp.close();
    }
  }
}

/**
 * A transfer that ended because the DP (not this machine) failed: unreachable, its session ended,
 * or it broke off a download (the connection reset when it stopped).
 */
function dpFailed(error: unknown): boolean {
  if (error instanceof ClientError) return ['DPUnreachable', 'MulticastFailed', 'UnicastFailed'].includes(error.id);
  return (error as NodeJS.ErrnoException | null)?.code === 'ECONNRESET';
}

/**
 * Asks `asked` where to get the image and follows a referral. Returns the source to take it from
 * (its connection is the caller's to close, unless it is `asked`'s), the offer, and a note for the
 * step's message (empty when the DP asked serves it without referring).
 */
async function locateContent(
  asked: ContentSource,
  request: ContentRequest,
  /** `failed`: DPs that already failed this transfer, not tried again for it. */
  options: LocateOptions & { failed: ReadonlyMap<string, string> },
): Promise<{ source: ContentSource; offer: ContentOffer; note: string }> {
  const answer = await asked.dp.untilAnswered(() => asked.dp.post<ContentOffer | ContentReferral>('/v1/content', { ...request, acceptsReferral: true }), options.wait);
  if (!('referral' in answer)) return { source: asked, offer: answer, note: '' };
  const groups = `boundary group${answer.boundaryGroups.length === 1 ? '' : 's'} ${answer.boundaryGroups.join(', ')}`;
  const skipped: string[] = [];
  for (const referred of answer.referral) {
    const failure = options.failed.get(referred.name);
    if (failure !== undefined) {
      skipped.push(`${referred.name}: ${failure}`);
      continue;
    }
    const dp = new DPConnection(referred.controlEndpoint, { fingerprint: referred.certificateFingerprint }, options.credential, options.signal);
    try {
      // One attempt: a DP that is down is skipped for the next of the group, not waited for.
      const offer = await dp.post<ContentOffer>('/v1/content', request);
      const source = { dp, signingKey: createPublicKey(referred.signingPublicKey), referredTo: referred.name };
      return { source, offer, note: ` from ${referred.name} (${groups}${skipped.length ? `; skipped ${skipped.join('; ')}` : ''})` };
    } catch (error) {
      dp.close();
      if (!(error instanceof ClientError) || options.signal?.aborted) throw error;
      const reason = `${referred.name}: ${describe(error)}`;
      skipped.push(reason);
      options.onSkipped(`referred to ${reason}; trying the next DP of ${groups}`);
    }
  }
  const tried = skipped.join('; ');
  if (!answer.lastResort) {
    throw new ClientError('NoDistributionPoint', `the DP at ${asked.dp.base} referred this client to the DPs of its ${groups}, and none of them served it: ${tried}`);
  }
  const offer = await asked.dp.untilAnswered(() => asked.dp.post<ContentOffer>('/v1/content', request), options.wait);
  return { source: asked, offer, note: ` from the referring DP ${asked.dp.base} as the last resort (${groups}: ${tried})` };
}
