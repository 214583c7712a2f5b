// Task-sequence deployments to collections, with ConfigMgr's rules.
import { EngineError } from '../errors.js';
import type { DeploymentOption, DeploymentRecord, SiteState } from '../site/model.js';
import { nextId } from '../site/records.js';
import type { SiteStore } from '../site/store.js';
import { findCollection } from './collections.js';
import { findTaskSequence } from './task-sequences.js';

export interface DeploymentRequest {
  taskSequence: string;
  collection: string;
  option: DeploymentOption;
  availability: DeploymentRecord['availability'];
  purpose: DeploymentRecord['purpose'];
  availableAfter?: Date | undefined;
  expiresAt?: Date | undefined;
  /** Create it even when an identical deployment exists (New-TSDeployment -Force). */
  allowDuplicate?: boolean;
}

export function findDeployment(site: SiteState, id: string): DeploymentRecord {
  const deployment = site.deployments.find((candidate) => candidate.id.toLowerCase() === id.trim().toLowerCase());
  if (!deployment) throw new EngineError('DeploymentNotFound', 'ObjectNotFound', `No deployment '${id}' (deployments: ${site.deployments.map((d) => d.id).join(', ') || 'none yet'}).`, id);
  return deployment;
}

export async function newDeployment(store: SiteStore, request: DeploymentRequest): Promise<DeploymentRecord> {
  if (request.availableAfter && request.expiresAt && request.expiresAt <= request.availableAfter) {
    throw new EngineError('InvalidSchedule', 'InvalidArgument', `ExpiresAt (${request.expiresAt.toISOString()}) must be after AvailableAfter (${request.availableAfter.toISOString()}).`);
  }
  return store.update((site) => {
    const sequence = findTaskSequence(site, request.taskSequence);
    const collection = findCollection(site, request.collection);
    // ConfigMgr: "transfer this package only via multicast" requires "download content locally when needed".
    const multicastOnly = sequence.steps.flatMap((step) => (step.type === 'ApplyImage' ? site.images.filter((image) => image.id === step.imageId && image.multicast.multicastOnly) : []));
    if (multicastOnly.length > 0 && request.option !== 'DownloadWhenNeeded') {
      throw new EngineError('MulticastOnlyNeedsDownload', 'InvalidArgument', `Image '${multicastOnly[0]!.name}' is multicast-only, which requires -DeploymentOption DownloadWhenNeeded (got ${request.option}).`, request.option);
    }
    const deployment: DeploymentRecord = {
      id: nextId('DEP', site.deployments),
      taskSequenceId: sequence.id,
      collectionId: collection.id,
      option: request.option,
      availability: request.availability,
      purpose: request.purpose,
      availableAfter: request.availableAfter?.toISOString() ?? null,
      expiresAt: request.expiresAt?.toISOString() ?? null,
      createdAt: new Date().toISOString(),
    };
    const twin = site.deployments.find((existing) => sameDeployment(existing, deployment));
    if (twin && !request.allowDuplicate) {
      const schedule = twin.availableAfter || twin.expiresAt ? `available ${twin.availableAfter ?? 'now'} until ${twin.expiresAt ?? 'it is removed'}` : 'no schedule';
      throw new EngineError(
        'DeploymentExists',
        'ResourceExists',
        `Deployment ${twin.id} already deploys task sequence '${sequence.name}' to collection '${collection.name}' the same way (${twin.purpose}, ${twin.option}, ${twin.availability}, ${schedule}); a second would deploy it to the same machines again. Use ${twin.id}, remove it first (Remove-TSDeployment ${twin.id}), or add -Force to create another.`,
        twin.id,
      );
    }
    site.deployments.push(deployment);
    return deployment;
  });
}

/** Two deployments that differ only in id and creation time. */
function sameDeployment(a: DeploymentRecord, b: DeploymentRecord): boolean {
  return (
    a.taskSequenceId === b.taskSequenceId &&
    a.collectionId === b.collectionId &&
    a.option === b.option &&
    a.availability === b.availability &&
    a.purpose === b.purpose &&
    a.availableAfter === b.availableAfter &&
    a.expiresAt === b.expiresAt
  );
}

export async function removeDeployment(store: SiteStore, id: string): Promise<DeploymentRecord> {
  return store.update((site) => {
    const deployment = findDeployment(site, id);
    site.deployments = site.deployments.filter((candidate) => candidate !== deployment);
    site.deploymentStatus = site.deploymentStatus.filter((status) => status.deploymentId !== deployment.id);
    return deployment;
  });
}
