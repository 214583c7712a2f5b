// A real firmware chains through the DP's PXE services: a UEFI virtual machine (OVMF, QEMU with
// TCG) on a tap of a bridge inside the test's namespace, the LAN's DHCP server being dnsmasq
// giving addresses only (in a namespace of its own), the DP answering proxyDHCP, TFTP and HTTP
// boot. OVMF's own PXE client gets snponly.efi by TFTP; that iPXE asks DHCP again, gets the URL
// of its per-machine script and boots the kernel and initramfs by HTTP; the initramfs prints the
// kernel command line it was given to the serial console and powers off. A second run, after the
// machine's required deployment succeeded, must boot from its (absent) disk instead: the script
// says so and iPXE exits.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addBootImage } from '../engine/boot/fixtures.js';
import { openTestSite } from '../postgres/test-site.js';
import { setPxeSettings } from '../../src/engine/boot/settings.js';
import { DPService } from '../../src/engine/dp/service.js';
import type { PxeEvent } from '../../src/engine/boot/pxe-services.js';
import { vethUnusable } from '../engine/boot/netns.js';
import { cachedDebianKernel, labCacheDir } from '../../src/vmlab/debian-kernel.js';
import { killOnExit } from '../../src/vmlab/lab.js';

const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
const tools = ['qemu-system-x86_64', 'dnsmasq', 'cpio', 'busybox'];
const missing = tools.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
const skip =
  vethUnusable() ||
  (missing.length ? `needs ${missing.join(', ')} (Debian: qemu-system-x86 dnsmasq-base cpio busybox-static)` : false) ||
  (existsSync(OVMF_CODE) ? false : 'needs OVMF (Debian: ovmf)') ||
  (existsSync('/usr/lib/ipxe/snponly.efi') ? false : 'needs iPXE (Debian: ipxe)') ||
  (debianKernel() ? false : `needs Debian's kernel unpacked under ${labCacheDir()}/kernel (node dist/src/vmlab/debian-kernel.js, as .ci/run does)`);

const MAC = '52:54:00:4d:43:01';
const DP = '198.18.20.1';
const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];
function cleanUp(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups.reverse().splice(0)) cleanup();
}
// Also when the runner ends this file on a timeout (SIGTERM skips after hooks): QEMU and dnsmasq must not outlive it.
const unregister = killOnExit({ killNow: cleanUp });
after(() => {
  cleanUp();
  unregister();
});

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Debian's kernel from the shared test cache (.ci/run fetches it); null when it is not there. */
function debianKernel(): string | null {
  return cachedDebianKernel()?.vmlinuz ?? null;
}

/** An initramfs whose init prints the kernel command line to the serial console and powers off. */
function markerInitrd(dir: string): string {
  const root = join(dir, 'initrd-root');
  mkdirSync(join(root, 'bin'), { recursive: true });
  for (const sub of ['proc', 'dev', 'sys']) mkdirSync(join(root, sub));
  copyFileSync(execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim(), join(root, 'bin', 'busybox'));
  writeFileSync(
    join(root, 'init'),
    '#!/bin/busybox sh\n/bin/busybox mount -t proc proc /proc\n/bin/busybox mount -t devtmpfs dev /dev\necho "MCSHELL-BOOT-IMAGE-RAN cmdline: $(/bin/busybox cat /proc/cmdline)" > /dev/ttyS0\n/bin/busybox poweroff -f\n',
  );
  chmodSync(join(root, 'init'), 0o755);
  chmodSync(join(root, 'bin', 'busybox'), 0o755);
  const out = join(dir, 'initrd.img');
  execFileSync('sh', ['-c', `cd ${root} && find . | cpio -o -H newc --quiet | gzip -1 > ${out}`]);
  return out;
}

/** Runs the VM until it powers off, `done()` holds, or the time is up; returns its serial console. */
function runVm(dir: string, name: string, timeoutMs: number, done: () => boolean = () => false): Promise<string> {
  const vars = join(dir, `${name}-vars.fd`);
  copyFileSync(OVMF_VARS, vars);
  const serial = join(dir, `${name}-serial.log`);
  const qemu = spawn(
    'qemu-system-x86_64',
    [
      '-accel', 'tcg', '-machine', 'q35', '-m', '512', '-smp', '1', '-display', 'none', '-no-reboot',
      '-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,file=${vars}`,
      '-netdev', 'tap,id=n0,ifname=pxe20tap,script=no,downscript=no',
      // romfile= empty: OVMF's own virtio-net driver and PXE client, not an iPXE option ROM.
      '-device', `virtio-net-pci,netdev=n0,mac=${MAC},romfile=,bootindex=1`,
      '-serial', `file:${serial}`,
    ],
    { stdio: 'ignore' },
  );
  children.push(qemu);
  return new Promise((resolve) => {
    const timer = setTimeout(() => qemu.kill('SIGKILL'), timeoutMs);
    // Once `done` holds, a few more seconds for the firmware to act on it, then the VM is ended.
    const poll = setInterval(() => {
      if (!done()) return;
      clearInterval(poll);
      setTimeout(() => qemu.kill('SIGKILL'), 5000);
    }, 500);
    qemu.on('exit', () => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve(existsSync(serial) ? readFileSync(serial, 'latin1') : '');
    });
  });
}

test('a UEFI machine chains OVMF PXE → proxyDHCP → TFTP snponly.efi → iPXE → HTTP script → boot image; once done it boots its disk', { skip, timeout: 600_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-pxe-e2e-'));
  cleanups.push(() => void rm(dir, { recursive: true, force: true }));
  // The LAN: a bridge (the DP's PXE interface), a tap for the VM, and dnsmasq in a namespace of its own.
  const dhcpNs = `mcpxedhcp${process.pid}`;
  ip('link', 'add', 'pxe20br', 'type', 'bridge');
  cleanups.push(() => ip('link', 'delete', 'pxe20br'));
  ip('link', 'set', 'pxe20br', 'type', 'bridge', 'stp_state', '0');
  ip('addr', 'add', `${DP}/24`, 'brd', '+', 'dev', 'pxe20br');
  ip('link', 'set', 'pxe20br', 'up');
  ip('tuntap', 'add', 'dev', 'pxe20tap', 'mode', 'tap');
  cleanups.push(() => ip('link', 'delete', 'pxe20tap'));
  ip('link', 'set', 'pxe20tap', 'master', 'pxe20br');
  ip('link', 'set', 'pxe20tap', 'up');
  ip('netns', 'add', dhcpNs);
  cleanups.push(() => ip('netns', 'delete', dhcpNs));
  ip('link', 'add', 'pxe20dh', 'type', 'veth', 'peer', 'name', 'dh0', 'netns', dhcpNs);
  ip('link', 'set', 'pxe20dh', 'master', 'pxe20br');
  ip('link', 'set', 'pxe20dh', 'up');
  ip('-n', dhcpNs, 'addr', 'add', '198.18.20.2/24', 'brd', '+', 'dev', 'dh0');
  ip('-n', dhcpNs, 'link', 'set', 'dh0', 'up');
  const dnsmasqLog = join(dir, 'dnsmasq.log');
  const dnsmasq = spawn('ip', ['netns', 'exec', dhcpNs, 'dnsmasq', '--no-daemon', '--port=0', '--interface=dh0', '--bind-interfaces', '--dhcp-range=198.18.20.100,198.18.20.150,255.255.255.0,1h', '--no-resolv', '--no-hosts', '--log-dhcp', `--dhcp-leasefile=${join(dir, 'leases')}`, `--log-facility=${dnsmasqLog}`], { stdio: 'ignore' });
  children.push(dnsmasq);

  // The site: a boot image, a device known by MAC with a required deployment available to PXE.
  const store = await openTestSite(join(dir, 'site'));
  await store.ensureExists();
  await addBootImage(store, 'BOOT0001', 'Marker', readFileSync(debianKernel()!), readFileSync(markerInitrd(dir)));
  await setPxeSettings(store, { enabled: true, interface: 'pxe20br', bootImage: 'BOOT0001' });
  await store.update((site) => {
    site.dp.interface = 'pxe20br';
    site.devices.push({ id: 'DEV00001', name: 'vm-01', mac: MAC });
    site.collections.push({ id: 'COL00001', name: 'Lab', description: '', memberIds: ['DEV00001'] });
    site.taskSequences.push({ id: 'TS00001', name: 'Image', steps: [{ type: 'Verify' }] });
    site.deployments.push({ id: 'DEP00001', taskSequenceId: 'TS00001', collectionId: 'COL00001', option: 'DownloadWhenNeeded', availability: 'MediaAndPxe', purpose: 'Required', availableAfter: null, expiresAt: null, createdAt: new Date().toISOString() });
  });
  const events: PxeEvent[] = [];
  const dp = new DPService(store, { port: 0, onPxeEvent: (event) => events.push(event) });
  const { port } = await dp.start();
  t.after(() => dp.stop());
  const fingerprint = await dp.fingerprint();

  const started = Date.now();
  const serial = await runVm(dir, 'first', 240_000);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const diagnostics = () => `serial:\n${serial.slice(-3000)}\nevents:\n${events.map((event) => JSON.stringify(event)).join('\n')}\ndnsmasq:\n${existsSync(dnsmasqLog) ? readFileSync(dnsmasqLog, 'utf8').slice(-2000) : ''}`;
  const marker = /MCSHELL-BOOT-IMAGE-RAN cmdline: (.*)/.exec(serial);
  assert.ok(marker, diagnostics());
  t.diagnostic(`UEFI PXE to boot image running: ${seconds} s wall (TCG)`);
  assert.match(marker[1]!, new RegExp(`initrd=initrd\\.img console=ttyS0 console=tty0 mcshell\\.dp=${DP.replaceAll('.', '\\.')}:${port} mcshell\\.fp=${fingerprint} mcshell\\.mac=${MAC} mcshell\\.uuid=[0-9a-f-]*`));
  // The chain, as the DP saw it: the firmware's PXE offer (arch 7), TFTP of snponly.efi, iPXE's offer, the script.
  const kinds = events.map((event) => ('ipxe' in event ? `${event.event}${event.ipxe ? '/ipxe' : ''}` : event.event));
  assert.ok(kinds.includes('pxe-offer'), diagnostics());
  assert.ok(events.some((event) => event.event === 'tftp-sent' && event.file.endsWith('snponly.efi')), diagnostics());
  assert.ok(kinds.includes('pxe-offer/ipxe') || kinds.includes('pxe-ack/ipxe'), diagnostics());
  assert.ok(events.some((event) => event.event === 'pxe-script' && event.action === 'deploy' && event.device === 'vm-01'), diagnostics());
  // dnsmasq gave the address; the DP gave none.
  assert.ok(events.every((event) => event.event !== 'dhcp-lease'));

  // The deployment succeeded: the next network boot goes to the local disk at once.
  await store.update((site) => site.deploymentStatus.push({ deploymentId: 'DEP00001', deviceId: 'DEV00001', state: 'Succeeded', step: 1, message: 'done', updatedAt: new Date().toISOString() }));
  events.length = 0;
  const localBoot = () => events.some((event) => event.event === 'pxe-script' && event.action === 'localboot');
  const second = await runVm(dir, 'second', 150_000, localBoot);
  assert.doesNotMatch(second, /MCSHELL-BOOT-IMAGE-RAN/);
  assert.ok(events.some((event) => event.event === 'pxe-script' && event.action === 'localboot' && /vm-01 has run its required PXE deployment/.test(event.reason ?? '')), `serial:\n${second.slice(-3000)}\nevents:\n${events.map((event) => JSON.stringify(event)).join('\n')}`);
});
