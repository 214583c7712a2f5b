import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestSite, storedSite } from '../../postgres/test-site.js';
import { EngineError } from '../../../src/engine/errors.js';
import { importImage, setImageMulticast } from '../../../src/engine/content/library.js';
import { addCollectionMember, newCollection, removeCollectionMember } from '../../../src/engine/deploy/collections.js';
import { newTaskSequence } from '../../../src/engine/deploy/task-sequences.js';
import { newDeployment, removeDeployment } from '../../../src/engine/deploy/deployments.js';
import { applyDPChange } from '../../../src/engine/site/dp-settings.js';
import { defaultDPSettings } from '../../../src/engine/site/model.js';
import { assignmentsFor, normalizeMac } from '../../../src/engine/deploy/targeting.js';

const fails = (id: string) => (error: unknown) => error instanceof EngineError && error.id === id;

async function site(t: { after(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-ops-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = await openTestSite(join(dir, 'site'));
  await writeFile(join(dir, 'os.img'), 'image bytes');
  const image = await importImage(store, { path: join(dir, 'os.img'), name: 'Win11' });
  await newCollection(store, { name: 'Lab' });
  return { store, image };
}

test('MAC addresses are normalised from the usual spellings and junk is rejected', () => {
  assert.equal(normalizeMac('00-11-22-AA-bb-CC'), '00:11:22:aa:bb:cc');
  assert.equal(normalizeMac('0011.22aa.bbcc'), '00:11:22:aa:bb:cc');
  assert.equal(normalizeMac('001122aabbcc'), '00:11:22:aa:bb:cc');
  assert.equal(normalizeMac('00:11:22:aa:bb'), null);
  assert.equal(normalizeMac('zz:11:22:aa:bb:cc'), null);
});

test('members: new devices are created, known ones reused, contradictions refused without changes', async (t) => {
  const { store } = await site(t);
  const first = await addCollectionMember(store, 'Lab', { name: 'pc-1', mac: '00-11-22-33-44-01' });
  assert.deepEqual(first, { id: 'DEV00001', name: 'pc-1', mac: '00:11:22:33:44:01' });
  assert.equal((await addCollectionMember(store, 'lab', { mac: '001122334401' })).id, 'DEV00001', 'the same MAC is the same device');
  await addCollectionMember(store, 'Lab', { name: 'pc-2' });
  const before = await storedSite(store);
  await assert.rejects(addCollectionMember(store, 'Lab', { name: 'pc-2', mac: '00:11:22:33:44:01' }), fails('DeviceConflict'));
  await assert.rejects(addCollectionMember(store, 'Lab', {}), fails('MemberNotIdentified'));
  await assert.rejects(addCollectionMember(store, 'Nope', { name: 'pc-3' }), fails('CollectionNotFound'));
  assert.equal(await storedSite(store), before);
  assert.equal((await removeCollectionMember(store, 'Lab', '00:11:22:33:44:01')).name, 'pc-1');
  assert.deepEqual(store.read().collections.find((collection) => collection.name === 'Lab')!.memberIds, ['DEV00002']);
  assert.equal(store.read().devices.length, 2, 'the device stays known to the site');
});

test('task sequences: steps are validated and images resolved by name', async (t) => {
  const { store, image } = await site(t);
  const sequence = await newTaskSequence(store, { name: 'TS', steps: [{ type: 'ApplyImage', image: 'win11', target: '/dev/sda' }, { type: 'Verify' }, { type: 'RunCommand', command: 'sync' }] });
  assert.deepEqual(sequence.steps, [{ type: 'ApplyImage', imageId: image.id, target: '/dev/sda' }, { type: 'Verify' }, { type: 'RunCommand', command: 'sync' }]);
  await assert.rejects(newTaskSequence(store, { name: 'Bad', steps: [{ type: 'Verify' }] }), fails('VerifyBeforeApply'));
  await assert.rejects(newTaskSequence(store, { name: 'Bad', steps: [] }), fails('EmptyTaskSequence'));
  await assert.rejects(newTaskSequence(store, { name: 'Bad', steps: [{ type: 'ApplyImage', image: 'win11', target: ' ' }] }), fails('MissingTarget'));
  await assert.rejects(newTaskSequence(store, { name: 'ts', steps: [{ type: 'Verify' }] }), fails('TaskSequenceExists'));
});

test("ConfigMgr's rule both ways: multicast-only images need DownloadWhenNeeded deployments", async (t) => {
  const { store } = await site(t);
  await newTaskSequence(store, { name: 'TS', steps: [{ type: 'ApplyImage', image: 'Win11', target: '/dev/sda' }] });
  const base = { taskSequence: 'TS', collection: 'Lab', availability: 'Clients', purpose: 'Required' } as const;
  const direct = await newDeployment(store, { ...base, option: 'AccessDirectly' });
  await assert.rejects(setImageMulticast(store, 'Win11', { multicastOnly: true }), fails('MulticastOnlyNeedsDownload'));
  await removeDeployment(store, direct.id);
  await setImageMulticast(store, 'Win11', { multicastOnly: true });
  await assert.rejects(newDeployment(store, { ...base, option: 'DownloadAllFirst' }), fails('MulticastOnlyNeedsDownload'));
  assert.equal((await newDeployment(store, { ...base, option: 'DownloadWhenNeeded' })).option, 'DownloadWhenNeeded');
  await assert.rejects(setImageMulticast(store, 'Win11', { allow: false }), fails('MulticastOnlyNeedsMulticast'));
});

test('deployment windows: not before AvailableAfter, not from ExpiresAt; required before available', async (t) => {
  const { store } = await site(t);
  const device = await addCollectionMember(store, 'Lab', { name: 'pc-1' });
  await newTaskSequence(store, { name: 'TS', steps: [{ type: 'ApplyImage', image: 'Win11', target: '/dev/sda' }] });
  const base = { taskSequence: 'TS', collection: 'Lab', availability: 'Clients', option: 'DownloadWhenNeeded' } as const;
  const now = new Date('2026-11-24T12:00:00Z');
  const available = await newDeployment(store, { ...base, purpose: 'Available' });
  const required = await newDeployment(store, { ...base, purpose: 'Required' });
  await newDeployment(store, { ...base, purpose: 'Required', availableAfter: new Date('2026-12-01T00:00:00Z') });
  await newDeployment(store, { ...base, purpose: 'Required', expiresAt: new Date('2026-11-01T00:00:00Z') });
  await newDeployment(store, { ...base, purpose: 'Required', availability: 'MediaAndPxe' });
  assert.deepEqual(assignmentsFor(store.read(), device.id, now).map((a) => a.deployment.id), [required.id, available.id]);
  await assert.rejects(newDeployment(store, { ...base, purpose: 'Required', availableAfter: now, expiresAt: now }), fails('InvalidSchedule'));
});

test('DP changes merge into the current settings and are validated as a whole', () => {
  const ranged = applyDPChange(defaultDPSettings(), { addressRange: { start: '239.1.1.1', end: '239.1.1.9' }, scheduled: { enabled: true, minimumSessionSize: 5 } });
  assert.deepEqual(ranged.addressRange, { start: '239.1.1.1', end: '239.1.1.9' });
  assert.deepEqual(ranged.scheduled, { enabled: true, startDelayMinutes: 0, minimumSessionSize: 5 });
  assert.deepEqual(applyDPChange(ranged, { addressRange: { end: '239.1.1.20' } }).addressRange, { start: '239.1.1.1', end: '239.1.1.20' }, 'one end can change alone');
  assert.equal(applyDPChange(ranged, { addressRange: null }).addressRange, null);
  assert.throws(() => applyDPChange(ranged, { maximumClients: 4 }), fails('ValueOutOfRange'), 'the minimum session size (5) may not exceed the client limit');
});
