// The HTTP boot listener with a real client (curl) in a client namespace: per-machine iPXE
// scripts for every case (required, done, available, unknown, password), the boot image's files
// byte for byte, and nothing else served.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SiteStore } from '../../../src/engine/site/store.js';
import { HttpBootListener, type BootScriptEvent } from '../../../src/engine/boot/http-boot.js';
import { resolvePxeInterface } from '../../../src/engine/boot/interface.js';
import { PxeTickets } from '../../../src/engine/boot/tickets.js';
import { setPxeSettings } from '../../../src/engine/boot/settings.js';
import { clearPxeDeployments } from '../../../src/engine/boot/pxe-deployments.js';
import type { DeploymentRecord } from '../../../src/engine/site/model.js';
import { clientNamespace, vethUnusable } from './netns.js';
import { makeBootImage } from './fixtures.js';
import { setBootImage } from '../../../src/engine/boot/image/library.js';

const skip = vethUnusable();
const SERVER = '198.18.10.1';
const FINGERPRINT = 'ab'.repeat(32);
let dir: string;
let store: SiteStore;
let listener: HttpBootListener;
let client: ReturnType<typeof clientNamespace>;
let boot: { kernel: Buffer; initrd: Buffer };
const tickets = new PxeTickets();
const events: BootScriptEvent[] = [];
let base: string;

const deployment = (id: string, fields: Partial<DeploymentRecord>): DeploymentRecord => ({
  id,
  taskSequenceId: 'TS00001',
  collectionId: 'COL00001',
  option: 'DownloadWhenNeeded',
  availability: 'ClientsMediaAndPxe',
  purpose: 'Required',
  availableAfter: null,
  expiresAt: null,
  createdAt: new Date(Date.UTC(2026, 0, 1)).toISOString(),
  ...fields,
});

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'mcshell-pxe-http-'));
  store = await SiteStore.open(join(dir, 'site'));
  await store.ensureExists();
  boot = await makeBootImage(store, 'BOOT0001', 'Lab boot');
  await mkdir(join(dir, 'ipxe'));
  await writeFile(join(dir, 'ipxe', 'snponly.efi'), randomBytes(5000));
  await setPxeSettings(store, { enabled: true, bootImage: 'BOOT0001', bootFolder: join(dir, 'ipxe'), promptSeconds: 7 });
  await store.update((site) => {
    site.devices.push({ id: 'DEV00001', name: 'pc-01', mac: '52:54:00:00:00:01' }, { id: 'DEV00002', name: 'pc-02', mac: '52:54:00:00:00:02', uuid: '00112233-4455-6677-8899-aabbccddeeff' });
    site.collections.push({ id: 'COL00001', name: 'Lab', description: '', memberIds: ['DEV00001'] }, { id: 'COL00002', name: 'Kiosks', description: '', memberIds: ['DEV00002'] });
    site.taskSequences.push({ id: 'TS00001', name: 'Image', steps: [{ type: 'Verify' }] });
    site.deployments.push(deployment('DEP00001', {}), deployment('DEP00002', { collectionId: 'COL00002', purpose: 'Available', availability: 'MediaAndPxe' }));
  });
  client = clientNamespace('pxe10', SERVER, 'cli10', '198.18.10.2');
  listener = new HttpBootListener({ store, iface: resolvePxeInterface('pxe10'), port: 8736, controlPort: 8734, fingerprint: FINGERPRINT, tickets, onEvent: (event) => events.push(event) });
  await listener.start();
  base = `http://${SERVER}:8736`;
});

after(async () => {
  if (skip) return;
  await listener.stop();
  client.remove();
  await rm(dir, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; body: Buffer }> {
  const result = await client.run(['curl', '-sS', '--path-as-is', '-o', '-', '-w', '\n%{http_code}', `${base}${path}`]);
  assert.equal(result.code, 0, result.stderr);
  const text = result.stdout;
  const cut = text.lastIndexOf(0x0a);
  return { status: Number(text.subarray(cut + 1).toString()), body: text.subarray(0, cut) };
}

const script = async (query: string) => {
  const { status, body } = await get(`/boot/ipxe?${query}`);
  assert.equal(status, 200);
  return body.toString();
};

test('a known machine with a required PXE deployment boots the boot image: initrd named, kernel line per contract 2', { skip }, async () => {
  // iPXE sends ${net0/mac} URL-encoded.
  const text = await script('mac=52%3A54%3A00%3A00%3A00%3A01&uuid=&arch=0');
  assert.match(text, /^#!ipxe\n/);
  const lines = text.split('\n');
  const initrd = lines.findIndex((line) => line.startsWith('initrd '));
  const kernel = lines.findIndex((line) => line.startsWith('kernel '));
  assert.ok(initrd >= 0 && kernel > initrd, 'the initrd is named before the kernel line that names it');
  assert.equal(lines[initrd], `initrd --name initrd.img ${base}/boot/BOOT0001/initrd.img || goto failed`);
  assert.equal(
    lines[kernel],
    `kernel ${base}/boot/BOOT0001/vmlinuz initrd=initrd.img console=ttyS0 console=tty0 mcshell.dp=${SERVER}:8734 mcshell.fp=${FINGERPRINT} mcshell.mac=52:54:00:00:00:01 mcshell.uuid= || goto failed`,
  );
  assert.ok(lines.includes('boot || goto failed'));
  assert.deepEqual([events.at(-1)!.action, events.at(-1)!.deploymentId, events.at(-1)!.device], ['deploy', 'DEP00001', 'pc-01']);
});

test("a boot image's kernel arguments follow the consoles on its kernel line", { skip }, async () => {
  await setBootImage(store, 'BOOT0001', { kernelArguments: ['no_timer_check', 'console=ttyS1,115200n8'] });
  try {
    const kernel = (await script('mac=52%3A54%3A00%3A00%3A00%3A01&uuid=&arch=0')).split('\n').find((line) => line.startsWith('kernel '));
    assert.match(kernel!, / initrd=initrd\.img console=ttyS0 console=tty0 no_timer_check console=ttyS1,115200n8 mcshell\.dp=/);
  } finally {
    await setBootImage(store, 'BOOT0001', { kernelArguments: [] });
  }
  assert.equal(store.read().bootImages[0]!.kernelArguments, undefined);
  await assert.rejects(setBootImage(store, 'BOOT0001', { kernelArguments: ['quiet', '${next}'] }), /kernel argument '\$\{next\}' is not allowed/);
  await assert.rejects(setBootImage(store, 'BOOT0001', { kernelArguments: ['mcshell.dp=10.9.9.9:8734'] }), /mcshell's own/);
});

test('the kernel and initrd come byte for byte; nothing else of the site is served', { skip }, async () => {
  assert.ok((await get('/boot/BOOT0001/vmlinuz')).body.equals(boot.kernel));
  assert.ok((await get('/boot/BOOT0001/initrd.img')).body.equals(boot.initrd));
  assert.equal((await get('/boot/snponly.efi')).body.length, 5000);
  for (const path of ['/boot/BOOT0001/manifest.json', '/boot/../site.json', '/boot/BOOT0001/../../site.json', '/boot/BOOT9999/vmlinuz', '/site.json', '/boot/undionly.kpxe', '/boot/%2e%2e/site.json', '/v1/hello']) {
    const { status, body } = await get(path);
    assert.equal(status, 404, path);
    assert.doesNotMatch(body.toString(), /schemaVersion|secret/i, path);
  }
});

test('a required deployment that ran boots the disk at once, until Clear-PxeDeployment', { skip }, async () => {
  await store.update((site) => site.deploymentStatus.push({ deploymentId: 'DEP00001', deviceId: 'DEV00001', state: 'Succeeded', step: 1, message: '', updatedAt: new Date().toISOString() }));
  const text = await script('mac=52-54-00-00-00-01&uuid=&arch=7');
  assert.match(text, /^#!ipxe\necho mcshell: pc-01 has run its required PXE deployment\(s\) already .*\nexit\n$/);
  await new Promise((resolve) => setTimeout(resolve, 5));
  await clearPxeDeployments(store, ['pc-01']);
  assert.match(await script('mac=52-54-00-00-00-01&uuid=&arch=7'), /\nkernel /);
});

test('an available deployment asks for a key press within the prompt time; the key leads to the boot image', { skip }, async () => {
  // Known by its SMBIOS UUID (the MAC is another NIC's).
  const text = await script('mac=52-54-00-00-00-99&uuid=00112233-4455-6677-8899-AABBCCDDEEFF&arch=0');
  assert.match(text, /prompt --timeout 7000 Press any key within 7 seconds .* && goto start \|\| goto local\n/);
  const next = /chain (\S+) \|\| goto local/.exec(text)![1]!;
  assert.equal(next, `${base}/boot/ipxe?mac=52-54-00-00-00-99&uuid=00112233-4455-6677-8899-aabbccddeeff&arch=0&confirmed=1`);
  assert.match(text, /:local\nexit\n$/);
  const confirmed = await script(next.slice(`${base}/boot/ipxe?`.length));
  assert.match(confirmed, /mcshell\.mac=52:54:00:00:00:99 mcshell\.uuid=00112233-4455-6677-8899-aabbccddeeff/);
});

test('machines with nothing for PXE boot their disk: Clients-only deployments, unknown machines without unknown computer support', { skip }, async () => {
  await store.update((site) => (site.deployments[0]!.availability = 'Clients'));
  await clearPxeDeployments(store, ['pc-01']);
  assert.match(await script('mac=52-54-00-00-00-01&arch=0'), /no deployment available to PXE targets pc-01.*\nexit\n$/);
  await store.update((site) => (site.deployments[0]!.availability = 'ClientsMediaAndPxe'));
  assert.match(await script('mac=52-54-00-00-00-77&arch=0'), /52:54:00:00:00:77 is not known to this site and unknown computer support is off.*\nexit\n$/);
  assert.match(await script('arch=0'), /names no MAC address.*\nexit\n$/);
});

test('with unknown computer support, an unknown machine gets the deployments of All Unknown Computers', { skip }, async () => {
  await setPxeSettings(store, { unknownComputerSupport: true });
  assert.match(await script('mac=52-54-00-00-00-77&arch=0'), /no deployment available to PXE targets All Unknown Computers.*\nexit\n$/);
  await store.update((site) => site.deployments.push(deployment('DEP00003', { collectionId: 'SMS000US', availability: 'MediaAndPxe' })));
  assert.match(await script('mac=52-54-00-00-00-77&arch=0'), /deployment DEP00003\n.*\nkernel .* mcshell\.mac=52:54:00:00:00:77 /);
});

test('a PXE password is asked with login; a wrong one asks again; the right one gives a one-time ticket for that MAC', { skip }, async () => {
  await setPxeSettings(store, { password: 'lab secret' });
  try {
    const ask = await script('mac=52-54-00-00-00-77&uuid=&arch=0');
    assert.match(ask, /\nlogin \|\| goto local\nchain \S+&password=\$\{password:uristring\} \|\| goto local\n/);
    assert.doesNotMatch(ask, /kernel/);
    const wrong = await script('mac=52-54-00-00-00-77&uuid=&arch=0&password=guess');
    assert.match(wrong, /wrong PXE password[\s\S]*\nlogin /);
    const right = await script('mac=52-54-00-00-00-77&uuid=&arch=0&password=lab%20secret');
    const ticket = /mcshell\.ticket=(\S+)/.exec(right)?.[1];
    assert.ok(ticket, right);
    assert.equal(tickets.redeem(ticket, '52:54:00:00:00:01'), false, 'not for another MAC');
    const again = await script('mac=52-54-00-00-00-77&uuid=&arch=0&password=lab%20secret');
    const second = /mcshell\.ticket=(\S+)/.exec(again)![1]!;
    assert.equal(tickets.redeem(second, '52:54:00:00:00:77'), true);
    assert.equal(tickets.redeem(second, '52:54:00:00:00:77'), false, 'used once');
  } finally {
    await setPxeSettings(store, { password: null });
  }
});

test('PXE password guesses are limited per address', { skip }, async () => {
  await setPxeSettings(store, { password: 'lab secret' });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await get(`/boot/ipxe?mac=52-54-00-00-00-66&arch=0&password=guess${i}`)).status);
    assert.ok(statuses.includes(429), statuses.join(' '));
  } finally {
    await setPxeSettings(store, { password: null });
  }
});
