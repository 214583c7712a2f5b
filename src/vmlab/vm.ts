// One QEMU virtual machine of a lab: BIOS (SeaBIOS) or UEFI (OVMF), emulated (`-accel tcg`: KVM hangs
// on these hosts), one virtio disk, optionally one NIC on a lab tap with iPXE as its boot ROM, and its
// serial console in a log file. Never `-netdev user` and no default NIC (`-nodefaults`): the VM can
// reach nothing but its tap.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IPXE_ROMS, OVMF_CODE, OVMF_VARS, QEMU } from './host.js';

export type Firmware = 'bios' | 'uefi';

/**
 * disk: boot the disk only. network-then-disk: PXE first; when that finds nothing to boot (or the
 * boot server says "exit"), the firmware boots the disk. network: PXE only.
 */
export type BootOrder = 'disk' | 'network-then-disk' | 'network';

export interface VmOptions {
  /** A short name for messages and file names: [A-Za-z0-9_-]. */
  name: string;
  firmware: Firmware;
  /** A folder of the caller's: the serial log and the UEFI variable store live there. */
  dir: string;
  disk: { path: string; format: 'raw' | 'qcow2' };
  /** The NIC, on a tap of the lab's bridge; none when omitted. */
  nic?: VmNic & { tap: string };
  boot: BootOrder;
  /** Default 256 MiB (the test OS); a boot image holding Node needs more. */
  memoryMiB?: number;
  /** SMBIOS system UUID (what PXE reports as the machine's UUID). */
  uuid?: string;
}

/**
 * pxe 'ipxe' (default): the NIC's boot ROM is iPXE (Debian's ipxe-qemu), under both firmwares; under
 * UEFI, OVMF's own network stack is switched off so that iPXE is the NIC's only boot option (else OVMF
 * tries its PXEv4, PXEv6 and HTTP boot after iPXE, each with long timeouts, before the disk).
 * pxe 'firmware' (UEFI only, model virtio-net): no ROM; OVMF's own PXE over its virtio-net driver, as on
 * real UEFI hardware: it fetches its first stage by TFTP (IPv6 off; OVMF's HTTP boot still follows a
 * failed PXE). SeaBIOS has no network boot of its own.
 */
export interface VmNic {
  mac: string;
  model?: 'e1000' | 'virtio-net';
  pxe?: 'ipxe' | 'firmware';
}

export interface VmExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class Vm {
  readonly serialLog: string;
  readonly process: ChildProcess;
  readonly exited: Promise<VmExit>;
  private exit: VmExit | undefined;
  private stderr = '';

  private constructor(readonly options: VmOptions) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(options.name)) throw new Error(`VM name must be 1-32 letters, digits, '_' or '-' (got '${options.name}')`);
    this.serialLog = join(options.dir, `${options.name}.serial.log`);
    writeFileSync(this.serialLog, '');
    this.process = spawn(QEMU, qemuArguments(options, this.serialLog), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.process.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => resolve((this.exit = { code, signal })));
      this.process.once('error', (error) => {
        this.stderr += error.message;
        resolve((this.exit = { code: null, signal: null }));
      });
    });
  }

  /** Powers the VM on (starts QEMU). The same options again later are the same machine powered on again. */
  static start(options: VmOptions): Vm {
    return new Vm(options);
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** The serial console so far, without terminal escape sequences. */
  serial(): string {
    return readFileSync(this.serialLog, 'latin1').replace(/\x1b\[[0-9;?=]*[A-Za-z]|\x1b[()][A-Z0-9]|\r/g, '');
  }

  /**
   * Waits until the serial console matches `pattern`; rejects when the VM stops first or after
   * `timeoutMs`, with the console's last lines in the message (what a failing test prints).
   */
  async waitForSerial(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.serial());
      if (match) return match;
      if (!this.running) throw new Error(`${this.options.name}: QEMU exited (${describeExit(this.exit!)}) before its console showed ${pattern}${this.stderr ? `; QEMU said: ${this.stderr.trim()}` : ''}\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`${this.options.name}: its console did not show ${pattern} within ${Math.round(timeoutMs / 1000)} s\n${this.tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Waits until QEMU exits (the guest powered off); rejects after `timeoutMs` with the console's last lines. */
  async waitForExit(timeoutMs: number): Promise<VmExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.options.name}: did not power off within ${Math.round(timeoutMs / 1000)} s\n${this.tail()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The console's last lines, headed by where the whole log is. */
  tail(lines = 40): string {
    const text = this.serial().split('\n').slice(-lines).join('\n');
    return `--- ${this.options.name} serial console (${this.serialLog}), last ${lines} lines ---\n${text}\n--- end of ${this.options.name} console ---`;
  }

  /** Kills QEMU by its PID without waiting (for a process that is exiting). */
  killNow(): void {
    if (this.running) this.process.kill('SIGKILL');
  }

  /** Pulls the plug: kills QEMU by its PID and waits for it to go. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.process.kill('SIGKILL');
    await this.exited;
  }
}

function describeExit(exit: VmExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit ${exit.code}`;
}

function qemuArguments(options: VmOptions, serialLog: string): string[] {
  // -cpu max: every feature TCG emulates (QEMU's default CPU lacks SSE4.1, and Node's WebAssembly needs SIMD).
  const args = ['-accel', 'tcg', '-cpu', 'max', '-machine', 'pc', '-m', String(options.memoryMiB ?? 256), '-smp', '1', '-nodefaults', '-no-user-config', '-display', 'none'];
  args.push('-name', options.name, '-chardev', `file,id=serial0,path=${serialLog}`, '-serial', 'chardev:serial0');
  if (options.uuid) args.push('-uuid', options.uuid);
  if (options.firmware === 'uefi') {
    // The variable store is the machine's NVRAM: one copy per VM, kept across power cycles.
    const vars = join(options.dir, `${options.name}.OVMF_VARS.fd`);
    if (!existsSync(vars)) copyFileSync(OVMF_VARS, vars);
    args.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,unit=1,file=${vars}`);
  } else {
    // SeaBIOS prints to the serial port when there is no VGA (its "sercon"): then SeaBIOS's, iPXE's
    // and syslinux's messages are in the serial log too. The value is the port, little-endian.
    const port = join(options.dir, 'sercon-port.bin');
    if (!existsSync(port)) writeFileSync(port, Buffer.from([0xf8, 0x03]));
    args.push('-fw_cfg', `name=etc/sercon-port,file=${port}`);
  }
  // Boot order by bootindex (both SeaBIOS and OVMF honour it), strictly: nothing else is tried.
  const netFirst = options.boot !== 'disk';
  const diskIndex = options.boot === 'network' ? undefined : netFirst ? 2 : 1;
  args.push('-drive', `file=${options.disk.path},format=${options.disk.format},if=none,id=disk0,cache=unsafe`);
  args.push('-device', `virtio-blk-pci,drive=disk0${diskIndex ? `,bootindex=${diskIndex}` : ''}`);
  if (options.nic) {
    const model = options.nic.model ?? 'e1000';
    const firmwarePxe = options.nic.pxe === 'firmware';
    if (firmwarePxe && (options.firmware !== 'uefi' || model !== 'virtio-net')) throw new Error(`${options.name}: the firmware's own PXE needs UEFI and a virtio-net NIC (SeaBIOS boots from the network only through a NIC's iPXE ROM; OVMF has no e1000 driver)`);
    const rom = firmwarePxe ? '' : `${IPXE_ROMS}/${options.firmware === 'uefi' ? 'efi' : 'pxe'}-${model === 'e1000' ? 'e1000' : 'virtio'}.rom`;
    if (options.firmware === 'uefi') {
      if (!firmwarePxe) args.push('-fw_cfg', 'name=opt/org.tianocore/IPv4Support,string=no');
      args.push('-fw_cfg', 'name=opt/org.tianocore/IPv6Support,string=no');
    }
    args.push('-netdev', `tap,id=net0,ifname=${options.nic.tap},script=no,downscript=no`);
    args.push('-device', `${model === 'e1000' ? 'e1000' : 'virtio-net-pci'},netdev=net0,mac=${options.nic.mac},romfile=${rom}${netFirst ? ',bootindex=1' : ''}`);
  } else if (options.boot !== 'disk') {
    throw new Error(`${options.name}: boot order '${options.boot}' needs a NIC`);
  }
  args.push('-boot', 'strict=on');
  return args;
}
