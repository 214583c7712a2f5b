// The client agent's PXE mode (`mcshell client --pxe`), run by a boot image's /init: no enrollment,
// no saved credential. The kernel command line (contract 2) names the DP and the booting NIC; the
// boot image pins the DP's certificate and holds the site's manifest-signing key (its
// /etc/mcshell/boot-image.json). The agent reports what the machine is (its inventory) to the DP's
// PXE hello (contract 3), which answers with the device, and — when the device has a deployment
// available to PXE — a short-lived credential; with it the agent runs the task sequence exactly as
// an enrolled agent does.
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { runClient, type ClientOptions, type ClientResult } from './agent.js';
import { describe, DPConnection } from './connection.js';
import { listDisks, type DiskInfo } from './disks.js';
import type { ClientCredential } from './enrollment.js';
import { REFRESH_HANDOFF, type RefreshHandoff } from './refresh.js';

/** What the DP's iPXE script put on the kernel command line (contract 2). */
export interface PxeCommandLine {
  /** `<dp ip>:<control https port>` */
  dp: string | null;
  /** SHA-256 of the DP certificate, lowercase hex. */
  fingerprint: string | null;
  mac: string | null;
  uuid: string | null;
  ticket: string | null;
  /** A refresh restarted into this boot image to continue this deployment (the enrolled agent's handoff is in the initramfs). */
  refresh: string | null;
}

export function parseKernelCommandLine(text: string): PxeCommandLine {
  const values = new Map<string, string>();
  for (const word of text.trim().split(/\s+/)) {
    const match = /^mcshell\.(\w+)=(.*)$/.exec(word);
    if (match) values.set(match[1]!, match[2]!);
  }
  const value = (key: string) => values.get(key) || null;
  const fingerprint = value('fp')?.toLowerCase().replace(/:/g, '') ?? null;
  return { dp: value('dp'), fingerprint, mac: value('mac')?.toLowerCase().replace(/-/g, ':') ?? null, uuid: value('uuid')?.toLowerCase() ?? null, ticket: value('ticket'), refresh: value('refresh') };
}

/** What the boot image holds for the agent (boot-image.json): nothing secret. */
export interface BootImagePins {
  fingerprint: string;
  signingPublicKey: string;
}

/** Where a boot image keeps its pins; its presence also tells the agent that it runs in a boot image. */
export const BOOT_IMAGE_CONFIG = '/etc/mcshell/boot-image.json';

export function readBootImagePins(path = BOOT_IMAGE_CONFIG): BootImagePins | null {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<BootImagePins>;
    return typeof value.fingerprint === 'string' && typeof value.signingPublicKey === 'string' ? { fingerprint: value.fingerprint, signingPublicKey: value.signingPublicKey } : null;
  } catch {
    return null;
  }
}

/** The machine as the PXE hello reports it (contract 3). */
export interface Inventory {
  hostname?: string;
  memoryBytes: number;
  disks: Omit<DiskInfo, 'path'>[];
  nics: { name: string; mac: string }[];
}

const readText = (path: string) => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
};

/** Disks, NICs (not loopback), memory and the SMBIOS UUID, from /sys and /proc under `root`. */
export function readInventory(root = '/'): { inventory: Inventory; uuid: string | null } {
  const kilobytes = /^MemTotal:\s+(\d+)\s+kB/m.exec(readText(join(root, 'proc/meminfo')))?.[1];
  let nets: string[] = [];
  try {
    nets = readdirSync(join(root, 'sys/class/net')).sort();
  } catch {
    // no network devices at all
  }
  const nics = nets.flatMap((name) => {
    const mac = readText(join(root, 'sys/class/net', name, 'address'));
    return name !== 'lo' && mac && mac !== '00:00:00:00:00:00' ? [{ name, mac }] : [];
  });
  const disks = listDisks(root).map(({ path: _path, ...disk }) => disk);
  const uuid = readText(join(root, 'sys/class/dmi/id/product_uuid')).toLowerCase() || null;
  const name = hostname();
  return { inventory: { ...(name && name !== '(none)' && name !== 'localhost' ? { hostname: name } : {}), memoryBytes: Number(kilobytes ?? 0) * 1024, disks, nics }, uuid };
}

/** The PXE hello's answer (contract 3). */
export interface PxeHelloAnswer {
  /** null for a machine the site does not know (and does not register). */
  device: { id: string; name: string } | null;
  credential?: string;
  action: 'deploy' | 'localboot';
  message: string;
}

export interface PxeOptions extends Omit<ClientOptions, 'credential' | 'server' | 'interface'> {
  /** Where multicast arrives; default: the NIC with the command line's MAC. */
  interface?: string | undefined;
  commandLine: PxeCommandLine;
  /** The boot image's pins (null outside a boot image: then the command line's fingerprint is used, and the manifest key must come from the hello). */
  pins: BootImagePins | null;
  inventoryRoot?: string;
  /** Where a refresh's handoff is (default REFRESH_HANDOFF). */
  handoffPath?: string;
}

export interface PxeResult extends ClientResult {
  action: 'deploy' | 'localboot' | null;
  /** The task sequence ended with a Restart step (or the DP sent the machine to its disk): restart now. */
  restart: boolean;
}

/** Says hello to the DP (waiting for it while it does not answer), then runs the deployment it offers. */
export async function runPxe(options: PxeOptions): Promise<PxeResult> {
  const { commandLine, pins } = options;
  const failed = (message: string): PxeResult => ({ ok: false, message, device: null, deploymentId: null, steps: [], action: null, restart: false });
  if (!commandLine.dp) return failed('the kernel command line names no DP (mcshell.dp=<address>:<port>): the machine was not booted by an mcshell DP');
  if (pins && commandLine.fingerprint && commandLine.fingerprint !== pins.fingerprint) {
    return failed(`the DP's fingerprint on the kernel command line (${commandLine.fingerprint}) is not the one this boot image pins (${pins.fingerprint}): the site's certificate changed since the boot image was built (build it again with New-BootImage), or someone serves a boot script of their own`);
  }
  const fingerprint = pins?.fingerprint ?? commandLine.fingerprint;
  if (!fingerprint) return failed('no DP certificate fingerprint to pin: neither the boot image nor the kernel command line (mcshell.fp=) has one');
  const { inventory, uuid } = readInventory(options.inventoryRoot);
  const mac = commandLine.mac ?? inventory.nics[0]?.mac ?? null;
  if (!mac) return failed('this machine has no network interface with a MAC address');
  const iface = options.interface ?? inventory.nics.find((nic) => nic.mac === mac)?.name;
  if (!iface) return failed(`no network interface of this machine has the MAC address ${mac} that it booted from`);
  if (commandLine.refresh) return continueRefresh(options, commandLine.refresh, fingerprint, iface);
  const dp = new DPConnection(commandLine.dp, { fingerprint }, null, options.signal);
  let answer: PxeHelloAnswer & { signingPublicKey?: string };
  let certificate: string;
  try {
    const body = { mac, uuid: commandLine.uuid ?? uuid, ...(commandLine.ticket ? { ticket: commandLine.ticket } : {}), inventory };
    answer = await dp.untilAnswered(() => dp.post<PxeHelloAnswer>('/v1/pxe/hello', body), { waitMs: options.waitForDPMs ?? 10 * 60_000, onWaiting: (message) => options.onEvent?.({ type: 'waiting', message }) });
    certificate = await dp.certificate();
  } catch (error) {
    return failed(`PXE hello failed: ${describe(error)}`);
  } finally {
    dp.close();
  }
  const device = answer.device;
  if (answer.action !== 'deploy' || !answer.credential || !device) {
    return { ok: true, message: answer.message || 'nothing to deploy; booting from the disk', device, deploymentId: null, steps: [], action: 'localboot', restart: true };
  }
  const signingPublicKey = pins?.signingPublicKey ?? answer.signingPublicKey;
  if (!signingPublicKey) return failed("no key to check the site's multicast manifests with: this agent does not run from an mcshell boot image (its /etc/mcshell/boot-image.json holds the key)");
  const credential: ClientCredential = { server: commandLine.dp, fingerprint, certificate, signingPublicKey, credential: answer.credential, device: { id: device.id, name: device.name, mac }, enrolledAt: new Date().toISOString() };
  const result = await runClient({ ...options, interface: iface, credential, server: commandLine.dp, inBootImage: pins !== null });
  const restart = result.ok && result.steps.some((step) => step.type === 'Restart' && step.state === 'Succeeded');
  return { ...result, action: 'deploy', restart };
}

/**
 * A refresh restarted the machine into this boot image: the enrolled agent's handoff (its
 * credential, the deployment, the step it stopped after) continues the deployment as that device,
 * with no PXE hello, from the step after the Restart -Into BootImage.
 */
async function continueRefresh(options: PxeOptions, deploymentId: string, fingerprint: string, iface: string): Promise<PxeResult> {
  const failed = (message: string): PxeResult => ({ ok: false, message, device: null, deploymentId, steps: [], action: null, restart: false });
  const path = options.handoffPath ?? REFRESH_HANDOFF;
  let handoff: RefreshHandoff;
  try {
    handoff = JSON.parse(readFileSync(path, 'utf8')) as RefreshHandoff;
  } catch (error) {
    return failed(`the kernel command line says this boot continues deployment ${deploymentId} (mcshell.refresh), but the enrolled agent's handoff ${path} cannot be read (${describe(error)}): the machine was not restarted into this boot image by its agent`);
  }
  if (handoff.deploymentId !== deploymentId) return failed(`the handoff in ${path} is for deployment ${handoff.deploymentId}, the kernel command line names ${deploymentId}`);
  if (handoff.credential.fingerprint !== fingerprint) return failed(`the agent's handoff pins the DP certificate ${handoff.credential.fingerprint}, this boot image pins ${fingerprint}: the boot image was built for another site or before its certificate changed (build it again with New-BootImage)`);
  const result = await runClient({ ...options, interface: iface, credential: handoff.credential, server: handoff.credential.server, deployment: deploymentId, resumeAfterStep: handoff.step });
  const restart = result.ok && result.steps.some((step, index) => index >= handoff.step && step.type === 'Restart' && step.state === 'Succeeded');
  return { ...result, action: 'deploy', restart };
}
