import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DPService } from '../../../src/engine/dp/service.js';
import { runClient } from '../../../src/engine/client/agent.js';
import { imagePath, importImage } from '../../../src/engine/content/library.js';
import { FileSiteStore } from '../../../src/engine/site/file-store.js';
import { enrollDevices, errorId, makeLab, rawRequest } from './fixtures.js';

const sha256Of = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

async function startDP(t: { after(fn: () => Promise<void>): void }, store: DPService['store']) {
  const dp = new DPService(store, { port: 0, joinWaitSeconds: 10 });
  const { host, port } = await dp.start();
  t.after(() => dp.stop());
  return { dp, server: `${host}:${port}` };
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('two images deployed at once run as two sessions on different groups and ports', async (t) => {
  const lab = await makeLab({ devices: 2 });
  const otherBytes = randomBytes(1024 * 1024 + 7);
  await writeFile(join(lab.dir, 'other.img'), otherBytes);
  const other = await importImage(lab.store, { path: join(lab.dir, 'other.img'), name: 'Server2022' });
  await lab.store.update((site) => {
    site.collections.push({ id: 'COL002', name: 'Servers', description: '', memberIds: ['DEV002'] });
    site.collections.find((collection) => collection.id === 'COL001')!.memberIds = ['DEV001'];
    site.taskSequences.push({ id: 'TS002', name: 'Image servers', steps: [{ type: 'ApplyImage', imageId: other.id, target: join(lab.dir, '{name}.img') }] });
    site.deployments.push({ id: 'DEP002', taskSequenceId: 'TS002', collectionId: 'COL002', option: 'DownloadWhenNeeded', availability: 'Clients', purpose: 'Required', availableAfter: null, expiresAt: null, createdAt: new Date().toISOString() });
  });
  const { dp, server } = await startDP(t, lab.store);
  const credentials = await enrollDevices(lab.store, server, lab.devices);
  const [first, second] = await Promise.all([runClient({ credential: credentials.get('lab-01')!, interface: 'lo' }), runClient({ credential: credentials.get('lab-02')!, interface: 'lo' })]);
  assert.equal(first.ok, true, first.message);
  assert.equal(second.ok, true, second.message);
  assert.equal(await sha256Of(lab.target('lab-01')), lab.sha256);
  assert.equal(await sha256Of(lab.target('lab-02')), createHash('sha256').update(otherBytes).digest('hex'));
  const sessions = dp.sessions.list();
  assert.equal(sessions.length, 2);
  assert.notEqual(sessions[0]!.channel.group, sessions[1]!.channel.group);
  assert.notEqual(sessions[0]!.channel.port, sessions[1]!.channel.port);
  assert.deepEqual(sessions.map((session) => session.state), ['Completed', 'Completed']);
});

test('sessions of two images opened at the same moment get different channels (neither waits for the other to be recorded)', async (t) => {
  // Scheduled: the sessions wait for clients that never come, so they stay open on their channels.
  const lab = await makeLab({ devices: 2, dp: { scheduled: { enabled: true, startDelayMinutes: 30, minimumSessionSize: 5 } } });
  await writeFile(join(lab.dir, 'other.img'), randomBytes(4096));
  const other = await importImage(lab.store, { path: join(lab.dir, 'other.img'), name: 'Server2022' });
  const { dp } = await startDP(t, lab.store);
  const [a, b] = await Promise.all([
    dp.sessions.request(lab.image, { deviceId: 'DEV001', name: 'lab-01', address: '127.0.0.1' }),
    dp.sessions.request(other, { deviceId: 'DEV002', name: 'lab-02', address: '127.0.0.1' }),
  ]);
  assert.notEqual(a!.id, b!.id);
  assert.notEqual(a!.channel.group, b!.channel.group);
  assert.notEqual(a!.channel.port, b!.channel.port);
});

test('beyond the maximum client count, clients get unicast when the image allows it and an error when it is multicast-only', async (t) => {
  const lab = await makeLab({ devices: 2, dp: { maximumClients: 1, scheduled: { enabled: true, startDelayMinutes: 30, minimumSessionSize: 1 } } });
  const { dp, server } = await startDP(t, lab.store);
  // Hold the one multicast place: a waiting request that has not started receiving.
  await lab.store.update((site) => void (site.dp.scheduled.minimumSessionSize = 1));
  const holder = await dp.sessions.request(lab.image, { deviceId: 'DEV001', name: 'lab-01', address: '127.0.0.1' });
  assert.ok(holder);
  const { credential } = (await enrollDevices(lab.store, server, [lab.devices[1]!])).get('lab-02')!;
  const ask = () => rawRequest(server, 'POST', '/v1/content', { credential, body: JSON.stringify({ deploymentId: 'DEP001', imageId: lab.image.id }) });
  const offer = JSON.parse((await ask()).body) as { mode: string; reason?: string };
  assert.equal(offer.mode, 'unicast');
  assert.match(offer.reason ?? '', /maximum of 1 multicast clients/);
  await lab.store.update((site) => void (site.images[0]!.multicast.multicastOnly = true));
  const refused = await ask();
  assert.equal(refused.status, 503);
  assert.equal(errorId(refused), 'DPAtMaximumClients');
});

for (const force of [false, true]) {
  test(`a client disconnected ${force ? 'with -Force ends its installation' : 'without -Force falls back to unicast and verifies'}`, async (t) => {
    const lab = await makeLab({ devices: 2, imageBytes: 8 * 1024 * 1024, dp: { transferRateBps: 16e6, scheduled: { enabled: true, startDelayMinutes: 30, minimumSessionSize: 2 } } });
    const { dp, server } = await startDP(t, lab.store);
    const credentials = await enrollDevices(lab.store, server, lab.devices);
    const clients = lab.devices.map((device) => runClient({ credential: credentials.get(device.name)!, interface: 'lo' }));
    await until(() => dp.sessions.list()[0]?.clients.get('DEV001')?.state === 'Receiving', 'lab-01 to report that it is receiving');
    const session = dp.sessions.list()[0]!;
    dp.sessions.disconnect(session.id, 'lab-01', force);
    const [disconnected, stayed] = await Promise.all(clients);
    assert.equal(stayed.ok, true, stayed.message);
    assert.equal(stayed.steps[0]!.mode, 'multicast');
    assert.equal(await sha256Of(lab.target('lab-02')), lab.sha256);
    if (force) {
      assert.equal(disconnected.ok, false);
      assert.match(disconnected.message, /disconnected by the administrator \(forced\)/);
      await assert.rejects(readFile(lab.target('lab-01')), /ENOENT/, 'no file that looks complete');
    } else {
      assert.equal(disconnected.ok, true, disconnected.message);
      assert.equal(disconnected.steps[0]!.mode, 'unicast');
      assert.match(disconnected.steps[0]!.message, /unicast after multicast ended: disconnected by the administrator/);
      assert.equal(await sha256Of(lab.target('lab-01')), lab.sha256);
      assert.deepEqual((await readdir(lab.dir)).filter((name) => name.startsWith('lab-01.img.')), [], 'no resume files are left beside the verified copy');
    }
    assert.equal(session.clients.get('DEV001')!.state, 'Disconnected');
  });
}

test('scheduled-cast starts on the delay rule when the delay has passed, without waiting for the minimum size', async (t) => {
  const lab = await makeLab({ devices: 3, dp: { scheduled: { enabled: true, startDelayMinutes: 0, minimumSessionSize: 3 } } });
  const { dp, server } = await startDP(t, lab.store);
  const credentials = await enrollDevices(lab.store, server, [lab.devices[0]!]);
  const result = await runClient({ credential: credentials.get('lab-01')!, interface: 'lo' });
  assert.equal(result.ok, true, result.message);
  const [session] = dp.sessions.list();
  assert.equal(session!.startReason, 'StartDelay');
  assert.equal(session!.clients.size, 1);
});

test('an image written to in the library while a session sends it: the session fails with the reason in the history, and so does the client', async (t) => {
  const lab = await makeLab({ devices: 1, imageBytes: 6_000_000, dp: { transferRateBps: 8_000_000 }, multicast: { multicastOnly: true } });
  const file = imagePath(lab.store, lab.image);
  assert.equal((await stat(file)).mode & 0o777, 0o400, 'images in the content library are read-only');
  const { dp, server } = await startDP(t, lab.store);
  const credentials = await enrollDevices(lab.store, server, lab.devices);
  // Once the transmission is under way, something writes into the image, in a block not sent yet.
  dp.sessions.on('progress', (session) => {
    if (session.progress!.blocksSent === 0 || session.progress!.blocksSent >= 3) return;
    dp.sessions.removeAllListeners('progress');
    const fd = openSync(file, 'r+');
    writeSync(fd, randomBytes(100_000), 0, 100_000, 5_000_000);
    closeSync(fd);
  });
  const result = await runClient({ credential: credentials.get('lab-01')!, interface: 'lo' });
  assert.equal(result.ok, false);
  assert.match(result.message, /the sender ended the session because its image was changed while it was sent/);
  await until(() => lab.store.read().sessionHistory.length === 1, 'the session in the history', 30_000);
  const [record] = lab.store.read().sessionHistory;
  assert.equal(record!.state, 'Failed');
  assert.match(record!.message ?? '', /the image .* was changed during the session .*: what is sent no longer matches its manifest, so the session was ended/);
});

test('session ids belong to the site: a new DP process goes on numbering, and the history keeps the id and why it started', async (t) => {
  const lab = await makeLab({ devices: 1 });
  const runSession = async () => {
    const dp = new DPService(lab.store, { port: 0, joinWaitSeconds: 30 });
    await dp.start();
    t.after(() => dp.stop());
    const session = await dp.sessions.startNow(lab.image);
    assert.equal(session.startReason, 'Manual');
    dp.sessions.stop(session.id);
    await dp.stop();
    return session.id;
  };
  assert.deepEqual([await runSession(), await runSession()], ['MC0001', 'MC0002']);
  const history = lab.store.read().sessionHistory.map(({ id, state, startReason }) => ({ id, state, startReason }));
  assert.deepEqual(history, [
    { id: 'MC0001', state: 'Stopped', startReason: 'Manual' },
    { id: 'MC0002', state: 'Stopped', startReason: 'Manual' },
  ]);
});

test('a version 3 site gets the session counter past its history and a start reason on each record', async () => {
  const lab = await makeLab({ devices: 1 });
  const { lastSessionNumber: _n, ...current } = lab.store.read();
  const old = { id: 'MC0001-1700000000000', imageId: lab.image.id, group: '239.255.0.1', port: 63000, startedAt: new Date().toISOString(), endedAt: new Date().toISOString(), state: 'Completed', clients: [] };
  await writeFile(join(lab.store.home, 'site.json'), JSON.stringify({ ...current, schemaVersion: 3, sessionHistory: [old, { ...old, id: 'MC0001-1700000009999' }] }));
  const migrated = (await FileSiteStore.open(lab.store.home)).read();
  assert.equal(migrated.lastSessionNumber, 2);
  assert.deepEqual(migrated.sessionHistory.map((record) => [record.id, record.startReason]), [['MC0001-1700000000000', null], ['MC0001-1700000009999', null]]);
});

test('a client whose receiver never hears its session (stopped before it was sent) learns from the DP that the session ended, and finishes by unicast', { timeout: 120_000 }, async (t) => {
  const lab = await makeLab({ devices: 1, imageBytes: 4 * 1024 * 1024, dp: { scheduled: { enabled: true, startDelayMinutes: 30, minimumSessionSize: 2 } } });
  const { dp, server } = await startDP(t, lab.store);
  const credentials = await enrollDevices(lab.store, server, lab.devices);
  const client = runClient({ credential: credentials.get('lab-01')!, interface: 'lo' });
  await until(() => dp.sessions.list()[0]?.clients.get('DEV001')?.state === 'Waiting', 'lab-01 to wait in the session');
  // Stopped while it waits: nothing is ever sent on its group, so its receiver hears no END.
  const session = dp.sessions.stop(dp.sessions.list()[0]!.id);
  const result = await client;
  assert.equal(result.ok, true, result.message);
  assert.equal(result.steps[0]!.mode, 'unicast');
  assert.match(result.steps[0]!.message, new RegExp(`unicast after multicast ended: multicast session ${session.id} ended \\(Stopped\\) before this client had the whole image \\(0%\\)`));
  assert.equal(await sha256Of(lab.target('lab-01')), lab.sha256);
});
