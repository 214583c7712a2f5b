// The DP's PXE settings, the site migration that brings them, and the PXE deployment rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSiteStore } from '../../../src/engine/site/file-store.js';
import type { SiteStore } from '../../../src/engine/site/store.js';
import { openTestSite } from '../../postgres/test-site.js';
import { SITE_SCHEMA_VERSION, UNKNOWN_COMPUTERS_COLLECTION } from '../../../src/engine/site/model.js';
import { checkPxePassword, setPxeSettings } from '../../../src/engine/boot/settings.js';
import { clearPxeDeployments, pxeDecision } from '../../../src/engine/boot/pxe-deployments.js';
import { EngineError } from '../../../src/engine/errors.js';
import { makeBootImage } from './fixtures.js';

async function tempSite(t: { after: (fn: () => Promise<void>) => void }): Promise<SiteStore> {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-pxe-settings-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return openTestSite(join(dir, 'site'));
}

const refuses = (id: string, message: RegExp) => (error: unknown) => error instanceof EngineError && error.id === id && message.test(error.message);

test('a version 5 site gains PXE settings (off), no PXE clears and the built-in All Unknown Computers collection', async (t) => {
  const store = await tempSite(t);
  await store.update((site) => site.devices.push({ id: 'DEV00001', name: 'lab-01', mac: null }));
  const { pxe: _pxe, ...dp } = store.read().dp;
  const { pxeClears: _clears, ...rest } = store.read();
  const version5 = { ...rest, schemaVersion: 5, dp, collections: [] };
  await writeFile(join(store.home, 'site.json'), JSON.stringify(version5));
  const migrated = (await FileSiteStore.open(store.home)).read();
  assert.equal(migrated.schemaVersion, SITE_SCHEMA_VERSION);
  assert.equal(migrated.dp.pxe.enabled, false);
  assert.equal(migrated.dp.pxe.dhcpMode, 'ProxyDhcp');
  assert.equal(migrated.dp.pxe.httpPort, 8736);
  assert.deepEqual(migrated.pxeClears, []);
  assert.deepEqual(migrated.collections, [UNKNOWN_COMPUTERS_COLLECTION]);
  assert.deepEqual(migrated.devices, [{ id: 'DEV00001', name: 'lab-01', mac: null }]);
});

test('a new site has the built-in collection; settings change together and the password is kept only as a hash', async (t) => {
  const store = await tempSite(t);
  assert.deepEqual(store.read().collections.map((collection) => collection.name), ['All Unknown Computers']);
  const pxe = await setPxeSettings(store, { enabled: true, unknownComputerSupport: true, password: 'lab secret', responseDelaySeconds: 3 });
  assert.equal(pxe.enabled, true);
  assert.match(pxe.passwordHash!, /^scrypt:[0-9a-f]{32}:[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(store.read()).includes('lab secret'));
  assert.ok(checkPxePassword(pxe.passwordHash!, 'lab secret'));
  assert.ok(!checkPxePassword(pxe.passwordHash!, 'lab secreT'));
  assert.equal((await setPxeSettings(store, { password: null })).passwordHash, null);
});

test('invalid PXE settings are refused naming the setting, and change nothing', async (t) => {
  const store = await tempSite(t);
  const before = store.read().dp.pxe;
  await assert.rejects(setPxeSettings(store, { enabled: true, dhcpMode: 'Full' }), refuses('DhcpRangeRequired', /DhcpStartAddress/));
  await assert.rejects(setPxeSettings(store, { responseDelaySeconds: 33 }), refuses('ValueOutOfRange', /PxeServerResponseDelaySec must be a whole number from 0 to 32/));
  await assert.rejects(setPxeSettings(store, { dhcpMode: 'Full', addressRange: { start: '198.18.0.150', end: '198.18.0.100' } }), refuses('InvalidAddressRange', /above DhcpEndAddress/));
  await assert.rejects(setPxeSettings(store, { dhcpMode: 'Full', addressRange: { start: '198.18.0.0', end: '198.18.0.9' } }), refuses('InvalidIPAddress', /DhcpStartAddress/));
  await assert.rejects(setPxeSettings(store, { bootFolder: 'ipxe' }), refuses('InvalidBootFolder', /absolute/));
  await assert.rejects(setPxeSettings(store, { bootImage: 'WinPE' }), refuses('BootImageNotFound', /none yet/));
  assert.deepEqual(store.read().dp.pxe, before);
});

test('the boot image is named by name or id, from the boot images the site records', async (t) => {
  const store = await tempSite(t);
  await store.ensureExists();
  await makeBootImage(store, 'BOOT0001', 'Lab boot');
  assert.equal((await setPxeSettings(store, { bootImage: 'lab BOOT' })).bootImageId, 'BOOT0001');
  assert.equal((await setPxeSettings(store, { bootImage: 'boot0001' })).bootImageId, 'BOOT0001');
  // A folder the site does not record is not a boot image.
  await mkdir(join(store.home, 'boot', 'BOOT0002'));
  await assert.rejects(setPxeSettings(store, { bootImage: 'BOOT0002' }), refuses('BootImageNotFound', /Lab boot/));
});

test('PXE gets only deployments available to PXE; a required one that ran boots the disk until cleared', async (t) => {
  const store = await tempSite(t);
  const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 0, minutes)).toISOString();
  await store.update((site) => {
    site.devices.push({ id: 'DEV00001', name: 'pc-01', mac: '52:54:00:00:00:01' });
    site.collections.push({ id: 'COL00001', name: 'Lab', description: '', memberIds: ['DEV00001'] });
    site.taskSequences.push({ id: 'TS00001', name: 'Image', steps: [{ type: 'Verify' }] });
    const deployment = { taskSequenceId: 'TS00001', collectionId: 'COL00001', option: 'DownloadWhenNeeded', availableAfter: null, expiresAt: null } as const;
    site.deployments.push({ ...deployment, id: 'DEP00001', availability: 'Clients', purpose: 'Required', createdAt: at(0) });
  });
  const device = () => store.read().devices[0]!;
  const decide = () => pxeDecision(store.read(), device(), new Date(at(100)));
  assert.equal(decide().action, 'localboot', 'a deployment to clients only is not for PXE');
  await store.update((site) => {
    site.deployments.push({ ...site.deployments[0]!, id: 'DEP00002', availability: 'MediaAndPxe', purpose: 'Available', createdAt: at(1) });
  });
  assert.deepEqual([decide().action, (decide() as { assignment: { deployment: { id: string } } }).assignment.deployment.id], ['prompt', 'DEP00002']);
  await store.update((site) => {
    site.deployments.push({ ...site.deployments[0]!, id: 'DEP00003', availability: 'ClientsMediaAndPxe', purpose: 'Required', createdAt: at(2) });
  });
  assert.equal(decide().action, 'deploy');
  await store.update((site) => site.deploymentStatus.push({ deploymentId: 'DEP00003', deviceId: 'DEV00001', state: 'InProgress', step: 1, message: '', updatedAt: at(3) }));
  assert.equal(decide().action, 'deploy', 'an interrupted run is run again');
  await store.update((site) => (site.deploymentStatus[0]!.state = 'Succeeded'));
  assert.equal(decide().action, 'prompt', 'the required one ran; the available one is still offered');
  await store.update((site) => (site.deployments = site.deployments.filter((deployment) => deployment.id !== 'DEP00002')));
  assert.equal(decide().action, 'localboot');
  await clearPxeDeployments(store, ['52-54-00-00-00-01']);
  assert.equal(decide().action, 'deploy', 'cleared: it runs again');
  await assert.rejects(clearPxeDeployments(store, ['pc-99']), refuses('DeviceNotFound', /pc-99/));
});
