// What the boundary cmdlets output: one object per boundary or boundary group, with names (not ids)
// of what it relates to, so that they read well and pipe into the other boundary cmdlets.
import type { BoundaryGroupRecord, BoundaryRecord, SiteState } from '../src/engine/site/model.js';
import { groupsOfBoundary, overlappingBoundaries } from '../src/engine/site/boundaries.js';

export const BOUNDARY_VIEW = { properties: ['Id', 'Name', 'Type', 'Value', 'BoundaryGroups'], layout: 'table' } as const;
export const BOUNDARY_GROUP_VIEW = { properties: ['Id', 'Name', 'Boundaries', 'DistributionPoints'], layout: 'table' } as const;

export function boundaryObject(site: SiteState, boundary: BoundaryRecord) {
  return {
    Id: boundary.id,
    Name: boundary.name,
    Type: boundary.type,
    Value: boundary.value,
    BoundaryGroups: groupsOfBoundary(site, boundary).map((group) => group.name),
    // Overlaps are allowed (as in ConfigMgr): a client in both falls in the groups of both.
    OverlapsWith: overlappingBoundaries(site, boundary).map((other) => other.name),
  };
}

export function boundaryGroupObject(site: SiteState, group: BoundaryGroupRecord) {
  return {
    Id: group.id,
    Name: group.name,
    Description: group.description,
    Boundaries: site.boundaries.filter((boundary) => group.boundaryIds.includes(boundary.id)).map((boundary) => boundary.name),
    DistributionPoints: [...group.distributionPoints],
  };
}

/** The warning for a boundary that shares addresses with others: which groups a client there falls in. */
export function overlapWarning(site: SiteState, boundary: BoundaryRecord): string | null {
  const others = overlappingBoundaries(site, boundary);
  if (others.length === 0) return null;
  const named = others.map((other) => {
    const groups = groupsOfBoundary(site, other).map((group) => group.name);
    return `${other.name} (${other.value}${groups.length ? `, in ${groups.join(', ')}` : ', in no group'})`;
  });
  return `Boundary ${boundary.name} overlaps ${named.join('; ')}: a client in the shared addresses falls in the groups of every boundary that holds it, and is referred to the DPs of all of them (Get-BoundaryGroup -IPAddress shows them for an address).`;
}
