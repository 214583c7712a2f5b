// The fleet's rules on a real site store, with time driven explicitly: Online/Offline by the
// heartbeat, sessions of a silent DP marked failed (once), a restarted DP closing its own, per-DP
// settings, and removing a DP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SiteStore } from '../../../src/engine/site/store.js';
import { heartbeat, HEARTBEAT_TIMEOUT_MS, isOnline, register, removeDistributionPoint, settingsTarget, subnetOf, type Registration } from '../../../src/engine/site/distribution-points.js';
import { setDPSettings } from '../../../src/engine/site/dp-settings.js';
import { setPxeSettings } from '../../../src/engine/boot/settings.js';
import type { SiteState } from '../../../src/engine/site/model.js';

async function site(t: { after(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-fleet-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return SiteStore.open(join(dir, 'site'));
}

const dp = (name: string, address = '10.2.0.5/16'): Registration => ({ name, controlEndpoint: `${address.split('/')[0]}:8734`, certificateFingerprint: 'a'.repeat(64), signingPublicKey: 'PEM', interfaces: [{ name: 'eth0', addresses: [address] }], version: '0.1.0' });
// Times near now: history older than the site's retention would be dropped on the next change.
const start = Math.floor(Date.now() / 1000) * 1000;
const at = (seconds: number) => new Date(start + seconds * 1000);
const running = (id: string, distributionPoint: string) => ({ id, imageId: 'IMG00001', distributionPoint, group: '239.1.1.1', port: 63000, openedAt: at(0).toISOString() });

test('a DP is Online while its heartbeat is within the timeout, Offline after it; its silent sessions are marked failed once, by any DP', async (t) => {
  const store = await site(t);
  await store.update((s) => {
    register(s, dp('DP-EAST'), at(0));
    register(s, dp('DP-WEST', '10.3.0.5/16'), at(0));
    s.runningSessions = [running('MC0001', 'DP-WEST'), running('MC0002', 'DP-EAST')];
  });
  const record = (s: SiteState, name: string) => s.distributionPoints.find((candidate) => candidate.name === name)!;
  assert.deepEqual(record(store.read(), 'DP-WEST').subnets, ['10.3.0.0/16']);
  const timeout = HEARTBEAT_TIMEOUT_MS;
  assert.ok(isOnline(record(store.read(), 'DP-WEST'), at(0).getTime() + timeout, timeout));
  assert.ok(!isOnline(record(store.read(), 'DP-WEST'), at(0).getTime() + timeout + 1, timeout));
  // Within the timeout, DP-EAST's heartbeat closes nothing.
  assert.deepEqual(await store.update((s) => heartbeat(s, 'DP-EAST', new Date(at(0).getTime() + timeout), timeout)), []);
  // Past it, DP-EAST marks DP-WEST's session failed, and only that one; a second sweep finds nothing.
  const later = new Date(at(0).getTime() + timeout + 1000);
  assert.deepEqual(await store.update((s) => heartbeat(s, 'DP-EAST', later, timeout)), ['MC0001']);
  assert.deepEqual(await store.update((s) => heartbeat(s, 'DP-EAST', later, timeout)), []);
  const history = store.read().sessionHistory;
  assert.equal(history.length, 1);
  assert.deepEqual({ id: history[0]!.id, state: history[0]!.state, message: history[0]!.message, dp: history[0]!.distributionPoint }, { id: 'MC0001', state: 'Failed', message: 'distribution point DP-WEST stopped heartbeating', dp: 'DP-WEST' });
  assert.deepEqual(store.read().runningSessions!.map((r) => r.id), ['MC0002']);
});

test('a DP registering again keeps its description and settings, and closes its own sessions from before the restart but not those it runs now', async (t) => {
  const store = await site(t);
  await store.update((s) => void register(s, dp('DP-EAST'), at(0)));
  await setDPSettings(store, { maximumClients: 7 }, 'DP-EAST');
  await store.update((s) => {
    s.distributionPoints[0]!.description = 'East wing';
    s.runningSessions = [running('MC0001', 'DP-EAST'), running('MC0002', 'dp-east'), running('MC0003', 'DP-WEST')];
  });
  const closed = await store.update((s) => register(s, { ...dp('dp-east', '10.2.0.9/16'), controlEndpoint: '10.2.0.9:8734' }, at(5), new Set(['MC0002'])));
  assert.deepEqual(closed, ['MC0001']);
  const record = store.read().distributionPoints[0]!;
  assert.deepEqual({ name: record.name, description: record.description, endpoint: record.controlEndpoint, max: record.settings?.maximumClients, registeredAt: record.registeredAt }, { name: 'DP-EAST', description: 'East wing', endpoint: '10.2.0.9:8734', max: 7, registeredAt: at(0).toISOString() });
  assert.match(store.read().sessionHistory[0]!.message!, /interrupted: distribution point DP-EAST restarted/);
});

test('per-DP settings: -DistributionPoint names one, the default is the only DP or this host\'s, several without a local one must be named', async (t) => {
  const store = await site(t);
  // No DP yet: the site's defaults.
  await setDPSettings(store, { maximumClients: 50 });
  assert.equal(store.read().dp.maximumClients, 50);
  await store.update((s) => void register(s, dp('DP-EAST'), at(0)));
  // One DP: it is meant; it gets its own copy, the defaults stay.
  await setDPSettings(store, { maximumClients: 60 });
  assert.equal(store.read().distributionPoints[0]!.settings?.maximumClients, 60);
  assert.equal(store.read().dp.maximumClients, 50);
  await store.update((s) => void register(s, dp('DP-WEST', '10.3.0.5/16'), at(0)));
  await assert.rejects(setDPSettings(store, { maximumClients: 70 }), { id: 'DistributionPointRequired' });
  assert.equal(settingsTarget(store.read(), undefined, 'dp-west')?.name, 'DP-WEST');
  await setPxeSettings(store, { enabled: true }, 'DP-WEST');
  const [east, west] = store.read().distributionPoints;
  assert.deepEqual([east!.settings?.pxe.enabled, west!.settings?.pxe.enabled, west!.settings?.maximumClients, store.read().dp.pxe.enabled], [false, true, 50, false]);
  await assert.rejects(setDPSettings(store, { maximumClients: 5 }, 'DP-NORTH'), { id: 'DistributionPointNotFound' });
  // An invalid change is refused as a whole and leaves the DP's settings as they were.
  await assert.rejects(setDPSettings(store, { maximumClients: 0 }, 'DP-WEST'), { id: 'ValueOutOfRange' });
  assert.equal(store.read().distributionPoints[1]!.settings?.maximumClients, 50);
});

test('Remove-DistributionPoint: refused while Online unless forced; takes the DP out of boundary and DP groups, its content status and sessions', async (t) => {
  const store = await site(t);
  const now = new Date();
  await store.update((s) => {
    register(s, dp('DP-EAST'), now);
    register(s, dp('DP-WEST', '10.3.0.5/16'), now);
    s.images.push({ id: 'IMG00001', name: 'Win11', version: '', description: '', file: 'x.img', sizeBytes: 1, sha256: 'b'.repeat(64), importedAt: now.toISOString(), multicast: { allow: true, encrypt: false, multicastOnly: false } });
    s.boundaryGroups.push({ id: 'BG00001', name: 'East', description: '', boundaryIds: [], distributionPoints: ['DP-EAST', 'DP-WEST'] });
    s.distributionPointGroups.push({ id: 'DPG00001', name: 'All', description: '', distributionPoints: ['dp-east'] });
    s.contentDistributions.push({ imageId: 'IMG00001', distributionPoint: 'DP-EAST', state: 'Success', bytesDone: 1, message: '', sourceDistributionPoint: null, rateLimitBps: null, updatedAt: now.toISOString() });
    s.runningSessions = [running('MC0001', 'DP-EAST')];
  });
  const before = JSON.stringify(store.read());
  await assert.rejects(store.update((s) => removeDistributionPoint(s, 'DP-EAST', false)), { id: 'DistributionPointOnline' });
  assert.equal(JSON.stringify(store.read()), before);
  const removed = await store.update((s) => removeDistributionPoint(s, 'dp-east', true));
  assert.deepEqual({ boundaryGroups: removed.boundaryGroups, dpGroups: removed.distributionPointGroups, content: removed.contentStatuses, sessions: removed.closedSessions }, { boundaryGroups: ['East'], dpGroups: ['All'], content: 1, sessions: ['MC0001'] });
  const after = store.read();
  assert.deepEqual(after.distributionPoints.map((d) => d.name), ['DP-WEST']);
  assert.deepEqual(after.boundaryGroups[0]!.distributionPoints, ['DP-WEST']);
  assert.equal(after.sessionHistory[0]!.message, 'distribution point DP-EAST was removed from the site');
  // An Offline DP needs no -Force.
  await store.update((s) => void (s.distributionPoints[0]!.lastHeartbeatAt = null));
  await store.update((s) => removeDistributionPoint(s, 'DP-WEST', false));
  assert.equal(store.read().distributionPoints.length, 0);
  assert.equal(subnetOf('192.168.7.9/24'), '192.168.7.0/24');
});
