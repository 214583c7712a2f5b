// Rules between records that the JSON schema cannot state: ids are unique within their kind, and
// what a record points at exists. They are checked on every change, against the change's result.
import type { SiteState } from './model.js';

/** What is wrong with `site` (empty when nothing is), in words an admin can act on. */
export function integrityProblems(site: SiteState): string[] {
  const problems: string[] = [];
  const kinds = { devices: 'device', images: 'image', collections: 'collection', taskSequences: 'task sequence', deployments: 'deployment', enrollmentTokens: 'enrollment token', enrolledClients: 'enrolled client', bootImages: 'boot image', boundaries: 'boundary', boundaryGroups: 'boundary group', distributionPointGroups: 'distribution point group' } as const;
  for (const [list, kind] of Object.entries(kinds) as [keyof typeof kinds, string][]) {
    for (const id of duplicates(site[list].map((record) => record.id))) problems.push(`two ${kind}s have the id ${id}`);
  }
  const devices = new Set(site.devices.map((device) => device.id));
  for (const collection of site.collections) {
    for (const id of collection.memberIds) if (!devices.has(id)) problems.push(`collection ${collection.name} (${collection.id}) has a member ${id} that is not a device of the site`);
    for (const id of duplicates(collection.memberIds)) problems.push(`collection ${collection.name} (${collection.id}) lists member ${id} twice`);
  }
  for (const client of site.enrolledClients) if (!devices.has(client.deviceId)) problems.push(`enrolled client ${client.id} is for device ${client.deviceId}, which is not a device of the site`);
  const collections = new Set(site.collections.map((collection) => collection.id));
  const sequences = new Set(site.taskSequences.map((sequence) => sequence.id));
  for (const deployment of site.deployments) {
    if (!collections.has(deployment.collectionId)) problems.push(`deployment ${deployment.id} targets collection ${deployment.collectionId}, which does not exist`);
    if (!sequences.has(deployment.taskSequenceId)) problems.push(`deployment ${deployment.id} runs task sequence ${deployment.taskSequenceId}, which does not exist`);
  }
  const dps = new Set(site.distributionPoints.map((dp) => dp.name.toLowerCase()));
  for (const name of duplicates(site.distributionPoints.map((dp) => dp.name.toLowerCase()))) problems.push(`two distribution points are named ${name}`);
  const boundaries = new Set(site.boundaries.map((boundary) => boundary.id));
  for (const group of site.boundaryGroups) {
    for (const id of group.boundaryIds) if (!boundaries.has(id)) problems.push(`boundary group ${group.name} (${group.id}) has a boundary ${id} that does not exist`);
    for (const name of group.distributionPoints) if (!dps.has(name.toLowerCase())) problems.push(`boundary group ${group.name} (${group.id}) lists distribution point ${name}, which is not a DP of the site`);
  }
  for (const group of site.distributionPointGroups) {
    for (const name of group.distributionPoints) if (!dps.has(name.toLowerCase())) problems.push(`distribution point group ${group.name} (${group.id}) lists distribution point ${name}, which is not a DP of the site`);
  }
  const images = new Set(site.images.map((image) => image.id));
  for (const status of site.contentDistributions) {
    if (!images.has(status.imageId)) problems.push(`content status for image ${status.imageId}, which does not exist`);
    if (!dps.has(status.distributionPoint.toLowerCase())) problems.push(`content status of image ${status.imageId} on ${status.distributionPoint}, which is not a DP of the site`);
  }
  for (const key of duplicates(site.contentDistributions.map((status) => `${status.imageId} on ${status.distributionPoint.toLowerCase()}`))) problems.push(`two content statuses for image ${key}`);
  return problems;
}

/**
 * The problems a change brings: those of `after` that `before` did not have. A site that already
 * has some (edited by hand, or by an older mcshell) can still be changed, and mended.
 */
export function newIntegrityProblems(before: SiteState, after: SiteState): string[] {
  const existing = new Set(integrityProblems(before));
  return integrityProblems(after).filter((problem) => !existing.has(problem));
}

function duplicates(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const id of ids) (seen.has(id) ? repeated : seen).add(id);
  return [...repeated];
}
