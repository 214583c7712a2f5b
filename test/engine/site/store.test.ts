import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, rm, access, chmod, readdir, rename, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSiteStore } from '../../../src/engine/site/file-store.js';
import { resolveSite, resolveSiteHome } from '../../../src/engine/site/store.js';
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

/** A site made by a child process under `umask`: a change, an imported image and the site identity. */
async function siteMadeUnder(t: { after(fn: () => Promise<void>): void }, umask: string): Promise<string> {
  const dir = await tempHome(t);
  const home = join(dir, 'site');
  const image = join(dir, 'source.img');
  await writeFile(image, randomBytes(4096));
  assert.equal(await runWorker(['umask', home, umask, image]), 0);
  return home;
}

test('a new site starts empty, at the current schema version, serving on loopback with multicast off', async (t) => {
  const store = await FileSiteStore.open(await tempHome(t));
  const site = store.read();
  assert.equal(site.schemaVersion, SITE_SCHEMA_VERSION);
  assert.equal(site.dp.interface, 'lo');
  assert.equal(site.dp.enabled, false);
  assert.deepEqual(site.dp.portRange, { start: 63000, end: 64000 });
  assert.deepEqual(site.images, []);
});

test('a version 1 store (before client enrollment) is migrated: its data kept, no token and no client enrolled', async (t) => {
  const home = await tempHome(t);
  const current = await FileSiteStore.open(home);
  const { enrollmentTokens: _tokens, enrolledClients: _clients, ...version1 } = { ...current.read(), schemaVersion: 1 };
  version1.devices = [{ id: 'DEV00001', name: 'lab-01', mac: null }];
  await writeFile(current.path, JSON.stringify(version1));
  const migrated = (await FileSiteStore.open(home)).read();
  assert.equal(migrated.schemaVersion, SITE_SCHEMA_VERSION);
  assert.deepEqual(migrated.devices, version1.devices);
  assert.deepEqual([migrated.enrollmentTokens, migrated.enrolledClients], [[], []]);
});

test('a change is saved and seen by a store opened later', async (t) => {
  const home = await tempHome(t);
  const store = await FileSiteStore.open(home);
  const returned = await store.update((site) => {
    site.dp.enabled = true;
    site.devices.push({ id: 'd1', name: 'lab-01', mac: '00:11:22:33:44:55' });
    return site.devices.length;
  });
  assert.equal(returned, 1);
  const reopened = await FileSiteStore.open(home);
  assert.equal(reopened.read().dp.enabled, true);
  assert.deepEqual(reopened.read().devices, [{ id: 'd1', name: 'lab-01', mac: '00:11:22:33:44:55' }]);
});

test('a change that throws leaves the store file byte for byte as it was', async (t) => {
  const store = await FileSiteStore.open(await tempHome(t));
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
  const store = await FileSiteStore.open(await tempHome(t));
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
  const store = await FileSiteStore.open(home);
  const newer = { ...store.read(), schemaVersion: 99 };
  await writeFile(store.path, JSON.stringify(newer));
  await assert.rejects(FileSiteStore.open(home), (error: unknown) => error instanceof EngineError && error.id === 'SiteStoreTooNew');
  assert.equal(JSON.parse(await readFile(store.path, 'utf8')).schemaVersion, 99);
});

test('a store that is not JSON is reported and left for the admin to recover', async (t) => {
  const home = await tempHome(t);
  const store = await FileSiteStore.open(home);
  await writeFile(store.path, '{"schemaVersion": 1, "dp": ');
  await assert.rejects(FileSiteStore.open(home), (error: unknown) => error instanceof EngineError && error.id === 'SiteStoreUnreadable');
  assert.equal(await readFile(store.path, 'utf8'), '{"schemaVersion": 1, "dp": ');
});

test('two processes changing one site at the same time lose none of each other\'s changes', async (t) => {
  const home = await tempHome(t);
  await FileSiteStore.open(home);
  const codes = await Promise.all([runWorker(['add', home, '150', 'a']), runWorker(['add', home, '150', 'b'])]);
  assert.deepEqual(codes, [0, 0]);
  const devices = (await FileSiteStore.open(home)).read().devices.map((device) => device.id);
  assert.equal(devices.length, 300);
  assert.equal(new Set(devices).size, 300);
});

test('a process killed in the middle of a change leaves the store intact and its lock is recovered', async (t) => {
  const home = await tempHome(t);
  const store = await FileSiteStore.open(home);
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
  const store = await FileSiteStore.open(home);
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

test('the site home comes from --site, then MCSHELL_SITE, then MCSHELL_HOME, then the user config directory', () => {
  assert.equal(resolveSiteHome({ site: '/srv/site', env: { MCSHELL_HOME: '/x' } }), '/srv/site');
  assert.equal(resolveSiteHome({ env: { MCSHELL_SITE: '/srv/other', MCSHELL_HOME: '/x' } }), '/srv/other');
  assert.equal(resolveSiteHome({ env: { MCSHELL_HOME: '/x' } }), '/x');
  assert.equal(resolveSiteHome({ env: { XDG_CONFIG_HOME: '/cfg' } }), '/cfg/mcshell');
});

test('a site database URL names the site; the local state folder then comes from MCSHELL_HOME or the config directory', () => {
  const url = 'postgres://mcshell@db.example/site';
  assert.equal(resolveSite({ site: url, env: { MCSHELL_SITE: '/srv/other' } }), url);
  assert.equal(resolveSite({ env: { MCSHELL_SITE: url, MCSHELL_HOME: '/x' } }), url);
  assert.equal(resolveSite({ env: { MCSHELL_HOME: '/x' } }), '/x');
  assert.equal(resolveSiteHome({ site: url, env: { MCSHELL_HOME: '/x' } }), '/x');
  assert.equal(resolveSiteHome({ env: { MCSHELL_SITE: url, XDG_CONFIG_HOME: '/cfg' } }), '/cfg/mcshell');
});

test('a store file deleted while in use is reported as missing, not read as an empty site', async (t) => {
  const store = await FileSiteStore.open(await tempHome(t));
  await store.ensureExists();
  await rm(store.path);
  assert.throws(() => store.read(), (error: unknown) => error instanceof EngineError && error.id === 'SiteStoreMissing');
  await assert.rejects(store.update(() => undefined), (error: unknown) => error instanceof EngineError && error.id === 'SiteStoreMissing');
});

test('a site made under umask 000 or 022 is the owner\'s only: home and content 0700, store, images and keys 0600', async (t) => {
  for (const umask of ['000', '022']) {
    const home = await siteMadeUnder(t, umask);
    const mode = async (path: string) => (await stat(join(home, path))).mode & 0o777;
    const images = (await readdir(join(home, 'content'))).filter((name) => name.endsWith('.img'));
    assert.equal(images.length, 1);
    assert.deepEqual(
      { home: await mode('.'), content: await mode('content'), store: await mode('site.json'), image: await mode(join('content', images[0]!)), identity: await mode('identity'), key: await mode('identity/tls-key.pem'), signing: await mode('identity/signing-key.pem') },
      { home: 0o700, content: 0o700, store: 0o600, image: 0o400, identity: 0o700, key: 0o600, signing: 0o600 },
      `under umask ${umask}`,
    );
  }
});

test('a site left open to others by an older mcshell is made the owner\'s only when its owner opens it', async (t) => {
  const home = await siteMadeUnder(t, '022');
  const [imageFile] = (await readdir(join(home, 'content'))).filter((name) => name.endsWith('.img'));
  const paths = { home, content: join(home, 'content'), store: join(home, 'site.json'), image: join(home, 'content', imageFile!) };
  for (const path of Object.values(paths)) await chmod(path, (await stat(path)).isDirectory() ? 0o777 : 0o666);
  await FileSiteStore.open(home);
  const modes = Object.fromEntries(await Promise.all(Object.entries(paths).map(async ([name, path]) => [name, (await stat(path)).mode & 0o777])));
  assert.deepEqual(modes, { home: 0o700, content: 0o700, store: 0o600, image: 0o400 });
});

test('opening a site that does not exist, and reading it, creates nothing; its first change creates it', async (t) => {
  const dir = await tempHome(t);
  const home = join(dir, 'config', 'mcshell');
  const store = await FileSiteStore.open(home);
  assert.deepEqual(store.read().devices, []);
  assert.deepEqual(await readdir(dir), []);
  await store.update((site) => void site.devices.push({ id: 'DEV00001', name: 'lab-01', mac: null }));
  assert.deepEqual((await readdir(home)).sort(), ['content', 'site.json']);
});

test('a snapshot is kept until the file changes: the same object while unchanged, the other process\'s change once it is saved', async (t) => {
  const home = await tempHome(t);
  const store = await FileSiteStore.open(home);
  await store.ensureExists();
  const first = store.read();
  assert.equal(store.read(), first);
  assert.ok(Object.isFrozen(first.devices), 'a shared snapshot cannot be changed by mistake');
  // Two saves of the same size in quick succession: the cache must see each.
  for (const prefix of ['a', 'b']) {
    assert.equal(await runWorker(['add', home, '1', prefix]), 0);
    assert.deepEqual(store.read().devices.map((device) => device.id).at(-1), `${prefix}-0`);
  }
  assert.notEqual(store.read(), first);
});

test('a change that leaves a collection member that is no device, or two devices with one id, is refused and nothing is written', async (t) => {
  const store = await FileSiteStore.open(await tempHome(t));
  await store.update((site) => {
    site.devices.push({ id: 'DEV00001', name: 'lab-01', mac: null });
    site.collections.push({ id: 'COL00001', name: 'Lab', description: '', memberIds: ['DEV00001'] });
  });
  const before = await readFile(store.path, 'utf8');
  const invalid = (pattern: RegExp) => (error: unknown) => error instanceof EngineError && error.id === 'SiteStoreInvalid' && pattern.test(error.message);
  await assert.rejects(
    store.update((site) => void site.collections.find((collection) => collection.id === 'COL00001')!.memberIds.push('DEV00404')),
    invalid(/collection Lab \(COL00001\) has a member DEV00404 that is not a device of the site/),
  );
  await assert.rejects(
    store.update((site) => void site.devices.push({ id: 'DEV00001', name: 'lab-02', mac: null })),
    invalid(/two devices have the id DEV00001/),
  );
  assert.equal(await readFile(store.path, 'utf8'), before);
});

test('a site whose site.json is gone but whose identity and images remain is refused, saying how to restore it or start anew', async (t) => {
  const home = await siteMadeUnder(t, '022');
  await rm(join(home, 'site.json'));
  await assert.rejects(
    FileSiteStore.open(home),
    (error: unknown) => error instanceof EngineError && error.id === 'SiteStoreMissing' && /identity\/.*1 image\(s\) in content\//.test(error.message) && /Restore site\.json from a backup/.test(error.message) && /move .* away \(or delete it\)/.test(error.message),
  );
  assert.deepEqual((await readdir(home)).sort(), ['content', 'identity'], 'nothing is created over the remains');
  // Starting anew, as the message says: the folder moved away.
  await rename(home, `${home}.old`);
  assert.deepEqual((await FileSiteStore.open(home)).read().images, []);
});

test('session history past the site\'s retention, and old status of expired deployments, are dropped on the next change', async (t) => {
  const store = await FileSiteStore.open(await tempHome(t));
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
  const session = (id: string, endedAt: string) => ({ id, imageId: 'IMG00001', group: '239.1.1.1', port: 63000, startedAt: endedAt, endedAt, state: 'Completed' as const, startReason: 'Manual', clients: [] });
  const status = (deploymentId: string, updatedAt: string) => ({ deploymentId, deviceId: 'DEV00001', state: 'Succeeded' as const, step: 1, message: '', updatedAt });
  await store.update((site) => {
    site.devices.push({ id: 'DEV00001', name: 'lab-01', mac: null });
    site.collections.push({ id: 'COL00001', name: 'Lab', description: '', memberIds: ['DEV00001'] });
    site.taskSequences.push({ id: 'TSQ00001', name: 'Verify', steps: [{ type: 'Verify' }] });
    const deployment = { taskSequenceId: 'TSQ00001', collectionId: 'COL00001', option: 'DownloadWhenNeeded', availability: 'Clients', purpose: 'Required', availableAfter: null, createdAt: daysAgo(60) } as const;
    site.deployments.push({ id: 'DEP00001', ...deployment, expiresAt: daysAgo(45) }, { id: 'DEP00002', ...deployment, expiresAt: null });
    site.deploymentStatus.push(status('DEP00001', daysAgo(50)), status('DEP00002', daysAgo(50)));
    site.sessionHistory.push(session('MC0001', daysAgo(40)), session('MC0002', daysAgo(29)), session('MC0003', daysAgo(1)));
  });
  const site = store.read();
  assert.equal(site.dp.historyRetentionDays, 30);
  assert.deepEqual(site.sessionHistory.map((record) => record.id), ['MC0002', 'MC0003']);
  assert.deepEqual(site.deploymentStatus.map((record) => record.deploymentId), ['DEP00002'], 'a deployment in force keeps its status');
  await store.update((draft) => void (draft.dp.historyRetentionDays = 7));
  assert.deepEqual(store.read().sessionHistory.map((record) => record.id), ['MC0003']);
});

test("onChange: a file site's listener hears its own process's changes and another process's, with the parts that changed", async (t) => {
  const home = await tempHome(t);
  const store = await FileSiteStore.open(home);
  await store.ensureExists();
  t.after(() => store.close());
  const heard: string[][] = [];
  let wake: () => void = () => undefined;
  store.onChange(['devices', 'dp'], (site, changed) => {
    heard.push([...changed, String(site.devices.length)]);
    wake();
  });
  await store.update((site) => void (site.dp.maximumClients = 7));
  assert.equal(await runWorker(['add', home, '1', 'other']), 0);
  // fs.watch tells of the other process's rename: wait for it.
  while (heard.length < 2) await new Promise<void>((resolve) => (wake = resolve));
  assert.deepEqual(heard, [['dp', '0'], ['devices', '1']]);
});
