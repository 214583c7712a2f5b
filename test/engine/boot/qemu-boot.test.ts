// The boot image really boots: QEMU (TCG: KVM hangs on these machines) loads its kernel and
// initramfs directly (-kernel/-initrd, no network boot needed here) with a virtio disk and a
// virtio NIC on a tap inside the test's private network namespace (never -netdev user); /init loads
// the drivers, finds the NIC by the MAC on the command line, and runs `mcshell client --pxe
// --dry-run`, whose inventory line on the serial console must show the disk, the NIC, the memory
// and the SMBIOS UUID QEMU gave the machine. A machine whose agent fails stays in the boot image with
// the error on its console, and does not restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestSite } from '../../postgres/test-site.js';
import { after } from 'node:test';
import { bootFolder, newBootImage } from '../../../src/engine/boot/image/library.js';
import { testKernel } from './kernel.js';
import { killOnExit } from '../../../src/vmlab/lab.js';

const MAC = '52:54:00:12:34:56';
const UUID = '6f1b3c2a-1d2e-4f50-9a8b-0c1d2e3f4a5b';
const DISK_BYTES = 64 * 1024 * 1024;

async function waitForLine(log: string, pattern: RegExp, exited: () => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(log, 'utf8').catch(() => '');
    const match = text.split('\n').find((line) => pattern.test(line));
    if (match) return match;
    if (exited() || Date.now() > deadline) assert.fail(`the boot image did not print ${pattern} (${exited() ? 'QEMU exited' : 'timed out'}); the serial console ends:\n${text.split('\n').slice(-40).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

let built: Promise<string> | undefined;
let siteDir: string | undefined;
// Registered at the top level: it runs once every test of the file is done.
after(() => siteDir && rm(siteDir, { recursive: true, force: true }));

/** The folder of one boot image built from Debian's kernel, shared by the tests of this file. */
function bootImage(): Promise<string> {
  built ??= (async () => {
    const dir = (siteDir = await mkdtemp(join(tmpdir(), 'mcshell-qemu-boot-')));
    const store = await openTestSite(join(dir, 'site'));
    const kernel = testKernel();
    const { record } = await newBootImage(store, { name: 'Lab', kernel: kernel.vmlinuz, modulesPath: kernel.modules });
    return bootFolder(store, record.id);
  })();
  return built;
}

interface Vm {
  log: string;
  exited: () => boolean;
  /** A line of the serial console matching `pattern`; fails with the console's end when none comes. */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** Boots the boot image with `append` on the kernel command line, a 64 MiB virtio disk and a virtio NIC on a tap of this namespace. */
async function boot(t: { after(fn: () => void | Promise<void>): void }, append: string): Promise<Vm> {
  const folder = await bootImage();
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-qemu-vm-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const disk = join(dir, 'disk.raw');
  await writeFile(disk, '');
  await truncate(disk, DISK_BYTES);
  // The tap lives in this test's private network namespace (the test runner's unshare -n).
  const tap = `mcbt${process.pid % 10000}${Math.floor(Math.random() * 100)}`;
  const made = spawnSync('ip', ['tuntap', 'add', 'dev', tap, 'mode', 'tap'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  t.after(() => void spawnSync('ip', ['link', 'del', tap]));
  const log = join(dir, 'serial.log');
  const qemu = spawn(
    'qemu-system-x86_64',
    [
      // -cpu max: node's WebAssembly needs SSE4.1 (every PC since 2008), which QEMU's default qemu64 CPU lacks.
      // -no-reboot: a restart ends QEMU, so a machine that restarts is seen.
      '-accel', 'tcg', '-cpu', 'max', '-m', '1024', '-smp', '1', '-no-reboot', '-display', 'none', '-monitor', 'none',
      '-serial', `file:${log}`,
      '-smbios', `type=1,uuid=${UUID}`,
      '-kernel', join(folder, 'vmlinuz'), '-initrd', join(folder, 'initrd.img'),
      '-append', `console=ttyS0 panic=-1 ${append}`,
      '-drive', `file=${disk},format=raw,if=virtio`,
      '-netdev', `tap,id=n0,ifname=${tap},script=no,downscript=no`, '-device', `virtio-net-pci,netdev=n0,mac=${MAC}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let exited = false;
  let stderr = '';
  qemu.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  qemu.on('exit', () => (exited = true));
  const stop = () => {
    if (!exited) qemu.kill('SIGKILL');
  };
  // Also when the runner ends this file on a timeout (SIGTERM skips after hooks).
  const unregister = killOnExit({ killNow: stop });
  t.after(() => {
    stop();
    unregister();
  });
  return {
    log,
    exited: () => exited,
    line: (pattern, timeoutMs = 180_000) => waitForLine(log, pattern, () => exited, timeoutMs).catch((error: Error) => assert.fail(`${error.message}\nQEMU: ${stderr}`)),
  };
}

test('the boot image boots in QEMU: drivers load, the booting NIC is found by its MAC, and the agent reports the disks, NICs, memory and UUID it sees', async (t) => {
  const vm = await boot(t, `mcshell.mac=${MAC} mcshell.dryrun`);
  const line = await vm.line(/^\{"dryRun":true/);
  const serial = await readFile(vm.log, 'utf8');
  assert.match(serial, /mcshell: loaded \d+ driver module\(s\)/);
  assert.match(serial, new RegExp(`mcshell: the machine booted from eth0 \\(${MAC}\\)`));
  const report = JSON.parse(line) as { commandLine: { mac: string }; bootImage: { fingerprint: string } | null; uuid: string; inventory: { memoryBytes: number; disks: { name: string; sizeBytes: number; removable: boolean }[]; nics: { name: string; mac: string }[] } };
  assert.equal(report.commandLine.mac, MAC);
  assert.equal(report.uuid, UUID);
  assert.ok(report.bootImage && /^[0-9a-f]{64}$/.test(report.bootImage.fingerprint), 'the agent found the boot image pins');
  assert.deepEqual(report.inventory.disks.map(({ name, sizeBytes, removable }) => ({ name, sizeBytes, removable })), [{ name: 'vda', sizeBytes: DISK_BYTES, removable: false }]);
  assert.deepEqual(report.inventory.nics, [{ name: 'eth0', mac: MAC }]);
  assert.ok(report.inventory.memoryBytes > 900 * 1024 * 1024 && report.inventory.memoryBytes <= 1024 * 1024 * 1024, `memory ${report.inventory.memoryBytes}`);
  await vm.line(/the client agent finished without restarting the machine/, 60_000);
});

test('an agent that fails leaves the machine in the boot image with the error on its console: no restart, no loop', async (t) => {
  // No mcshell.dp: the machine was not booted by a DP, so the agent cannot run a deployment.
  const vm = await boot(t, '');
  await vm.line(/mcshell client: .*names no DP|FAILED: the kernel command line names no DP/);
  await vm.line(/mcshell: the client agent failed \(its last lines above say why\)/, 30_000);
  await vm.line(/the machine stays in the boot image/, 30_000);
  // /init waits there: QEMU, run with -no-reboot, would have ended on a restart.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  assert.equal(vm.exited(), false, 'the machine restarted');
});
