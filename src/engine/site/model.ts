// The site's persistent state: what an admin configures with the shell (ConfigMgr's four steps)
// plus the history of finished sessions. Plain JSON so it can live in a `conf` store.
import { EngineError } from '../errors.js';
import { aliasesLinkLocalControl, formatIPv4, parseMulticastAddress } from './ipv4.js';
import type { DiskSummary } from '../disk/format.js';

export const SITE_SCHEMA_VERSION = 8;

/**
 * What the DP does about a client that cannot keep up (WDS's "transfer settings"): None keeps the
 * session at the slowest client's pace; Disconnect drops clients whose rate stays below the
 * threshold (they continue by unicast when allowed); Multistream moves them to a slower stream.
 */
export type SlowClientPolicy = 'None' | 'Disconnect' | 'Multistream';

export interface SlowClientSettings {
  policy: SlowClientPolicy;
  /** Bits per second below which a client counts as slow (Disconnect, Multistream). */
  thresholdBps: number;
  /** Disconnected slow clients continue by unicast when the image allows it. */
  unicastFallback: boolean;
  /** Seconds a client's rate must stay below the threshold before the policy acts. */
  sustainSeconds: number;
  /** Multistream: streams per image, 2 (fast, slow) or 3 (fast, medium, slow). */
  streams: 2 | 3;
}

export interface DPMulticastSettings {
  enabled: boolean;
  /** Interface the DP serves on. The embedded default is loopback; a LAN needs an explicit name. */
  interface: string;
  /** `null` = any address in 239.0.0.0/8 (ConfigMgr's "use any range"); else an explicit range. */
  addressRange: { start: string; end: string } | null;
  portRange: { start: number; end: number };
  maximumClients: number;
  /** Cap on the multicast rate in bits per second; `null` = adapt to the receivers. */
  transferRateBps: number | null;
  scheduled: { enabled: boolean; startDelayMinutes: number; minimumSessionSize: number };
  slowClients: SlowClientSettings;
  /**
   * Days finished sessions stay in the history, and status reports of deployments that expired
   * stay in their status, before they are dropped (on the next change to the site).
   */
  historyRetentionDays: number;
  /** Network boot (ConfigMgr's DP "PXE" tab). */
  pxe: DPPxeSettings;
}

/**
 * How the DP answers DHCP: ProxyDhcp beside the LAN's own DHCP server (boot information only,
 * never an address); Full for an isolated lab with no DHCP server (addresses from `addressRange`).
 */
export type PxeDhcpMode = 'ProxyDhcp' | 'Full';

export interface DPPxeSettings {
  enabled: boolean;
  /** ConfigMgr's "Allow this DP to respond to incoming PXE requests": off keeps the settings but answers nothing. */
  allowResponse: boolean;
  /** Unknown machines are registered into "All Unknown Computers" (else they boot from their disk). */
  unknownComputerSupport: boolean;
  /** `scrypt:<salt hex>:<hash hex>` of the PXE password asked on the machine's console; null = none. */
  passwordHash: string | null;
  /** Seconds the DHCP answers wait, so another PXE server (or the LAN's own) answers first. */
  responseDelaySeconds: number;
  /** Interface the PXE services answer on; null = the DP's interface. */
  interface: string | null;
  /** Id of the boot image PXE boots (bootImages[]); null = none chosen yet. */
  bootImageId: string | null;
  /** Plain-HTTP port of the boot listener (iPXE scripts, kernel, initrd). */
  httpPort: number;
  dhcpMode: PxeDhcpMode;
  /** Full DHCP mode: the addresses handed out (in the interface's subnet). */
  addressRange: { start: string; end: string } | null;
  /** Folder of iPXE's first stages (undionly.kpxe, ipxe.efi, snponly.efi) that TFTP serves. */
  bootFolder: string;
  /** Seconds an available (not required) deployment waits for a key press before local boot (ConfigMgr's F12). */
  promptSeconds: number;
}

export interface ImageMulticastSettings {
  allow: boolean;
  encrypt: boolean;
  multicastOnly: boolean;
}

export interface ImageRecord {
  id: string;
  name: string;
  version: string;
  description: string;
  /** File name inside the content library. */
  file: string;
  sizeBytes: number;
  sha256: string;
  importedAt: string;
  multicast: ImageMulticastSettings;
  /** Set for a disk image (src/engine/disk/format.ts): what its file holds; sizeBytes is the stored size. */
  disk?: DiskSummary;
}

export interface DeviceRecord {
  id: string;
  name: string;
  mac: string | null;
  /** SMBIOS UUID (lowercase, dashed), as a network-booted machine reported it. */
  uuid?: string | null;
  /** What a network-booted machine reported of itself (PXE hello). */
  inventory?: DeviceInventory;
  /** Per-device variables (Set-DeviceVariable), expanded as {Name} in the steps this device runs. */
  variables?: Record<string, string>;
}

export interface DeviceInventory {
  hostname: string | null;
  memoryBytes: number;
  disks: { name: string; sizeBytes: number; model: string; serial: string; removable: boolean }[];
  nics: { name: string; mac: string }[];
  reportedAt: string;
}

/** ConfigMgr's "Clear required PXE deployments": the device may run its required PXE deployments again. */
export interface PxeClearRecord {
  deviceId: string;
  clearedAt: string;
}

export interface CollectionRecord {
  id: string;
  name: string;
  description: string;
  memberIds: string[];
}

export type TaskStep =
  | { type: 'ApplyImage'; imageId: string; target: string }
  /** ConfigMgr's "Capture Operating System Image": the machine uploads its disk (target: a disk, Disk:0 …) to the DP as a new image of this name. */
  | { type: 'CaptureImage'; imageName: string; target: string }
  | { type: 'Verify' }
  | { type: 'RunCommand'; command: string }
  /** Names the machine: written into the applied disk's /etc/hostname when a command step mounts it, and set as the running host name. */
  | { type: 'SetHostname'; name: string }
  /**
   * ConfigMgr's "Restart Computer": into the OS on the disk (when the sequence ends), or into a boot
   * image (refresh: a running machine restarts into it, and the later steps run there).
   */
  | { type: 'Restart'; into: 'Disk' }
  | { type: 'Restart'; into: 'BootImage'; bootImageId: string };

export interface TaskSequenceRecord {
  id: string;
  name: string;
  steps: TaskStep[];
}

export type DeploymentOption = 'DownloadWhenNeeded' | 'DownloadAllFirst' | 'AccessDirectly';

export interface DeploymentRecord {
  id: string;
  taskSequenceId: string;
  collectionId: string;
  option: DeploymentOption;
  availability: 'Clients' | 'ClientsMediaAndPxe' | 'MediaAndPxe';
  purpose: 'Available' | 'Required';
  availableAfter: string | null;
  expiresAt: string | null;
  createdAt: string;
}

/** Where one device stands with one deployment, as its client agent reported. */
export interface DeploymentStatusRecord {
  deploymentId: string;
  deviceId: string;
  state: 'InProgress' | 'Succeeded' | 'Failed';
  /** 1-based index of the task-sequence step last reported. */
  step: number;
  message: string;
  updatedAt: string;
}

export interface SessionHistoryRecord {
  id: string;
  imageId: string;
  group: string;
  port: number;
  startedAt: string;
  endedAt: string;
  state: 'Completed' | 'Failed' | 'Stopped';
  /** Why the transmission started (AutoCast, MinimumClients, StartDelay, Manual, Multistream); null if it never did. */
  startReason: string | null;
  clients: { id: string; name: string; state: string; sha256: string | null }[];
  /** Why a session that did not complete ended (e.g. its image changed while it was sent). */
  message?: string;
  /** Name of the DP that ran it (absent in history written before the fleet). */
  distributionPoint?: string;
}

/**
 * A session a DP runs now, recorded in the same write that takes its id from the site's counter
 * and replaced by its history record when it ends; only the DP it names may close it, unless that
 * DP stops heartbeating (any other DP then closes it as failed, distribution-points.ts).
 */
export interface RunningSessionRecord {
  id: string;
  imageId: string;
  distributionPoint: string;
  group: string;
  port: number;
  openedAt: string;
}

/**
 * A one-time (or limited-use) enrollment token. The token string an admin hands out is
 * `<id>.<secret>.<certificate fingerprint>`; the site keeps only the SHA-256 of the secret.
 */
export interface EnrollmentTokenRecord {
  id: string;
  description: string;
  secretSha256: string;
  createdAt: string;
  /** `null` = never expires. */
  expiresAt: string | null;
  /** Enrollments still allowed; `null` = any number (a pre-shared site key). */
  usesLeft: number | null;
  used: number;
  revokedAt: string | null;
}

/** A client agent enrolled with the site: one per device; its credential's secret is kept as a SHA-256. */
export interface EnrolledClientRecord {
  id: string;
  deviceId: string;
  secretSha256: string;
  tokenId: string;
  enrolledAt: string;
}

/** A boot image (contract 1): its files are `<site home>/boot/<id>/vmlinuz`, `initrd.img`, `manifest.json`. */
export interface BootImageRecord {
  /** BOOT0001, BOOT0002, … */
  id: string;
  name: string;
  kernelVersion: string;
  kernelBytes: number;
  initrdBytes: number;
  kernelSha256: string;
  initrdSha256: string;
  /** Kernel modules the image holds (NIC and disk drivers with their dependencies). */
  drivers: string[];
  createdAt: string;
  /** Added to the kernel command line the image boots with (PXE and refresh), e.g. no_timer_check for hardware that needs it. */
  kernelArguments?: string[];
}

/**
 * A distribution point of the site (ConfigMgr's DP): a machine running `mcshell serve --name …`. It
 * registers itself when it starts and heartbeats while it runs; its record is how clients, other DPs
 * and admin shells find and trust it.
 */
export interface DistributionPointRecord {
  /** DP-EAST: unique in the site (case-insensitive), and the DP's id. */
  name: string;
  description: string;
  /** `host:port` of its pinned HTTPS control endpoint (clients, other DPs, admin shells); null until it first serves. */
  controlEndpoint: string | null;
  /** SHA-256 (lowercase hex) of its control certificate, which whoever reaches it pins; null until it first serves. */
  certificateFingerprint: string | null;
  /** Its manifest-signing public key (SPKI PEM): what clients it serves verify its multicast with; null until it first serves. */
  signingPublicKey: string | null;
  /** Interfaces it serves on, each with its IPv4 addresses in CIDR form (10.2.0.5/16). */
  interfaces: { name: string; addresses: string[] }[];
  /** The IPv4 subnets (CIDR) it serves: those of its interfaces. */
  subnets: string[];
  /** mcshell version it runs. */
  version: string;
  registeredAt: string;
  /** Last heartbeat; a DP silent for longer than the site's heartbeat timeout is Offline. */
  lastHeartbeatAt: string | null;
  /** Its own multicast and PXE settings (Set-DPMulticast/Set-DPPxe -DistributionPoint); absent: it follows the site's defaults (`SiteState.dp`). */
  settings?: DPMulticastSettings;
}

/** ConfigMgr's boundary: a network location clients are in. */
export interface BoundaryRecord {
  /** BND00001, … */
  id: string;
  name: string;
  /** IPSubnet: `10.2.0.0/16`; IPRange: `10.2.0.10-10.2.0.200`. */
  type: 'IPSubnet' | 'IPRange';
  value: string;
}

/** ConfigMgr's boundary group: clients in its boundaries are served by its distribution points. */
export interface BoundaryGroupRecord {
  /** BG00001, … */
  id: string;
  name: string;
  description: string;
  boundaryIds: string[];
  /** Names of the DPs that serve the group, in the order clients are referred to them. */
  distributionPoints: string[];
}

/** ConfigMgr's distribution point group: a name for several DPs, to distribute content to all of them at once. */
export interface DistributionPointGroupRecord {
  /** DPG00001, … */
  id: string;
  name: string;
  description: string;
  distributionPoints: string[];
}

export type ContentDistributionState = 'Waiting' | 'InProgress' | 'Success' | 'Failed';

/** Where one image stands on one DP (ConfigMgr's content status). */
export interface ContentDistributionRecord {
  imageId: string;
  distributionPoint: string;
  state: ContentDistributionState;
  /** Bytes of the image's file the DP holds, verified (InProgress: percent of the image's sizeBytes). */
  bytesDone: number;
  /** Why it failed (Failed), or what it waits for (Waiting); empty otherwise. */
  message: string;
  /** DP the content is pulled from; null = any DP that holds it. */
  sourceDistributionPoint: string | null;
  /** Cap on the pull rate in bits per second; null = none. */
  rateLimitBps: number | null;
  updatedAt: string;
}

/**
 * A key an administrator's shell presents to DPs of the site to watch and control their sessions
 * from another machine (remote administration). The site keeps only a hash of its secret.
 */
export interface AdminCredentialRecord {
  /** ADM00001, … */
  id: string;
  /** Whose or what it is (alice, the NOC dashboard): unique in the site. */
  name: string;
  secretSha256: string;
  createdAt: string;
  /** Once revoked, no DP accepts it; the record stays for the record. */
  revokedAt: string | null;
}

export interface SiteState {
  /** Random, new with every write: tells the store's cache that the file changed (store.ts). */
  revision?: string;
  schemaVersion: number;
  /** The DP settings of the site: those of a DP that has none of its own (a new one, or the embedded default). */
  dp: DPMulticastSettings;
  images: ImageRecord[];
  devices: DeviceRecord[];
  collections: CollectionRecord[];
  taskSequences: TaskSequenceRecord[];
  deployments: DeploymentRecord[];
  deploymentStatus: DeploymentStatusRecord[];
  sessionHistory: SessionHistoryRecord[];
  /** Number of the site's last multicast session: ids (MC0001, …) are unique for the site's whole life, across DP restarts. */
  lastSessionNumber: number;
  enrollmentTokens: EnrollmentTokenRecord[];
  enrolledClients: EnrolledClientRecord[];
  pxeClears: PxeClearRecord[];
  bootImages: BootImageRecord[];
  distributionPoints: DistributionPointRecord[];
  boundaries: BoundaryRecord[];
  boundaryGroups: BoundaryGroupRecord[];
  distributionPointGroups: DistributionPointGroupRecord[];
  contentDistributions: ContentDistributionRecord[];
  /** Remote administration keys; absent on a site that never had one. */
  adminCredentials?: AdminCredentialRecord[];
  /** Sessions the site's DPs run now (absent: none). */
  runningSessions?: RunningSessionRecord[];
}

export function defaultSlowClientSettings(): SlowClientSettings {
  return { policy: 'None', thresholdBps: 0, unicastFallback: true, sustainSeconds: 10, streams: 2 };
}

/** ConfigMgr's defaults, except that the embedded site serves on loopback only. */
export function defaultDPSettings(): DPMulticastSettings {
  return {
    enabled: false,
    interface: 'lo',
    addressRange: null,
    portRange: { start: 63000, end: 64000 },
    maximumClients: 100,
    transferRateBps: null,
    scheduled: { enabled: false, startDelayMinutes: 0, minimumSessionSize: 1 },
    slowClients: defaultSlowClientSettings(),
    historyRetentionDays: DEFAULT_HISTORY_RETENTION_DAYS,
    pxe: defaultPxeSettings(),
  };
}

/** iPXE's plain-HTTP boot listener (contract: Set-DPPxe -HttpPort). */
export const DEFAULT_PXE_HTTP_PORT = 8736;
/** Where Debian's `ipxe` package puts iPXE's first stages. */
export const DEFAULT_BOOT_FOLDER = '/usr/lib/ipxe';

/** PXE is off on a new site (as on a ConfigMgr DP); when turned on it answers PXE requests. */
export function defaultPxeSettings(): DPPxeSettings {
  return {
    enabled: false,
    allowResponse: true,
    unknownComputerSupport: false,
    passwordHash: null,
    responseDelaySeconds: 0,
    interface: null,
    bootImageId: null,
    httpPort: DEFAULT_PXE_HTTP_PORT,
    dhcpMode: 'ProxyDhcp',
    addressRange: null,
    bootFolder: DEFAULT_BOOT_FOLDER,
    promptSeconds: 10,
  };
}

/** ConfigMgr's built-in collection of machines that network-booted unknown (its id there is SMS000US too). */
export const UNKNOWN_COMPUTERS_COLLECTION: CollectionRecord = { id: 'SMS000US', name: 'All Unknown Computers', description: 'Machines registered by PXE unknown computer support.', memberIds: [] };

/** ConfigMgr deletes aged status messages after 30 days by default. */
export const DEFAULT_HISTORY_RETENTION_DAYS = 30;
export const MAX_HISTORY_RETENTION_DAYS = 3650;

export function emptySite(): SiteState {
  return {
    schemaVersion: SITE_SCHEMA_VERSION,
    dp: defaultDPSettings(),
    images: [],
    devices: [],
    collections: [structuredClone(UNKNOWN_COMPUTERS_COLLECTION)],
    taskSequences: [],
    deployments: [],
    deploymentStatus: [],
    sessionHistory: [],
    lastSessionNumber: 0,
    enrollmentTokens: [],
    enrolledClients: [],
    pxeClears: [],
    bootImages: [],
    distributionPoints: [],
    boundaries: [],
    boundaryGroups: [],
    distributionPointGroups: [],
    contentDistributions: [],
  };
}

/** WDS caps one multicast session at 200 clients; one DP may serve several sessions. */
export const MAX_CLIENTS_LIMIT = 1000;

function invalid(id: string, message: string, target?: unknown): never {
  throw new EngineError(id, 'InvalidArgument', message, target);
}

function requireWholeNumber(value: number, name: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    invalid('ValueOutOfRange', `${name} must be a whole number from ${min} to ${max}; got ${value}.`, value);
  }
}

/**
 * Checks DP settings as a whole (cross-field rules included) and returns them normalised.
 * Throws an EngineError naming the setting and what is allowed; never partially applies.
 */
export function validateDPSettings(settings: DPMulticastSettings): DPMulticastSettings {
  if (!settings.interface.trim()) invalid('InvalidInterface', 'Interface must name a network interface (e.g. lo, eth0) or an address.');
  let addressRange = settings.addressRange;
  if (addressRange) {
    const start = parseMulticastAddress(addressRange.start, 'StartIPAddress');
    const end = parseMulticastAddress(addressRange.end, 'EndIPAddress');
    if (start > end) {
      invalid('InvalidAddressRange', `StartIPAddress ${addressRange.start} is above EndIPAddress ${addressRange.end}; the range must run from low to high.`, addressRange);
    }
    if (!hasUsableGroup(start, end)) {
      invalid('InvalidAddressRange', `The range ${addressRange.start}–${addressRange.end} has no usable group: every address aliases 224.0.0.x at the Ethernet layer (avoid 239.0.0.x and 239.128.0.x).`, addressRange);
    }
    addressRange = { start: formatIPv4(start), end: formatIPv4(end) };
  }
  const { start: startPort, end: endPort } = settings.portRange;
  requireWholeNumber(startPort, 'StartUdpPort', 1024, 65535);
  requireWholeNumber(endPort, 'EndUdpPort', 1024, 65535);
  if (startPort > endPort) invalid('InvalidPortRange', `StartUdpPort ${startPort} is above EndUdpPort ${endPort}; the range must run from low to high.`, settings.portRange);
  requireWholeNumber(settings.maximumClients, 'MaximumClientCount', 1, MAX_CLIENTS_LIMIT);
  if (settings.transferRateBps !== null && !(settings.transferRateBps >= 64_000)) {
    invalid('ValueOutOfRange', `TransferRate must be at least 64 kbit/s (64000 bits per second); got ${settings.transferRateBps}.`, settings.transferRateBps);
  }
  requireWholeNumber(settings.scheduled.startDelayMinutes, 'SessionStartDelayMins', 0, 1440);
  const { minimumSessionSize } = settings.scheduled;
  requireWholeNumber(minimumSessionSize, 'MinimumSessionSize', 1, MAX_CLIENTS_LIMIT);
  if (minimumSessionSize > settings.maximumClients) {
    invalid(
      'ValueOutOfRange',
      `MinimumSessionSize ${minimumSessionSize} is above MaximumClientCount ${settings.maximumClients}: a session never waits for more clients than the DP serves by multicast. Raise -MaximumClients (MaximumClientCount) or lower -MinimumSessionSize.`,
      minimumSessionSize,
    );
  }
  const slow = settings.slowClients;
  if (slow.policy !== 'None' && !(slow.thresholdBps > 0)) {
    invalid('InvalidSlowClientPolicy', `SlowClientPolicy ${slow.policy} needs SlowClientThreshold above 0 bits per second.`, slow);
  }
  if (slow.policy !== 'None' && settings.transferRateBps !== null && slow.thresholdBps >= settings.transferRateBps) {
    invalid('InvalidSlowClientPolicy', `SlowClientThreshold (${slow.thresholdBps} bit/s) must be below TransferRate (${settings.transferRateBps} bit/s), or every client would count as slow.`, slow);
  }
  requireWholeNumber(slow.sustainSeconds, 'SlowClientSeconds', 1, 3600);
  if (slow.streams !== 2 && slow.streams !== 3) invalid('ValueOutOfRange', `SlowClientStreams must be 2 or 3; got ${slow.streams}.`, slow.streams);
  requireWholeNumber(settings.historyRetentionDays, 'HistoryRetentionDays', 1, MAX_HISTORY_RETENTION_DAYS);
  return { ...settings, interface: settings.interface.trim(), addressRange };
}

/** True when [start, end] holds a group that does not alias 224.0.0.x (aliasing runs are 256 long, so this loop is short). */
export function hasUsableGroup(start: number, end: number): boolean {
  for (let address = start; address <= end; address++) {
    if (!aliasesLinkLocalControl(address)) return true;
  }
  return false;
}

/**
 * Drops what is past the site's retention: sessions that ended more than the retention ago, and
 * status reports older than that of deployments that have expired (a deployment still in force
 * keeps its status, which tells whether a Required deployment already ran on a device).
 */
export function applyRetention(site: SiteState, now: Date): void {
  const cutoff = now.getTime() - site.dp.historyRetentionDays * 86_400_000;
  const isOld = (time: string) => Date.parse(time) < cutoff;
  if (site.sessionHistory.some((record) => isOld(record.endedAt))) site.sessionHistory = site.sessionHistory.filter((record) => !isOld(record.endedAt));
  const expired = new Set(site.deployments.filter((deployment) => deployment.expiresAt !== null && Date.parse(deployment.expiresAt) < now.getTime()).map((deployment) => deployment.id));
  if (expired.size === 0) return;
  site.deploymentStatus = site.deploymentStatus.filter((status) => !(expired.has(status.deploymentId) && isOld(status.updatedAt)));
}
