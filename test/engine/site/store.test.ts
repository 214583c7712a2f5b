import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, rm, access } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SiteStore, resolveSiteHome } from '../../../src/engine/site/store.js';
import { EngineError } from '../../../src/engine/errors.js';
import { SITE_SCHEMA_VERSION } from '../../../src/engine/site/model.js';

const worker = fileURLToPath(new URL('./store-worker.js', import.meta.url));

async function tempHome(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'mcshell-site-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  return home;
}

function runWorker(args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

test('a new site starts empty, at the current schema version, serving on loopback with multicast off', async (t) => {
  const store = await SiteStore.open(await tempHome(t));
  const site = store.read();
  assert.equal(site.schemaVersion, SITE_SCHEMA_VERSION);
  assert.equal(site.dp.interface, 'lo');
  assert.equal(site.dp.enabled, false);
  assert.deepEqual(site.dp.portRange, { start: 63000, end: 64000 });
  assert.deepEqual(site.images, []);
});

test('a version 1 store (before client enrollment) is migrated: its data kept, no token and no client enrolled', async (t) => {
  const home = await tempHome(t);
  const current = await SiteStore.open(home);
  const { enrollmentTokens: _tokens, enrolledClients: _clients, ...version1 } = { ...current.read(), schemaVersion: 1 };
  version1.devices = [{ id: 'DEV00001', name: 'lab-01', mac: null }];
  await writeFile(current.path, JSON.stringify(version1));
  const migrated = (await SiteStore.open(home)).read();
  assert.equal(migrated.schemaVersion, SITE_SCHEMA_VERSION);
  assert.deepEqual(migrated.devices, version1.devices);
  assert.deepEqual([migrated.enrollmentTokens, migrated.enrolledClients], [[], []]);
});

test('a change is saved and seen by a store opened later', async (t) => {
  const home = await tempHome(t);
  const store = await SiteStore.open(home);
  const returned = await store.update((site) => {
    site.dp.enabled = true;
    site.devices.push({ id: 'd1', name: 'lab-01', mac: '00:11:22:33:44:55' });
    return site.devices.length;
  });
  assert.equal(returned, 1);
  const reopened = await SiteStore.open(home);
  assert.equal(reopened.read().dp.enabled, true);
  assert.deepEqual(reopened.read().devices, [{ id: 'd1', name: 'lab-01', mac: '00:11:22:33:44:55' }]);
});

test('a change that throws leaves the store file byte for byte as it was', async (t) => {
  const store = await SiteStore.open(await tempHome(t));
  await store.update((site) => void site.devices.push({ id: 'd1', name: 'keep', mac: null }));
  const before = await readFile(store.path, 'utf8');
  await assert.rejects(
    store.update((site) => {
      site.devices.length = 0;
      throw new Error('validation failed halfway');
    }),
    /validation failed halfway/,
  );
  assert.equal(await readFile(store.path, 'utf8'), before);
  await access(join(store.home, 'site.lock')).then(
    () => assert.fail('the lock must be released after a failed change'),
    () => undefined,
  );
});

test('a change that breaks the schema is refused with SiteStoreInvalid and nothing is written', async (t) => {
  const store = await SiteStore.open(await tempHome(t));
  await store.ensureExists();
  const before = await readFile(store.path, 'utf8');
  await assert.rejects(
    store.update((site) => {
      site.images.push({
        id: 'i1', name: 'win11', version: '1', description: '', file: 'i1.img', sizeBytes: 10,
        sha256: 'not-a-hash', importedAt: new Date().toISOString(),
        multicast: { allow: true, encrypt: false, multicastOnly: false },
      });
    }),
    (error: unknown) => error instanceof EngineError && error.id === 'SiteStoreInvalid' && /sha256/.test(error.message),
  );
  assert.equal(await readFile(store.path, 'utf8'), before);
});

test('a store written by a newer schema version is refused, not overwritten', async (t) => {
  const home = await tempHome(t);
  const store = await SiteStore.open(home);
  const newer = { ...store.read(), schemaVersion: 99 };
  await writeFile(store.path, JSON.stringify(newer));
  await assert.rejects(SiteStore.open(home), (error: unknown) => error instanceof EngineError && error.id === 'SiteStoreTooNew');
  assert.equal(JSON.parse(await readFile(store.path, 'utf8')).schemaVersion, 99);
});

test('a store that is not JSON is reported and left for the admin to recover', async (t) => {
  const home = await tempHome(t);
  const store = await SiteStore.open(home);
  await writeFile(store.path, '{"schemaVersion": 1, "dp": ');
  await assert.rejects(SiteStore.open(home), (error: unknown) => error instanceof EngineError && error.id === 'SiteStoreUnreadable');
  assert.equal(await readFile(store.path, 'utf8'), '{"schemaVersion": 1, "dp": ');
});

test('two processes changing one site at the same time lose none of each other\'s changes', async (t) => {
  const home = await tempHome(t);
  await SiteStore.open(home);
  const codes = await Promise.all([runWorker(['add', home, '150', 'a']), runWorker(['add', home, '150', 'b'])]);
  assert.deepEqual(codes, [0, 0]);
  const devices = (await SiteStore.open(home)).read().devices.map((device) => device.id);
  assert.equal(devices.length, 300);
  assert.equal(new Set(devices).size, 300);
});

test('a process killed in the middle of a change leaves the store intact and its lock is recovered', async (t) => {
  const home = await tempHome(t);
  const store = await SiteStore.open(home);
  await store.update((site) => void site.devices.push({ id: 'd1', name: 'before', mac: null }));
  const before = await readFile(store.path, 'utf8');
  const child = spawn(process.execPath, [worker, 'hang', home], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => void child.kill('SIGKILL'));
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  await access(join(home, 'site.lock'));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(await readFile(store.path, 'utf8'), before);
  await store.update((site) => void site.devices.push({ id: 'd2', name: 'after', mac: null }));
  assert.deepEqual(store.read().devices.map((device) => device.id), ['d1', 'd2']);
});

test('a stale lock of a dead process is taken over by one process only: four processes racing for it lose no change, in 25 trials', async (t) => {
  const home = await tempHome(t);
  const store = await SiteStore.open(home);
  await store.ensureExists();
  const exited = spawn(process.execPath, ['-e', '']);
  const deadPid = exited.pid!;
  await new Promise((resolve) => exited.once('exit', resolve));
  for (let trial = 0; trial < 25; trial++) {
    // What `kill -9` of a shell in the middle of a change leaves: a lock naming a dead process.
    await writeFile(join(home, 'site.lock'), `${deadPid} 12345 stale${trial}\n`);
    const codes = await Promise.all([0, 1, 2, 3].map((worker) => runWorker(['add', home, '3', `t${trial}w${worker}`])));
    assert.deepEqual(codes, [0, 0, 0, 0]);
    const devices = store.read().devices.map((device) => device.id);
    assert.equal(new Set(devices).size, (trial + 1) * 12, `trial ${trial}: ${(trial + 1) * 12 - new Set(devices).size} change(s) lost`);
  }
});

test('the site home comes from --site, then MCSHELL_HOME, then the user config directory', () => {
  assert.equal(resolveSiteHome({ site: '/srv/site', env: { MCSHELL_HOME: '/x' } }), '/srv/site');
  assert.equal(resolveSiteHome({ env: { MCSHELL_HOME: '/x' } }), '/x');
  assert.equal(resolveSiteHome({ env: { XDG_CONFIG_HOME: '/cfg' } }), '/cfg/mcshell');
});

test('a store file deleted while in use is reported as missing, not read as an empty site', async (t) => {
  const store = await SiteStore.open(await tempHome(t));
  await store.ensureExists();
  await rm(store.path);
  assert.throws(() => store.read(), (error: unknown) => error instanceof EngineError && error.id === 'SiteStoreMissing');
  await assert.rejects(store.update(() => undefined), (error: unknown) => error instanceof EngineError && error.id === 'SiteStoreMissing');
});
