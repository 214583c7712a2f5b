// Rules between records that the JSON schema cannot state: ids are unique within their kind, and
// what a record points at exists. They are checked on every change, against the change's result.
import type { SiteState } from './model.js';

/** What is wrong with `site` (empty when nothing is), in words an admin can act on. */
export function integrityProblems(site: SiteState): string[] {
  const problems: string[] = [];
  const kinds = { devices: 'device', images: 'image', collections: 'collection', taskSequences: 'task sequence', deployments: 'deployment', enrollmentTokens: 'enrollment token', enrolledClients: 'enrolled client', bootImages: 'boot image' } as const;
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
