// `mcshell demo --pxe`: bare metal, on this machine, with virtual machines. In a private network
// namespace (entered by re-running itself under `unshare -n`; nothing reaches a real network): a LAN
// (bridge, dnsmasq as its ordinary DHCP server), a site set up by examples/pxe-lab.mcs (boot image
// from Debian's kernel, PXE with unknown computer support, scheduled multicast for 4, a task sequence
// that writes a small test OS to the first disk, names it and restarts into it), the DP service, and
// three blank BIOS machines and one UEFI machine (QEMU) that boot from the network, get imaged
// together and come back up running the deployed OS. It shows each machine's progress and a table of
// the phases' times.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { cachedDebianKernel, fetchDebianKernel } from '../../vmlab/debian-kernel.js';
import { inPrivateNamespace, vmToolsMissing } from '../../vmlab/host.js';
import { Lab } from '../../vmlab/lab.js';
import { followMachine, LAB_DISK_BYTES, PXE_LAB_MACHINES, powerOn, setUpPxeLabSite, type LabMachine, type MachinePhases } from '../../vmlab/pxe-lab.js';
import { buildTestOsDisk, testOsToolsMissing } from '../../vmlab/testos.js';
import { progressWriter } from './transport-args.js';

const SCRIPT = fileURLToPath(new URL('../../../../examples/pxe-lab.mcs', import.meta.url));
const IN_NAMESPACE = 'MCSHELL_DEMO_PXE_NETNS';

export interface PxeDemoOptions {
  keep: boolean;
  json: boolean;
}

interface Outcome {
  machine: LabMachine;
  phases: MachinePhases;
  error?: string;
}

export async function pxeDemo(options: PxeDemoOptions, say: (line: string) => void): Promise<number> {
  const missing = vmToolsMissing() || testOsToolsMissing();
  if (missing) {
    say(`demo --pxe: ${missing}`);
    return 1;
  }
  if (process.getuid?.() !== 0) {
    say('demo --pxe needs root: it makes a bridge and taps in a private network namespace and the DP answers PXE (DHCP port 67, TFTP 69)');
    return 1;
  }
  if (process.env[IN_NAMESPACE] !== '1') {
    if (inPrivateNamespace()) return runDemo(options, say);
    // Debian's kernel (boot image and test OS) needs the network: fetch it before leaving it.
    fetchDebianKernel(say);
    say('demo: entering a private network namespace (unshare -n): the lab and everything it sends stay there');
    const inner = spawnSync('unshare', ['-n', process.execPath, process.argv[1]!, 'demo', '--pxe', ...(options.keep ? ['--keep'] : []), ...(options.json ? ['--json'] : [])], { stdio: 'inherit', env: { ...process.env, [IN_NAMESPACE]: '1' } });
    if (inner.error) {
      say(`demo --pxe: cannot enter a private network namespace (${inner.error.message}); unshare comes with util-linux`);
      return 1;
    }
    return inner.status ?? 1;
  }
  return runDemo(options, say);
}

async function runDemo(options: PxeDemoOptions, say: (line: string) => void): Promise<number> {
  spawnSync('ip', ['link', 'set', 'lo', 'up']);
  const kernel = cachedDebianKernel();
  if (!kernel) {
    say("demo --pxe: Debian's kernel is not in the cache; run `node dist/src/vmlab/debian-kernel.js` (it needs the network and apt)");
    return 1;
  }
  const lab = await Lab.start({ keep: options.keep });
  const { openSiteStore } = await import('../../engine/site/store.js');
  const { DPService } = await import('../../engine/dp/service.js');
  let service: InstanceType<typeof DPService> | undefined;
  try {
    say(`demo: lab in ${lab.dir}: bridge ${lab.lan.bridge} ${lab.lan.hostAddress}/24, dnsmasq giving addresses from ${lab.lan.subnet}.100-199`);
    const os = buildTestOsDisk({ kernel, version: '1', out: join(lab.dir, 'test-os.img') });
    say(`demo: test OS image ${(os.bytes / 1048576).toFixed(0)} MiB (MBR + syslinux, an EFI System Partition, Debian's kernel ${kernel.release}, a busybox init)`);
    say(`demo: site set-up: mcshell ${SCRIPT} (boot image, PXE with unknown computer support, scheduled multicast for ${PXE_LAB_MACHINES.length}, the deployments)`);
    const setUpStarted = Date.now();
    const { site } = setUpPxeLabSite({ lab, kernel, image: os.path, bin: process.argv[1]!, script: SCRIPT, machines: PXE_LAB_MACHINES });
    say(`demo: site ready in ${((Date.now() - setUpStarted) / 1000).toFixed(0)} s; starting the DP service`);
    service = new DPService(await openSiteStore({ site }), {});
    const address = await service.start();
    say(`demo: DP on ${address.host}:${address.port}; PXE on ${service.pxeListeners().map((l) => `${l.Service} ${l.Address}`).join(', ')}`);
    say(`demo: powering on ${PXE_LAB_MACHINES.map((m) => `${m.name} (${m.firmware.toUpperCase()}${m.known ? '' : ', unknown'})`).join(', ')}`);
    const outcomes = await runMachines(lab, progressWriter(true));
    const allDeployed = outcomes.every((o) => !o.error && o.phases.host === o.machine.name);
    if (options.json) process.stdout.write(`${JSON.stringify({ ok: allDeployed, machines: outcomes.map((o) => ({ name: o.machine.name, mac: o.machine.mac, firmware: o.machine.firmware, known: o.machine.known, ...o.phases, error: o.error ?? null })) })}\n`);
    else process.stdout.write(renderTable(outcomes));
    return allDeployed ? 0 : 1;
  } finally {
    await service?.stop();
    await lab.close();
    if (options.keep) say(`demo: kept ${lab.dir} (serial logs, disks, site)`);
  }
}

async function runMachines(lab: Lab, show: ((line: string) => void) | undefined): Promise<Outcome[]> {
  const poweredOn = Date.now();
  const current = new Map<string, MachinePhases>();
  const line = () =>
    PXE_LAB_MACHINES.map((m) => {
      const phases = current.get(m.name) ?? {};
      const state = phases.deployed !== undefined ? `${phases.host} v${phases.version} running` : phases.received !== undefined ? 'restarting' : phases.percent !== undefined ? `image ${phases.percent}%` : phases.bootImage !== undefined ? 'boot image' : 'PXE';
      return `${m.name}: ${state}`;
    }).join(' | ');
  const ticker = setInterval(() => show?.(`demo: ${((Date.now() - poweredOn) / 1000).toFixed(0)} s  ${line()}`), 1000);
  try {
    return await Promise.all(
      PXE_LAB_MACHINES.map(async (machine) => {
        const vm = powerOn(lab, machine, lab.blankDisk(machine.name, LAB_DISK_BYTES));
        try {
          return { machine, phases: await followMachine(vm, poweredOn, 900_000, (phases) => current.set(machine.name, phases)) };
        } catch (error) {
          return { machine, phases: current.get(machine.name) ?? {}, error: (error as Error).message };
        }
      }),
    );
  } finally {
    clearInterval(ticker);
    if (show && process.stderr.isTTY) process.stderr.write('\n');
  }
}

function renderTable(outcomes: Outcome[]): string {
  const seconds = (value: number | undefined) => (value === undefined ? '-' : `${value.toFixed(1)} s`);
  const rows = outcomes.map(({ machine, phases, error }) => [
    machine.name,
    machine.firmware.toUpperCase(),
    machine.known ? 'known' : 'unknown',
    error ? 'FAILED' : `booted ${phases.host} v${phases.version}`,
    seconds(phases.bootImage),
    seconds(phases.received),
    seconds(phases.deployed),
  ]);
  const header = ['Machine', 'Firmware', 'Site', 'Result', 'Boot image', 'Image received', 'Deployed OS'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const format = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  const failures = outcomes.filter((o) => o.error).map((o) => `\n${o.machine.name}: ${o.error}`);
  return [format(header), format(widths.map((width) => '-'.repeat(width))), ...rows.map(format)].join('\n') + '\n(times from power-on)\n' + failures.join('') + (failures.length ? '\n' : '');
}
