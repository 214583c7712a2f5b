// What the content distribution cmdlets emit: DP groups and content statuses as PowerShell-style
// objects (cmdlet folders hold one cmdlet per file, so the shared shapes live here).
import type { ContentDistributionRecord, DistributionPointGroupRecord, SiteState } from '../src/engine/site/model.js';
import { rateText } from './objects.js';

export function dpGroupObject(group: DistributionPointGroupRecord) {
  return { Id: group.id, Name: group.name, MemberCount: group.distributionPoints.length, Members: [...group.distributionPoints], Description: group.description };
}

/** ConfigMgr's content status of one image on one DP; InProgress shows its percent. */
export function contentStatusObject(site: SiteState, status: ContentDistributionRecord) {
  const image = site.images.find((candidate) => candidate.id === status.imageId);
  const size = image?.sizeBytes ?? 0;
  return {
    Image: image?.name ?? status.imageId,
    ImageId: status.imageId,
    DistributionPoint: status.distributionPoint,
    State: status.state,
    Percent: size === 0 ? (status.state === 'Success' ? 100 : 0) : Math.floor((status.bytesDone / size) * 100),
    BytesDone: status.bytesDone,
    Message: status.message,
    SourceDistributionPoint: status.sourceDistributionPoint,
    RateLimit: rateText(status.rateLimitBps),
    UpdatedAt: status.updatedAt,
  };
}

export const DP_GROUP_VIEW = { properties: ['Id', 'Name', 'MemberCount', 'Members'] } as const;
export const CONTENT_STATUS_VIEW = { properties: ['Image', 'DistributionPoint', 'State', 'Percent', 'Message'], layout: 'table' } as const;
