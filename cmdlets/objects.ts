// What the deployment cmdlets emit: engine records shaped as PowerShell-style objects
// (PascalCase properties, names resolved, sizes readable). One shape per kind, shared by every
// cmdlet that outputs that kind.
import type { AdminCredentialRecord, BootImageRecord, CollectionRecord, DeploymentRecord, DeviceRecord, DPMulticastSettings, EnrolledClientRecord, EnrollmentTokenRecord, ImageRecord, SiteState, TaskSequenceRecord, TaskStep } from '../src/engine/site/model.js';
import type { TokenState } from '../src/engine/site/enrollment.js';
import { withTypeName } from '../src/runtime/values.js';
import { siteIndex } from '../src/engine/site/site-index.js';

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export const rateText = (bps: number | null) => (bps === null ? null : `${Math.round(bps / 1e4) / 100} Mbit/s`);

export function dpObject(dp: DPMulticastSettings) {
  return {
    Enabled: dp.enabled,
    Interface: dp.interface,
    AddressRange: dp.addressRange ? `${dp.addressRange.start}-${dp.addressRange.end}` : 'Any (239.0.0.0/8)',
    StartIPAddress: dp.addressRange?.start ?? null,
    EndIPAddress: dp.addressRange?.end ?? null,
    StartUdpPort: dp.portRange.start,
    EndUdpPort: dp.portRange.end,
    MaximumClients: dp.maximumClients,
    TransferRate: rateText(dp.transferRateBps) ?? 'Adaptive',
    ScheduledMulticast: dp.scheduled.enabled,
    SessionStartDelayMins: dp.scheduled.startDelayMinutes,
    MinimumSessionSize: dp.scheduled.minimumSessionSize,
    SlowClientPolicy: dp.slowClients.policy,
    SlowClientThreshold: rateText(dp.slowClients.thresholdBps || null),
    UnicastFallback: dp.slowClients.unicastFallback,
    SlowClientSeconds: dp.slowClients.sustainSeconds,
    SlowClientStreams: dp.slowClients.streams,
    HistoryRetentionDays: dp.historyRetentionDays,
  };
}

/** An image as the cmdlets show it; `path` is its file in the content library, where known. */
export function imageObject(image: ImageRecord, path?: string) {
  const logicalBytes = image.disk?.logicalBytes ?? image.sizeBytes;
  return {
    Id: image.id,
    Name: image.name,
    Version: image.version,
    Format: image.disk ? 'Disk' : 'Flat',
    /** Stored (and sent) size; LogicalSize is the disk it restores. */
    Size: formatBytes(image.sizeBytes),
    SizeBytes: image.sizeBytes,
    LogicalSize: formatBytes(logicalBytes),
    LogicalSizeBytes: logicalBytes,
    Ratio: image.sizeBytes > 0 ? Math.round((logicalBytes / image.sizeBytes) * 100) / 100 : 1,
    PartitionTable: image.disk?.label ?? null,
    Partitions: (image.disk?.partitions ?? []).map((p) => `${p.number}: ${p.filesystem ?? 'unknown'}, ${formatBytes(p.sizeBytes)}, ${formatBytes(p.usedBytes)} ${p.method === 'whole' ? 'kept whole' : 'used'}`),
    ...(path ? { Path: path } : {}),
    Sha256: image.sha256,
    Description: image.description,
    ImportedAt: image.importedAt,
    MulticastAllow: image.multicast.allow,
    MulticastEncrypt: image.multicast.encrypt,
    MulticastOnly: image.multicast.multicastOnly,
  };
}

export function imageMulticastObject(image: ImageRecord) {
  return { Id: image.id, Name: image.name, Allow: image.multicast.allow, Encrypt: image.multicast.encrypt, MulticastOnly: image.multicast.multicastOnly };
}

export function collectionObject(site: SiteState, collection: CollectionRecord) {
  const members = site.devices.filter((device) => collection.memberIds.includes(device.id));
  return { Id: collection.id, Name: collection.name, MemberCount: members.length, Members: members.map((device) => device.name), Description: collection.description };
}

export function deviceObject(site: SiteState, device: DeviceRecord) {
  return {
    Id: device.id,
    Name: device.name,
    MacAddress: device.mac,
    Collections: [...(siteIndex(site).collectionsOf.get(device.id) ?? [])].map((id) => site.collections.find((collection) => collection.id === id)!.name),
    // What a network-booted machine reported of itself (PXE hello); null until it did.
    Uuid: device.uuid ?? null,
    Inventory: device.inventory
      ? {
          Hostname: device.inventory.hostname,
          Memory: formatBytes(device.inventory.memoryBytes),
          Disks: device.inventory.disks.map((disk) => ({ Name: disk.name, Size: formatBytes(disk.sizeBytes), SizeBytes: disk.sizeBytes, Model: disk.model, Serial: disk.serial, Removable: disk.removable })),
          Nics: device.inventory.nics.map((nic) => ({ Name: nic.name, MacAddress: nic.mac })),
          ReportedAt: device.inventory.reportedAt,
        }
      : null,
    Variables: { ...device.variables },
  };
}

export function bootImageObject(image: BootImageRecord) {
  return {
    Id: image.id,
    Name: image.name,
    KernelVersion: image.kernelVersion,
    Size: formatBytes(image.kernelBytes + image.initrdBytes),
    KernelBytes: image.kernelBytes,
    InitrdBytes: image.initrdBytes,
    KernelSha256: image.kernelSha256,
    InitrdSha256: image.initrdSha256,
    Drivers: image.drivers,
    KernelArguments: image.kernelArguments ?? [],
    CreatedAt: image.createdAt,
  };
}

function stepText(site: SiteState, step: TaskStep): string {
  switch (step.type) {
    case 'ApplyImage':
      return `ApplyImage ${site.images.find((image) => image.id === step.imageId)?.name ?? step.imageId} -> ${step.target}`;
    case 'CaptureImage':
      return `CaptureImage ${step.target} -> ${step.imageName}`;
    case 'Verify':
      return 'Verify';
    case 'RunCommand':
      return `RunCommand ${step.command}`;
    case 'SetHostname':
      return `SetHostname ${step.name}`;
    case 'Restart':
      return step.into === 'BootImage' ? `Restart -Into BootImage ${site.bootImages.find((image) => image.id === step.bootImageId)?.name ?? step.bootImageId}` : 'Restart -Into Disk';
  }
}

export function taskSequenceObject(site: SiteState, sequence: TaskSequenceRecord) {
  return { Id: sequence.id, Name: sequence.name, StepCount: sequence.steps.length, Steps: sequence.steps.map((step) => stepText(site, step)) };
}

export function deploymentObject(site: SiteState, deployment: DeploymentRecord) {
  const { devices, statusesOf } = siteIndex(site);
  const statuses = statusesOf.get(deployment.id) ?? [];
  const count = (state: string) => statuses.filter((status) => status.state === state).length;
  const collection = site.collections.find((candidate) => candidate.id === deployment.collectionId);
  return {
    Id: deployment.id,
    TaskSequence: site.taskSequences.find((sequence) => sequence.id === deployment.taskSequenceId)?.name ?? deployment.taskSequenceId,
    Collection: collection?.name ?? deployment.collectionId,
    Purpose: deployment.purpose,
    DeploymentOption: deployment.option,
    Availability: deployment.availability,
    AvailableAfter: deployment.availableAfter,
    ExpiresAt: deployment.expiresAt,
    Targeted: collection?.memberIds.length ?? 0,
    Succeeded: count('Succeeded'),
    Failed: count('Failed'),
    InProgress: count('InProgress'),
    Status: statuses.map((status) => ({ Device: devices.get(status.deviceId)?.name ?? status.deviceId, State: status.state, Step: status.step, Message: status.message, UpdatedAt: status.updatedAt })),
    CreatedAt: deployment.createdAt,
  };
}

/** An enrollment token without its secret (the site keeps only a hash of it). */
export function adminCredentialObject(credential: AdminCredentialRecord) {
  return { Id: credential.id, Name: credential.name, State: credential.revokedAt ? 'Revoked' : 'Active', CreatedAt: credential.createdAt, RevokedAt: credential.revokedAt };
}

export function enrollmentTokenObject(token: EnrollmentTokenRecord, state: TokenState) {
  return {
    Id: token.id,
    State: state,
    Description: token.description,
    UsesLeft: token.usesLeft ?? 'Unlimited',
    Used: token.used,
    ExpiresAt: token.expiresAt ?? 'Never',
    CreatedAt: token.createdAt,
    RevokedAt: token.revokedAt,
  };
}

export function enrolledClientObject(site: SiteState, client: EnrolledClientRecord) {
  const device = site.devices.find((candidate) => candidate.id === client.deviceId);
  return {
    Id: client.id,
    Device: device?.name ?? client.deviceId,
    DeviceId: client.deviceId,
    MacAddress: device?.mac ?? null,
    Collections: site.collections.filter((collection) => collection.memberIds.includes(client.deviceId)).map((collection) => collection.name),
    Token: client.tokenId,
    EnrolledAt: client.enrolledAt,
  };
}

// Default text views: the properties a table or list shows (JSON always has them all).
export const DP_VIEW = { properties: ['Enabled', 'Interface', 'AddressRange', 'StartUdpPort', 'EndUdpPort', 'MaximumClients', 'TransferRate', 'ScheduledMulticast', 'SessionStartDelayMins', 'MinimumSessionSize', 'SlowClientPolicy'], layout: 'list' } as const;
export const IMAGE_VIEW = { properties: ['Id', 'Name', 'Version', 'Size'] } as const;
export const IMAGE_MULTICAST_VIEW = { properties: ['Name', 'Allow', 'Encrypt', 'MulticastOnly'] } as const;
export const COLLECTION_VIEW = { properties: ['Id', 'Name', 'MemberCount', 'Description'] } as const;
export const DEVICE_VIEW = { properties: ['Id', 'Name', 'MacAddress', 'Collections'] } as const;
export const BOOT_IMAGE_VIEW = { properties: ['Id', 'Name', 'KernelVersion', 'Size'] } as const;
export const TASK_SEQUENCE_VIEW = { properties: ['Id', 'Name', 'StepCount', 'Steps'] } as const;
export const DEPLOYMENT_VIEW = { properties: ['Id', 'TaskSequence', 'Collection', 'Purpose', 'DeploymentOption', 'Succeeded', 'Failed'], layout: 'table' } as const;
export const ADMIN_CREDENTIAL_VIEW = { properties: ['Id', 'Name', 'State', 'CreatedAt'] } as const;
export const ENROLLMENT_TOKEN_VIEW = { properties: ['Id', 'State', 'UsesLeft', 'ExpiresAt'] } as const;
export const ENROLLED_CLIENT_VIEW = { properties: ['Id', 'Device', 'MacAddress', 'Collections'] } as const;
export const SESSION_VIEW = { properties: ['Id', 'State', 'Image', 'Group', 'Port', 'Clients', 'Verified', 'Percent', 'StartsBy'], layout: 'table' } as const;
export const CLIENT_VIEW = { properties: ['SessionId', 'Name', 'Address', 'State', 'Percent'] } as const;

/** Sessions and clients of several DPs (-DistributionPoint) are typed `<type>#DistributionPoint`, whose views lead with the DP. */
const BY_DP = '#DistributionPoint';
export const SESSION_OUTPUT = {
  name: 'MulticastSession',
  view: SESSION_VIEW,
  variants: { [`MulticastSession${BY_DP}`]: { properties: ['DistributionPoint', ...SESSION_VIEW.properties.filter((name) => name !== 'Group' && name !== 'Port')], layout: 'table' } },
} as const;
export const CLIENT_OUTPUT = { name: 'MulticastClient', view: CLIENT_VIEW, variants: { [`MulticastClient${BY_DP}`]: { properties: ['DistributionPoint', ...CLIENT_VIEW.properties], layout: 'table' } } } as const;

/** A session or client view of a DP of several (it has a DistributionPoint) gets the view that shows it. */
export function shownWithDP<T extends { DistributionPoint?: string }>(row: T, output: { name: string }): T {
  return row.DistributionPoint === undefined ? row : withTypeName(row, `${output.name}${BY_DP}`);
}
