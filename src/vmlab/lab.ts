// A virtual-machine lab: a temp folder, a LAN (bridge + the DHCP server) and the VMs on it, torn down
// together — every VM killed by its PID, then dnsmasq, then the links and namespace. Used by the VM
// tests (test/vmlab) and `mcshell demo --pxe`.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lan } from './lan.js';
import { Vm, type VmNic, type VmOptions } from './vm.js';

export type LabVmOptions = Omit<VmOptions, 'dir' | 'nic'> & {
  /** A NIC on a new tap of the lab's bridge; none when omitted. */
  nic?: VmNic;
};

export class Lab {
  private readonly vms: Vm[] = [];
  private readonly adopted: ChildProcess[] = [];
  private readonly taps = new Map<string, string>();
  private unregister: () => void = () => {};

  private constructor(
    readonly dir: string,
    readonly lan: Lan,
    private readonly keep: boolean,
  ) {}

  /** Makes the temp folder and the LAN; `keep` leaves the folder (serial logs, disks) after close. */
  static async start(options: { keep?: boolean } = {}): Promise<Lab> {
    const dir = mkdtempSync(join(tmpdir(), 'mcshell-vmlab-'));
    try {
      const lab = new Lab(dir, await Lan.start({ dir }), options.keep === true);
      lab.unregister = killOnExit(lab);
      return lab;
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Powers a VM on. A machine is its name: powering the same name on again reuses its tap (and its UEFI variables). */
  startVm(options: LabVmOptions): Vm {
    const { nic, ...rest } = options;
    let tap: string | undefined;
    if (nic) {
      tap = this.taps.get(options.name) ?? this.lan.addTap();
      this.taps.set(options.name, tap);
    }
    const vm = Vm.start({ ...rest, dir: this.dir, ...(nic && tap ? { nic: { ...nic, tap } } : {}) });
    this.vms.push(vm);
    return vm;
  }

  /** Another process of the lab (a DP serving it): killed with the lab's VMs if still running. */
  adopt(child: ChildProcess): void {
    this.adopted.push(child);
  }

  /** A blank raw disk of `bytes` (sparse), e.g. for a machine to be imaged. */
  blankDisk(name: string, bytes: number): string {
    const path = join(this.dir, `${name}.raw`);
    run('truncate', ['-s', String(bytes), path]);
    return path;
  }

  /** A qcow2 disk whose reads come from `base` until written: many VMs can share one built image. */
  overlayDisk(name: string, base: string): string {
    const path = join(this.dir, `${name}.qcow2`);
    run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', base, path]);
    return path;
  }

  /** Kills every VM still running (by PID), stops the LAN, removes the folder unless kept. */
  async close(): Promise<void> {
    this.unregister();
    this.killAdopted();
    await Promise.all(this.vms.map((vm) => vm.stop()));
    await this.lan.close();
    if (!this.keep) rmSync(this.dir, { recursive: true, force: true });
  }

  private killAdopted(): void {
    for (const child of this.adopted) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  /** The last resort when the process ends with the lab open (a test cancelled by its timeout skips its after hooks). */
  killNow(): void {
    this.killAdopted();
    for (const vm of this.vms) vm.killNow();
    this.lan.killNow();
    if (!this.keep) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What must not outlive this process: VMs, dnsmasq, the DP a test started. */
export interface KilledAtExit {
  killNow(): void;
}

const open = new Set<KilledAtExit>();
let handlersInstalled = false;

/**
 * `target` is killed if the process ends while it is still registered: a test runner ends a test
 * file that overran its time with SIGTERM, and VMs and dnsmasq must not outlive it. The signal is
 * then raised again, so the process ends as it would have without the handler. Returns what
 * unregisters it (call it once the target is closed normally).
 */
export function killOnExit(target: KilledAtExit): () => void {
  open.add(target);
  if (!handlersInstalled) {
    handlersInstalled = true;
    const killOpen = () => {
      for (const each of open) each.killNow();
    };
    process.once('exit', killOpen);
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      process.once(signal, () => {
        killOpen();
        process.kill(process.pid, signal);
      });
    }
  }
  return () => void open.delete(target);
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${(result.stderr || result.error?.message || '').trim()}`);
}
