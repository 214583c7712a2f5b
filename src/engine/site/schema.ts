// JSON schema of the site store (validated when the file is read and before every write). It guards the
// shape of the data; the rules between fields (ranges, start ≤ end) live in model.ts.

import { KERNEL_ARGUMENT } from '../boot/kernel-arguments.js';

const id = { type: 'string', minLength: 1 } as const;
const text = { type: 'string' } as const;
const nullableText = { type: ['string', 'null'] } as const;
const port = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;

function record(properties: Record<string, object>, required: string[] = Object.keys(properties)) {
  return { type: 'object', properties, required, additionalProperties: false } as const;
}

const dpSettings = record({
  enabled: { type: 'boolean' },
  interface: text,
  addressRange: { anyOf: [{ type: 'null' }, record({ start: text, end: text })] },
  portRange: record({ start: port, end: port }),
  maximumClients: { type: 'integer', minimum: 1 },
  transferRateBps: { type: ['number', 'null'] },
  scheduled: record({
    enabled: { type: 'boolean' },
    startDelayMinutes: { type: 'integer', minimum: 0 },
    minimumSessionSize: { type: 'integer', minimum: 1 },
  }),
  slowClients: record({
    policy: { enum: ['None', 'Disconnect', 'Multistream'] },
    thresholdBps: { type: 'number', minimum: 0 },
    unicastFallback: { type: 'boolean' },
    sustainSeconds: { type: 'integer', minimum: 1 },
    streams: { enum: [2, 3] },
  }),
  historyRetentionDays: { type: 'integer', minimum: 1 },
  pxe: record({
    enabled: { type: 'boolean' },
    allowResponse: { type: 'boolean' },
    unknownComputerSupport: { type: 'boolean' },
    passwordHash: { anyOf: [{ type: 'null' }, { type: 'string', pattern: '^scrypt:[0-9a-f]{32}:[0-9a-f]{64}$' }] },
    responseDelaySeconds: { type: 'integer', minimum: 0 },
    interface: nullableText,
    bootImageId: nullableText,
    httpPort: port,
    dhcpMode: { enum: ['ProxyDhcp', 'Full'] },
    addressRange: { anyOf: [{ type: 'null' }, record({ start: text, end: text })] },
    bootFolder: id,
    promptSeconds: { type: 'integer', minimum: 0 },
  }),
});

const bytes = { type: 'integer', minimum: 0 } as const;
const diskSummary = record({
  label: { enum: ['gpt', 'dos'] },
  logicalBytes: bytes,
  usedBytes: bytes,
  chunks: bytes,
  compressionLevel: { type: 'integer' },
  sha256,
  partitions: { type: 'array', items: record({ number: { type: 'integer', minimum: 1 }, filesystem: nullableText, sizeBytes: bytes, usedBytes: bytes, method: { enum: ['used-blocks', 'whole'] } }) },
});

const image = record(
  {
    id,
    name: id,
    version: text,
    description: text,
    file: id,
    sizeBytes: bytes,
    sha256,
    importedAt: text,
    multicast: record({ allow: { type: 'boolean' }, encrypt: { type: 'boolean' }, multicastOnly: { type: 'boolean' } }),
    disk: diskSummary,
  },
  ['id', 'name', 'version', 'description', 'file', 'sizeBytes', 'sha256', 'importedAt', 'multicast'],
);

const inventory = record({
  hostname: nullableText,
  memoryBytes: { type: 'integer', minimum: 0 },
  disks: { type: 'array', items: record({ name: text, sizeBytes: { type: 'integer', minimum: 0 }, model: text, serial: text, removable: { type: 'boolean' } }) },
  nics: { type: 'array', items: record({ name: text, mac: text }) },
  reportedAt: text,
});

const device = record({ id, name: id, mac: nullableText, uuid: nullableText, inventory, variables: { type: 'object', additionalProperties: text } }, ['id', 'name', 'mac']);

const collection = record({ id, name: id, description: text, memberIds: { type: 'array', items: id } });

const step = {
  oneOf: [
    record({ type: { const: 'ApplyImage' }, imageId: id, target: id }),
    record({ type: { const: 'CaptureImage' }, imageName: id, target: id }),
    record({ type: { const: 'Verify' } }),
    record({ type: { const: 'RunCommand' }, command: id }),
    record({ type: { const: 'SetHostname' }, name: id }),
    record({ type: { const: 'Restart' }, into: { enum: ['Disk', 'BootImage'] }, bootImageId: id }, ['type', 'into']),
  ],
} as const;

const taskSequence = record({ id, name: id, steps: { type: 'array', items: step } });

const deployment = record({
  id,
  taskSequenceId: id,
  collectionId: id,
  option: { enum: ['DownloadWhenNeeded', 'DownloadAllFirst', 'AccessDirectly'] },
  availability: { enum: ['Clients', 'ClientsMediaAndPxe', 'MediaAndPxe'] },
  purpose: { enum: ['Available', 'Required'] },
  availableAfter: nullableText,
  expiresAt: nullableText,
  createdAt: text,
});

const deploymentStatus = record({
  deploymentId: id,
  deviceId: id,
  state: { enum: ['InProgress', 'Succeeded', 'Failed'] },
  step: { type: 'integer', minimum: 0 },
  message: text,
  updatedAt: text,
});

const session = record(
  {
    id,
    imageId: id,
    group: text,
    port,
    startedAt: text,
    endedAt: text,
    state: { enum: ['Completed', 'Failed', 'Stopped'] },
    startReason: nullableText,
    clients: { type: 'array', items: record({ id, name: text, state: text, sha256: nullableText }) },
    message: text,
    distributionPoint: id,
  },
  ['id', 'imageId', 'group', 'port', 'startedAt', 'endedAt', 'state', 'startReason', 'clients'],
);

const enrollmentToken = record({
  id,
  description: text,
  secretSha256: sha256,
  createdAt: text,
  expiresAt: nullableText,
  usesLeft: { type: ['integer', 'null'], minimum: 0 },
  used: { type: 'integer', minimum: 0 },
  revokedAt: nullableText,
});

const enrolledClient = record({ id, deviceId: id, secretSha256: sha256, tokenId: id, enrolledAt: text });

const bootImage = record({
  id: { type: 'string', pattern: '^BOOT\\d{4,}$' },
  name: id,
  kernelVersion: text,
  kernelBytes: { type: 'integer', minimum: 0 },
  initrdBytes: { type: 'integer', minimum: 0 },
  kernelSha256: sha256,
  initrdSha256: sha256,
  drivers: { type: 'array', items: id },
  createdAt: text,
  kernelArguments: { type: 'array', items: { type: 'string', pattern: KERNEL_ARGUMENT.source } },
}, ['id', 'name', 'kernelVersion', 'kernelBytes', 'initrdBytes', 'kernelSha256', 'initrdSha256', 'drivers', 'createdAt']);

const ipv4Cidr = { type: 'string', pattern: '^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$' } as const;

const distributionPoint = record(
  {
    name: id,
    description: text,
    controlEndpoint: nullableText,
    certificateFingerprint: { anyOf: [{ type: 'null' }, sha256] },
    signingPublicKey: nullableText,
    interfaces: { type: 'array', items: record({ name: id, addresses: { type: 'array', items: ipv4Cidr } }) },
    subnets: { type: 'array', items: ipv4Cidr },
    version: text,
    registeredAt: text,
    lastHeartbeatAt: nullableText,
    settings: dpSettings,
  },
  ['name', 'description', 'controlEndpoint', 'certificateFingerprint', 'signingPublicKey', 'interfaces', 'subnets', 'version', 'registeredAt', 'lastHeartbeatAt'],
);

const runningSession = record({ id, imageId: id, distributionPoint: id, group: text, port, openedAt: text });

const boundary = record({ id: { type: 'string', pattern: '^BND\\d{5,}$' }, name: id, type: { enum: ['IPSubnet', 'IPRange'] }, value: id });

const boundaryGroup = record({ id: { type: 'string', pattern: '^BG\\d{5,}$' }, name: id, description: text, boundaryIds: { type: 'array', items: id }, distributionPoints: { type: 'array', items: id } });

const distributionPointGroup = record({ id: { type: 'string', pattern: '^DPG\\d{5,}$' }, name: id, description: text, distributionPoints: { type: 'array', items: id } });

const contentDistribution = record({
  imageId: id,
  distributionPoint: id,
  state: { enum: ['Waiting', 'InProgress', 'Success', 'Failed'] },
  bytesDone: bytes,
  message: text,
  sourceDistributionPoint: nullableText,
  rateLimitBps: { type: ['number', 'null'], exclusiveMinimum: 0 },
  updatedAt: text,
});

const adminCredential = record({ id: { type: 'string', pattern: '^ADM\\d{5,}$' }, name: id, secretSha256: sha256, createdAt: text, revokedAt: nullableText });

const list = (items: object) => ({ type: 'array', items }) as const;

const siteProperties = {
  revision: { type: 'string', pattern: '^[0-9a-f]{16}$' },
  schemaVersion: { type: 'integer', minimum: 1 },
  dp: dpSettings,
  images: list(image),
  devices: list(device),
  collections: list(collection),
  taskSequences: list(taskSequence),
  deployments: list(deployment),
  deploymentStatus: list(deploymentStatus),
  sessionHistory: list(session),
  lastSessionNumber: { type: 'integer', minimum: 0 },
  enrollmentTokens: list(enrollmentToken),
  enrolledClients: list(enrolledClient),
  pxeClears: list(record({ deviceId: id, clearedAt: text })),
  bootImages: list(bootImage),
  distributionPoints: list(distributionPoint),
  boundaries: list(boundary),
  boundaryGroups: list(boundaryGroup),
  distributionPointGroups: list(distributionPointGroup),
  contentDistributions: list(contentDistribution),
  adminCredentials: list(adminCredential),
  runningSessions: list(runningSession),
};

/** Fields a site may lack: those added without a schema version (absent reads as empty). */
const optionalFields = new Set(['revision', 'adminCredentials', 'runningSessions']);

/** The schema of the whole document (the revision is new with every write; a file edited by hand may lack it). */
export const siteSchema = record(siteProperties, Object.keys(siteProperties).filter((key) => !optionalFields.has(key)));
