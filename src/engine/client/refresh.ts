// Refresh of a running machine (ConfigMgr's "Restart Computer" into the boot image): the enrolled
// agent downloads the step's boot image from the DP over the pinned HTTPS channel, checks both files
// against the hashes of the site's boot image record (from the hello), and loads it for a restart
// (kexec on Linux). What the boot image's agent needs to go on — the credential, the deployment and
// the step it continues after — travels in a small cpio archive placed before the boot image's
// initramfs (the kernel unpacks one after the other), never on the kernel command line (which any
// user of the machine can read); the command line carries what PXE's does (the DP, its certificate
// fingerprint, the NIC's MAC) and mcshell.refresh=<deployment>, which tells the boot image to
// continue that deployment as this enrolled device instead of saying a PXE hello.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { kernelCommandLine } from '../boot/ipxe-script.js';
import { validKernelArguments } from '../boot/kernel-arguments.js';
import { cpioBytes } from '../boot/image/cpio.js';
import { ClientError, type DPConnection } from './connection.js';
import type { ClientCredential } from './enrollment.js';

/** A Restart -Into BootImage step as the DP's hello gives it: the boot image's facts from the site's record. */
export interface BootImageStep {
  bootImageId: string;
  bootImageName?: string;
  /** The boot image's own kernel arguments (New-BootImage -KernelArgument). */
  kernelArguments?: string[];
  kernelBytes?: number;
  kernelSha256?: string;
  initrdBytes?: number;
  initrdSha256?: string;
}

/** What the boot image's agent continues with (in the boot image at REFRESH_HANDOFF, readable by root only). */
export interface RefreshHandoff {
  credential: ClientCredential;
  deploymentId: string;
  /** The Restart -Into BootImage step (1-based): the boot image runs the steps after it. */
  step: number;
}

export const REFRESH_HANDOFF = '/etc/mcshell/refresh.json';

/**
 * Restarts the machine into a loaded boot image: only what may restart the machine it runs on (the
 * installed agent's kexec) gives the agent one. `load` throws, saying why, when it cannot.
 */
export interface BootImageRestarter {
  /** Where a new private folder keeps the downloaded boot image until it is loaded (e.g. the temp folder). */
  workDir: string;
  load(kernel: string, initrd: string, commandLine: string): Promise<void>;
  /** Restarts into what `load` loaded; returns only when that did not happen (a test's restarter does). */
  restart(): Promise<void>;
}

export interface RefreshContext {
  dp: DPConnection;
  credential: ClientCredential;
  /** The DP the agent talks to (`host:port`): the boot image's agent talks to the same. */
  server: string;
  deploymentId: string;
  step: number;
  /** The interface (name or address) the agent reaches the DP on: the boot image brings up the NIC with its MAC. */
  interface: string;
  restarter: BootImageRestarter;
}

/** Downloads, verifies and loads the boot image; after this the machine restarts into it (the restarter's caller does). */
export async function loadBootImageForRefresh(step: BootImageStep, context: RefreshContext): Promise<string> {
  const { bootImageId, kernelSha256, initrdSha256, kernelBytes, initrdBytes } = step;
  if (!kernelSha256 || !initrdSha256 || kernelBytes === undefined || initrdBytes === undefined) {
    throw new ClientError('BootImageNotFound', `the site no longer has boot image ${bootImageId} (removed with Remove-BootImage?): give the task sequence's Restart step another one`);
  }
  const mac = macOf(context.interface);
  await mkdir(context.restarter.workDir, { recursive: true, mode: 0o700 });
  // A folder of its own (mode 0700, a new name): nobody else can swap a file between its check and kexec.
  const dir = await mkdtemp(join(context.restarter.workDir, 'mcshell-refresh-'));
  const kernel = join(dir, 'vmlinuz');
  const initrd = join(dir, 'initrd.img');
  const withHandoff = join(dir, 'initrd-refresh.img');
  try {
    await download(context.dp, `/v1/boot/${bootImageId}/vmlinuz`, kernel, kernelBytes, kernelSha256);
    await download(context.dp, `/v1/boot/${bootImageId}/initrd.img`, initrd, initrdBytes, initrdSha256);
    const handoff: RefreshHandoff = { credential: { ...context.credential, server: context.server }, deploymentId: context.deploymentId, step: context.step };
    await writeInitrdWithHandoff(handoff, initrd, withHandoff);
    const running = inheritedKernelParameters(readRunningCommandLine());
    const commandLine = [kernelCommandLine({ dp: context.server, fingerprint: context.credential.fingerprint, mac, uuid: null, kernelArguments: validKernelArguments(step.kernelArguments ?? []) }), ...running, `mcshell.refresh=${context.deploymentId}`].join(' ');
    await context.restarter.load(kernel, withHandoff, commandLine);
  } finally {
    // Loaded, the restart needs none of it; the handoff holds the credential, so it goes in any case.
    await rm(dir, { recursive: true, force: true });
  }
  return `boot image ${step.bootImageName ?? bootImageId} (${bootImageId}) downloaded, verified and loaded; restarting into it`;
}

/**
 * What this machine's running kernel was told about its hardware (timers, interrupt controllers,
 * ACPI, IOMMU, graphics): the boot image's kernel runs on the same machine and needs the same.
 * Nothing else is taken over (no root, no init, nothing of the installed OS).
 */
const HARDWARE_PARAMETER = /^(?:no_timer_check|noapic|nolapic|nomodeset|(?:acpi|pci|iommu|intel_iommu|amd_iommu|clocksource|tsc)=[\w,.:-]+)$/;

export function inheritedKernelParameters(running: string): string[] {
  return running.trim().split(/\s+/).filter((word) => HARDWARE_PARAMETER.test(word));
}

function readRunningCommandLine(): string {
  try {
    return readFileSync('/proc/cmdline', 'utf8');
  } catch {
    return '';
  }
}

/** The boot image's own initramfs after a small one holding the handoff (the later archive's files do not touch it). */
async function writeInitrdWithHandoff(handoff: RefreshHandoff, initrd: string, out: string): Promise<void> {
  const entries = [
    { path: '/etc', kind: 'dir' as const },
    { path: '/etc/mcshell', kind: 'dir' as const },
    { path: REFRESH_HANDOFF, kind: 'file' as const, mode: 0o600, data: Buffer.from(`${JSON.stringify(handoff)}\n`) },
  ];
  await writeFile(out, await cpioBytes(entries, Math.floor(Date.now() / 1000)), { mode: 0o600 });
  await pipeline(createReadStream(initrd), createWriteStream(out, { flags: 'a' }));
}

/** Streams a boot image file to `path`, checking its size and SHA-256; a file that does not match is removed. */
async function download(dp: DPConnection, url: string, path: string, bytes: number, sha256: string): Promise<void> {
  const response = await dp.get(url, {});
  const hash = createHash('sha256');
  let size = 0;
  response.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
  });
  await pipeline(response, createWriteStream(path));
  const actual = hash.digest('hex');
  if (size !== bytes || actual !== sha256) {
    await rm(path, { force: true });
    throw new ClientError('HashMismatch', `the boot image file ${url} from the DP has ${size} bytes and SHA-256 ${actual}; the site's boot image record says ${bytes} bytes, ${sha256}: not restarting into it`);
  }
}

/** The MAC address of the interface named, or holding the address given. */
function macOf(iface: string): string {
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    const match = addresses?.find((entry) => name === iface || entry.address === iface);
    if (match && match.mac !== '00:00:00:00:00:00') return match.mac;
  }
  try {
    const mac = readFileSync(`/sys/class/net/${iface}/address`, 'utf8').trim();
    if (mac && mac !== '00:00:00:00:00:00') return mac;
  } catch {
    // not an interface name
  }
  throw new ClientError('NoNetworkInterface', `the interface ${iface} has no MAC address: the boot image could not bring the machine's network up (give --interface the NIC the machine reaches the DP on)`);
}
