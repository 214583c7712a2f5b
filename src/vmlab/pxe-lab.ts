// The bare-metal flow on a VM lab, shared by its test (test/vmlab/bare-metal.test.ts) and
// `mcshell demo --pxe`: the machines, the site set up by examples/pxe-lab.mcs, and a watcher that
// follows each machine through its phases on its serial console and times them.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DebianKernel } from './debian-kernel.js';
import type { Lab } from './lab.js';
import { TESTOS_BOOT_IMAGE_DRIVERS, TESTOS_MARKER_PATTERN, TESTOS_NAME_COMMAND } from './testos.js';
import type { Firmware, Vm } from './vm.js';

export interface LabMachine {
  name: string;
  mac: string;
  firmware: Firmware;
  /** Known machines are in the site's collection by MAC; an unknown one registers itself. */
  known: boolean;
}

/** Three BIOS machines and one UEFI machine; one BIOS machine is unknown (it is named after its MAC's last 6 hex digits). */
export const PXE_LAB_MACHINES: readonly LabMachine[] = [
  { name: 'lab-01', mac: '52:54:00:4d:01:01', firmware: 'bios', known: true },
  { name: 'lab-02', mac: '52:54:00:4d:01:02', firmware: 'bios', known: true },
  { name: 'lab-03', mac: '52:54:00:4d:01:03', firmware: 'uefi', known: true },
  { name: 'UNKNOWN-4D0104', mac: '52:54:00:4d:01:04', firmware: 'bios', known: false },
];

/** A blank disk big enough for the test OS image. */
export const LAB_DISK_BYTES = 64 * 1024 * 1024;
/** The boot image holds Node: it needs more memory than the test OS. */
const BOOT_IMAGE_MEMORY_MIB = 1024;
/**
 * Emulated machines (TCG, several on two cores) cannot take a multicast flood: capped, they keep up
 * and keep reporting (the sender drops a receiver silent for 10 s).
 */
export const LAB_TRANSFER_RATE = '16M';

export interface LabSite {
  site: string;
  deployments: { Id: string; Collection: string }[];
}

/** Sets up the site with examples/pxe-lab.mcs, as an admin would, through the mcshell binary `bin`. */
export function setUpPxeLabSite(options: { lab: Lab; kernel: DebianKernel; image: string; bin: string; script: string; machines: readonly LabMachine[]; minimumSessionSize?: number; unknownComputerSupport?: boolean }): LabSite {
  const site = join(options.lab.dir, 'site');
  const csv = join(options.lab.dir, 'lab.csv');
  writeFileSync(csv, ['Name,MAC', ...options.machines.filter((m) => m.known).map((m) => `${m.name},${m.mac}`)].join('\n') + '\n');
  const args = [
    '--site', site, '--output', 'jsonl', options.script,
    '-Image', options.image,
    '-Devices', csv,
    '-Interface', options.lab.lan.bridge,
    '-MinimumSessionSize', String(options.minimumSessionSize ?? options.machines.length),
    '-TransferRate', LAB_TRANSFER_RATE,
    '-Kernel', options.kernel.vmlinuz,
    '-ModulesPath', options.kernel.modules,
    '-Driver', TESTOS_BOOT_IMAGE_DRIVERS.join(','),
    '-Customize', TESTOS_NAME_COMMAND,
    ...(options.unknownComputerSupport === false ? ['-NoUnknownComputerSupport'] : []),
  ];
  const setup = spawnSync(process.execPath, [options.bin, ...args], { encoding: 'utf8', timeout: 600_000 });
  if (setup.status !== 0) throw new Error(`the site set-up script ${options.script} failed (exit ${setup.status}): ${setup.stderr.trim()}`);
  return { site, deployments: setup.stdout.trim().split('\n').map((line) => JSON.parse(line) as { Id: string; Collection: string }) };
}

/** Powers a lab machine on: network boot first, then its disk, as the machines of a PXE lab are set. */
export function powerOn(lab: Lab, machine: LabMachine, disk: string, format: 'raw' | 'qcow2' = 'raw'): Vm {
  // An SMBIOS UUID of its own, as real machines have (PXE reports it beside the MAC).
  const uuid = `6d637368-0000-4000-8000-${machine.mac.replace(/:/g, '')}`;
  return lab.startVm({ name: machine.name, firmware: machine.firmware, memoryMiB: BOOT_IMAGE_MEMORY_MIB, uuid, disk: { path: disk, format }, nic: { mac: machine.mac }, boot: 'network-then-disk' });
}

/** Seconds from power-on at which each phase was first seen on the machine's console. */
export interface MachinePhases {
  /** The boot image's init runs (network boot done: firmware → iPXE → kernel + initramfs over HTTP). */
  bootImage?: number;
  /** The image is written and verified (step 1 ApplyImage succeeded). */
  received?: number;
  /** The deployed OS printed its marker (after the restart). */
  deployed?: number;
  /** The image's progress, as the agent last printed it. */
  percent?: number;
  /** What the deployed OS said: host name and version. */
  host?: string;
  version?: string;
}

// What the boot image's init and agent print (src/engine/boot/image/init.ts, the agent's PXE mode).
const BOOT_IMAGE_RUNNING = /mcshell: mcshell boot image running/;
const IMAGE_APPLIED = /mcshell client: step \d+ ApplyImage: Succeeded/;
const PROGRESS = /mcshell client: step \d+: (?:multicast|unicast) (\d+)%/g;
const STAYS = /mcshell: the machine stays in the boot image/;

/**
 * Follows a machine from power-on until the deployed OS printed its marker and powered off; calls
 * `changed` whenever a phase or the progress moves. Rejects, with the console's end, when the machine
 * stays in the boot image (a failed deployment) or after `timeoutMs`.
 */
export async function followMachine(vm: Vm, poweredOnAt: number, timeoutMs: number, changed: (phases: MachinePhases) => void = () => {}): Promise<MachinePhases> {
  const phases: MachinePhases = {};
  const at = () => Math.round((Date.now() - poweredOnAt) / 100) / 10;
  const deadline = poweredOnAt + timeoutMs;
  for (;;) {
    const console = vm.serial();
    const before = JSON.stringify(phases);
    if (phases.bootImage === undefined && BOOT_IMAGE_RUNNING.test(console)) phases.bootImage = at();
    const percents = [...console.matchAll(PROGRESS)];
    if (percents.length) phases.percent = Number(percents.at(-1)![1]);
    if (phases.received === undefined && IMAGE_APPLIED.test(console)) {
      phases.received = at();
      phases.percent = 100;
    }
    const marker = TESTOS_MARKER_PATTERN.exec(console);
    if (marker && phases.deployed === undefined) {
      phases.deployed = at();
      phases.host = marker[1];
      phases.version = marker[2];
    }
    if (JSON.stringify(phases) !== before) changed({ ...phases });
    if (phases.deployed !== undefined && !vm.running) return phases;
    if (STAYS.test(console)) throw new Error(`${vm.options.name} stays in the boot image: its deployment failed\n${vm.tail(30)}`);
    if (!vm.running && phases.deployed === undefined) throw new Error(`${vm.options.name} powered off before its deployed OS ran\n${vm.tail(30)}`);
    if (Date.now() > deadline) throw new Error(`${vm.options.name} did not finish within ${Math.round(timeoutMs / 1000)} s\n${vm.tail(30)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
