// Referral: a DP that a client asks for content, when the client's address lies in boundary groups
// this DP does not serve, names the groups' DPs instead (ConfigMgr's content location: clients
// get content from a DP of their boundary group). The client connects to them in order, pinning
// the fingerprint given here; the referring DP is its last resort.
//
// The client's address is the TCP peer address of its request: the address the DP sees, so a
// client behind NAT (or a proxy) is placed by the NAT's address. No header (X-Forwarded-For) is
// believed: the control endpoint is reached directly over pinned TLS, and a header would let a
// client pick its own DP.
import type { SiteState } from '../site/model.js';
import { groupsOfAddress } from '../site/boundaries.js';
import { findDistributionPoint, isOnline } from '../site/distribution-points.js';
import { dpHoldsImage } from '../content/distribution.js';

/** What a referred client needs to reach and trust another DP: taken from its site record. */
export interface ReferredDP {
  name: string;
  controlEndpoint: string;
  certificateFingerprint: string;
  signingPublicKey: string;
}

/** The DP's answer to a content request it refers elsewhere. */
export interface ContentReferral {
  /** The boundary groups the client's address falls in, in site order. */
  boundaryGroups: string[];
  /** DPs of those groups that are online and hold the image, in the groups' order. */
  referral: ReferredDP[];
  /** The referring DP holds the image too, and serves the client when none of them can. */
  lastResort: boolean;
}

/** The client's IPv4 address from the socket's peer address (`::ffff:10.2.0.7` on a dual-stack listener). */
export function clientAddress(remoteAddress: string | undefined): string {
  return (remoteAddress ?? '').replace(/^::ffff:/i, '');
}

/**
 * Where a client at `address` should get image `imageId` when it asks DP `self` (null: a DP with
 * no record in the site, the single DP of a site without a fleet): null means "here" — the client
 * is in no boundary group, or this DP serves one of its groups, or no DP of its groups is online
 * and holds the image. Otherwise the referral.
 */
export function referralFor(site: SiteState, self: string | null, address: string, imageId: string, now: Date): ContentReferral | null {
  const groups = groupsOfAddress(site, address);
  if (groups.length === 0) return null;
  const selfName = self?.toLowerCase();
  if (groups.some((group) => group.distributionPoints.some((name) => name.toLowerCase() === selfName))) return null;
  const seen = new Set<string>();
  const referral: ReferredDP[] = [];
  for (const name of groups.flatMap((group) => group.distributionPoints)) {
    const key = name.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const dp = findDistributionPoint(site, name);
    if (!dp || !dp.controlEndpoint || !dp.certificateFingerprint || !dp.signingPublicKey) continue;
    if (!isOnline(dp, now.getTime()) || !dpHoldsImage(site, dp.name, imageId)) continue;
    referral.push({ name: dp.name, controlEndpoint: dp.controlEndpoint, certificateFingerprint: dp.certificateFingerprint, signingPublicKey: dp.signingPublicKey });
  }
  if (referral.length === 0) return null;
  // A DP without a record is the site's only DP of old: its library is the site's, so it holds the image.
  const lastResort = self === null || dpHoldsImage(site, self, imageId);
  return { boundaryGroups: groups.map((group) => group.name), referral, lastResort };
}
