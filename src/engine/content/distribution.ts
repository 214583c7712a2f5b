// Content distribution (ConfigMgr's): where each image stands on each distribution point, as one
// ContentDistributionRecord per image and DP (Waiting, InProgress, Success, Failed). The admin's
// cmdlets only write those records; each DP's puller (src/engine/dp/content-puller.ts) sees the
// ones naming it and fetches what it lacks from a DP that holds the image.
import { hostname } from 'node:os';
import { EngineError } from '../errors.js';
import type { ContentDistributionRecord, ImageRecord, RunningSessionRecord, SiteState } from '../site/model.js';
import { defaultDPName, findDistributionPoint, requireDistributionPoint } from '../site/distribution-points.js';
import type { SiteStore } from '../site/store.js';
import { findRecord } from '../site/records.js';
import { findDistributionPointGroup } from './dp-groups.js';

/** True when the image's content status on the DP is Success: the DP holds a verified copy. */
export function dpHoldsImage(site: SiteState, dpName: string, imageId: string): boolean {
  return statusOf(site, imageId, dpName)?.state === 'Success';
}

export function statusOf(site: SiteState, imageId: string, dpName: string): ContentDistributionRecord | undefined {
  const dp = dpName.toLowerCase();
  return site.contentDistributions.find((status) => status.imageId === imageId && status.distributionPoint.toLowerCase() === dp);
}

/**
 * The DP of this machine, for an import that puts an image's content here: the site's only DP, or
 * the one named after this host (the fleet's default DP name); null when there is none.
 */
export function localDPName(site: SiteState, host: string = hostname()): string | null {
  if (site.distributionPoints.length === 1) return site.distributionPoints[0]!.name;
  return findDistributionPoint(site, defaultDPName(host))?.name ?? null;
}

/** Records that `dpName` holds the image's verified content (an import on that DP's machine). */
export function markHeld(site: SiteState, image: ImageRecord, dpName: string): void {
  setStatus(site, { imageId: image.id, distributionPoint: dpName, state: 'Success', bytesDone: image.sizeBytes, message: '', sourceDistributionPoint: null, rateLimitBps: null, updatedAt: new Date().toISOString() });
}

export interface DistributionRequest {
  image: string;
  distributionPoints?: readonly string[];
  distributionPointGroups?: readonly string[];
  /** Pull from this DP only (default: any Online DP that holds the image). */
  source?: string;
  rateLimitBps?: number | null;
}

/**
 * Start-ContentDistribution: the image becomes Waiting on every DP named (directly or through
 * its groups) that does not hold it yet; DPs that hold it, or are pulling it, are left as they are.
 * Returns the statuses of the DPs named.
 */
export async function startDistribution(store: SiteStore, request: DistributionRequest): Promise<ContentDistributionRecord[]> {
  return store.update((site) => {
    const image = findImage(site, request.image);
    const targets = targetDPs(site, request);
    const source = request.source === undefined ? null : requireDistributionPoint(site, request.source).name;
    if (source !== null && !dpHoldsImage(site, source, image.id)) {
      throw new EngineError('SourceLacksContent', 'InvalidOperation', `-SourceDistributionPoint ${source} does not hold image '${image.name}' (its content status there is not Success); pick a DP that does (Get-ContentDistributionStatus -Image ${image.id}), or leave the source out.`, source);
    }
    assertSomewhere(site, image);
    return targets.map((dp) => {
      const current = statusOf(site, image.id, dp);
      if (current && current.state !== 'Failed') return current;
      return setStatus(site, waiting(image.id, dp, source, request.rateLimitBps ?? null));
    });
  });
}

/**
 * Update-ContentDistribution: the image is distributed again. With `previous` (an older version),
 * to every DP that holds that one; without, to every DP with a status for it. Each such DP checks
 * the copy it has against the image's digest (a DP whose copy matches is Success again at once)
 * and pulls it anew when it differs or is missing.
 */
export async function updateDistribution(store: SiteStore, imageName: string, previous?: string): Promise<ContentDistributionRecord[]> {
  return store.update((site) => {
    const image = findImage(site, imageName);
    const old = previous === undefined ? image : findImage(site, previous);
    const holders = site.contentDistributions.filter((status) => status.imageId === old.id && (previous === undefined || status.state === 'Success'));
    if (holders.length === 0) throw new EngineError('ContentNotDistributed', 'InvalidOperation', `Image '${old.name}' is on no distribution point; use Start-ContentDistribution.`, old.id);
    if (previous !== undefined) assertSomewhere(site, image);
    return holders.map((status) => (statusOf(site, image.id, status.distributionPoint)?.state === 'InProgress' ? statusOf(site, image.id, status.distributionPoint)! : setStatus(site, waiting(image.id, status.distributionPoint, null, status.rateLimitBps))));
  });
}

/**
 * Remove-ContentDistribution: the statuses go; each DP's puller then deletes its copy, except while
 * a session of that DP sends the image (returned, so the admin is told; the copy goes when it ends).
 * The last DP that holds an image keeps it (Remove-OSImage removes an image).
 */
export async function removeDistribution(store: SiteStore, imageName: string, dpNames: readonly string[]): Promise<{ removed: ContentDistributionRecord[]; sending: RunningSessionRecord[] }> {
  return store.update((site) => {
    const image = findImage(site, imageName);
    const names = new Set(dpNames.map((name) => requireDistributionPoint(site, name).name.toLowerCase()));
    const removed = site.contentDistributions.filter((status) => status.imageId === image.id && names.has(status.distributionPoint.toLowerCase()));
    const holdersLeft = site.contentDistributions.filter((status) => status.imageId === image.id && status.state === 'Success' && !names.has(status.distributionPoint.toLowerCase()));
    if (holdersLeft.length === 0 && removed.some((status) => status.state === 'Success')) {
      throw new EngineError('LastContentCopy', 'InvalidOperation', `Image '${image.name}' would be left on no distribution point; distribute it elsewhere first, or remove the image with Remove-OSImage.`, image.id);
    }
    site.contentDistributions = site.contentDistributions.filter((status) => !removed.includes(status));
    const sending = (site.runningSessions ?? []).filter((session) => session.imageId === image.id && names.has(session.distributionPoint.toLowerCase()));
    return { removed, sending };
  });
}

/** A deployment's warning when its image's content is on no DP but the one it was imported on ("content not distributed"). */
export function undistributedWarning(site: SiteState, imageIds: readonly string[]): string | null {
  if (site.distributionPoints.length < 2) return null;
  const lacking = imageIds.filter((id) => site.contentDistributions.filter((status) => status.imageId === id && status.state === 'Success').length < 2);
  if (lacking.length === 0) return null;
  return `Content not distributed: image(s) ${lacking.join(', ')} are on no distribution point but their source; clients served by other DPs cannot get them until you run Start-ContentDistribution.`;
}

function targetDPs(site: SiteState, request: DistributionRequest): string[] {
  const names = (request.distributionPoints ?? []).map((name) => requireDistributionPoint(site, name).name);
  for (const group of request.distributionPointGroups ?? []) names.push(...findDistributionPointGroup(site, group).distributionPoints);
  if (names.length === 0) throw new EngineError('NoDistributionPointGiven', 'InvalidArgument', 'Name the DPs to distribute to with -DistributionPoint or -DistributionPointGroup (a group with members).');
  return [...new Map(names.map((name) => [name.toLowerCase(), name])).values()];
}

/** As library.ts findImage (which imports this file for imports' content status). */
function findImage(site: SiteState, nameOrId: string): ImageRecord {
  return findRecord(site.images, nameOrId, 'image', 'ImageNotFound');
}

function assertSomewhere(site: SiteState, image: ImageRecord): void {
  if (!site.contentDistributions.some((status) => status.imageId === image.id && status.state === 'Success')) {
    throw new EngineError('ContentSourceMissing', 'InvalidOperation', `No distribution point holds image '${image.name}' yet: import it on a DP's machine (Import-OSImage there marks it on that DP) before distributing it.`, image.id);
  }
}

function waiting(imageId: string, dp: string, source: string | null, rateLimitBps: number | null): ContentDistributionRecord {
  return { imageId, distributionPoint: dp, state: 'Waiting', bytesDone: 0, message: 'waiting for the DP to pull the content', sourceDistributionPoint: source, rateLimitBps, updatedAt: new Date().toISOString() };
}

function setStatus(site: SiteState, record: ContentDistributionRecord): ContentDistributionRecord {
  const index = site.contentDistributions.findIndex((status) => status.imageId === record.imageId && status.distributionPoint.toLowerCase() === record.distributionPoint.toLowerCase());
  if (index >= 0) site.contentDistributions[index] = record;
  else site.contentDistributions.push(record);
  return record;
}
