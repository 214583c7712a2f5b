// The site database (issue 19) on a real PostgreSQL server started for this file: concurrent
// writers, live updates, a failed change, the server restarting, `mcshell site migrate` and a
// shell on a site database. The suites that exercise the store also run on it as a whole
// (`npm run test:postgres`).
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../../../src/engine/errors.js';
import { FileSiteStore } from '../../../src/engine/site/file-store.js';
import { SITE_SCHEMA_VERSION, type SiteState } from '../../../src/engine/site/model.js';
import { PostgresSiteStore } from '../../../src/engine/site/postgres/store.js';
import type { SiteKind } from '../../../src/engine/site/store.js';
import { freshDatabase, startPostgres, type PostgresServer } from '../../postgres/server.js';
import { storedSite } from '../../postgres/test-site.js';

const worker = fileURLToPath(new URL('./store-worker.js', import.meta.url));
const bin = fileURLToPath(new URL('../../../../bin/mcshell.js', import.meta.url));

let server: PostgresServer;
before(() => {
  server = startPostgres();
});
after(() => server.remove());

/** A fresh database and a local state folder, and a store open on them (closed after the test). */
async function site(t: TestContext): Promise<{ url: string; home: string; open(): Promise<PostgresSiteStore> }> {
  const url = await freshDatabase(server.url);
  const home = await mkdtemp(join(tmpdir(), 'mcshell-pg-home-'));
  const stores: PostgresSiteStore[] = [];
  t.after(async () => {
    for (const store of stores) await store.close();
    await rm(home, { recursive: true, force: true });
  });
  return {
    url,
    home,
    open: async () => {
      const store = await PostgresSiteStore.open(url, home);
      stores.push(store);
      return store;
    },
  };
}

/** The next change of `kinds` that `store` hears of. */
function nextChange(store: PostgresSiteStore, kinds: SiteKind[]): Promise<SiteState> {
  return new Promise((resolve) => {
    const stop = store.onChange(kinds, (site) => {
      stop();
      resolve(site);
    });
  });
}

const device = (id: string) => ({ id, name: id, mac: null });

test('a new site database reads as an empty site until its first change creates it', async (t) => {
  const { open } = await site(t);
  const store = await open();
  assert.equal(store.read().schemaVersion, SITE_SCHEMA_VERSION);
  assert.deepEqual(store.read().devices, []);
  assert.equal(await storedSite(store), '[]');
  await store.ensureExists();
  assert.notEqual(await storedSite(store), '[]');
  assert.deepEqual((await open()).read(), store.read());
});

test('four processes adding devices to one site database at once lose no change', async (t) => {
  const { url, home, open } = await site(t);
  const codes = await Promise.all(
    [0, 1, 2, 3].map(
      (n) =>
        new Promise<number | null>((resolve, reject) => {
          const child = spawn(process.execPath, [worker, 'add', url, '10', `w${n}`], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, MCSHELL_HOME: home } });
          child.on('error', reject);
          child.on('exit', resolve);
        }),
    ),
  );
  assert.deepEqual(codes, [0, 0, 0, 0]);
  const devices = (await open()).read().devices.map((record) => record.id);
  assert.equal(new Set(devices).size, 40, `${40 - new Set(devices).size} change(s) lost`);
  // Each writer's devices stay in the order it added them.
  assert.deepEqual(devices.filter((id) => id.startsWith('w2-')), Array.from({ length: 10 }, (_, i) => `w2-${i}`));
});

test("another store's replica follows a change through NOTIFY; its listener hears which parts changed", async (t) => {
  const { open } = await site(t);
  const [shell, dp] = [await open(), await open()];
  await shell.ensureExists();
  await nextChange(dp, ['devices']);
  const heard: SiteKind[][] = [];
  dp.onChange(['devices', 'collections', 'dp'], (_site, changed) => heard.push([...changed]));
  const seen = nextChange(dp, ['devices']);
  await shell.update((draft) => void draft.devices.push(device('pc-1')));
  assert.deepEqual((await seen).devices.map((record) => record.id), ['pc-1']);
  assert.equal(dp.read(), await seen, 'read() gives the snapshot the listener got');
  const collections = nextChange(dp, ['collections']);
  await shell.update((draft) => void draft.collections.push({ id: 'COL00001', name: 'Lab', description: '', memberIds: ['pc-1'] }));
  await collections;
  assert.deepEqual(heard, [['devices'], ['collections']]);
  // The second store's own change builds on what it caught up with.
  await dp.update((draft) => void draft.devices.push(device('pc-2')));
  assert.deepEqual(dp.read().devices.map((record) => record.id), ['pc-1', 'pc-2']);
});

test('a failed change leaves the database and the replicas as they were', async (t) => {
  const { open } = await site(t);
  const store = await open();
  await store.update((draft) => void draft.devices.push(device('pc-1'), device('pc-2')));
  const saved = await storedSite(store);
  const snapshot = store.read();
  await assert.rejects(
    store.update((draft) => {
      draft.devices.pop();
      draft.collections.push({ id: 'COL00001', name: 'Lab', description: '', memberIds: ['pc-2'] });
    }),
    (error: unknown) => error instanceof EngineError && error.id === 'SiteStoreInvalid' && /member pc-2 that is not a device/.test(error.message),
  );
  await assert.rejects(
    store.update((draft) => {
      draft.devices[0]!.name = 'renamed';
      throw new Error('the change gave up');
    }),
    /the change gave up/,
  );
  await assert.rejects(store.update((draft) => void (draft.dp.maximumClients = -1)), (error: unknown) => error instanceof EngineError && error.id === 'SiteStoreInvalid');
  assert.equal(await storedSite(store), saved);
  assert.equal(store.read(), snapshot);
  assert.deepEqual((await open()).read(), snapshot);
});

test('lists keep their order through any change: a record added first or a list reordered reads back so', async (t) => {
  const { open } = await site(t);
  const store = await open();
  await store.update((draft) => void draft.devices.push(device('b'), device('c')));
  await store.update((draft) => void draft.devices.unshift(device('a')));
  await store.update((draft) => void draft.devices.splice(1, 1));
  assert.deepEqual(store.read().devices.map((record) => record.id), ['a', 'c']);
  assert.deepEqual((await open()).read().devices.map((record) => record.id), ['a', 'c']);
  await store.update((draft) => void draft.devices.reverse());
  assert.deepEqual((await open()).read().devices.map((record) => record.id), ['c', 'a']);
});

test('PostgreSQL restarting mid-use: a change waits and goes through, nothing is lost, and replicas catch up after reconnecting', async (t) => {
  const { open } = await site(t);
  const [shell, dp] = [await open(), await open()];
  await shell.update((draft) => void draft.devices.push(device('before')));
  await nextChange(dp, ['devices']).then(() => undefined, () => undefined);
  server.stop();
  // A change made while the server is down waits for it.
  const during = shell.update((draft) => void draft.devices.push(device('during')));
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    server.start();
  }
  await during;
  // The DP's listening connection died with the server: it reconnects and catches up.
  const caughtUp = dp.read().devices.some((record) => record.id === 'during') ? dp.read() : await nextChange(dp, ['devices']);
  assert.deepEqual(caughtUp.devices.map((record) => record.id), ['before', 'during']);
  await dp.update((draft) => void draft.devices.push(device('after')));
  assert.deepEqual((await open()).read().devices.map((record) => record.id), ['before', 'during', 'after']);
});

test('a site database that stays unreachable fails a change with an error naming it, without its password, after the retry limit; reads go on', async (t) => {
  const { url, home, open } = await site(t);
  await (await open()).update((draft) => void draft.devices.push(device('pc-1')));
  const withPassword = url.replace('postgres@', 'postgres:secret@');
  const store = await PostgresSiteStore.open(withPassword, home, { retryMs: 1_000 });
  t.after(() => store.close());
  assert.doesNotMatch(store.location, /secret/);
  server.stop();
  try {
    await assert.rejects(
      store.update((draft) => void draft.devices.push(device('pc-2'))),
      (error: unknown) => error instanceof EngineError && error.id === 'SiteDatabaseUnreachable' && error.message.includes(store.location) && !error.message.includes('secret'),
    );
    assert.deepEqual(store.read().devices.map((record) => record.id), ['pc-1']);
  } finally {
    server.start();
  }
});

test('mcshell site migrate copies a file site into the database and verifies it; into a database that holds a site, it refuses', async (t) => {
  const { url, home, open } = await site(t);
  const file = await FileSiteStore.open(home);
  await file.update((draft) => {
    draft.devices.push(device('pc-1'), device('pc-2'));
    draft.collections.push({ id: 'COL00001', name: 'Lab', description: 'two', memberIds: ['pc-1', 'pc-2'] });
    draft.taskSequences.push({ id: 'TS00001', name: 'Verify', steps: [{ type: 'Verify' }] });
    draft.deployments.push({ id: 'DEP00001', taskSequenceId: 'TS00001', collectionId: 'COL00001', option: 'DownloadWhenNeeded', availability: 'Clients', purpose: 'Required', availableAfter: null, expiresAt: null, createdAt: new Date().toISOString() });
    draft.deploymentStatus.push({ deploymentId: 'DEP00001', deviceId: 'pc-1', state: 'Succeeded', step: 1, message: '', updatedAt: new Date().toISOString() });
    draft.lastSessionNumber = 7;
    draft.dp.maximumClients = 42;
  });
  const migrate = () => spawnSync(process.execPath, [bin, 'site', 'migrate', '--from', home, '--to', url], { encoding: 'utf8' });
  const first = migrate();
  assert.equal(first.status, 0, first.stderr);
  const report = JSON.parse(first.stdout) as { verified: boolean; records: Record<string, number> };
  assert.equal(report.verified, true);
  assert.equal(report.records.devices, 2);
  assert.equal(report.records.deploymentStatus, 1);
  const { revision: _revision, ...copied } = file.read();
  assert.deepEqual((await open()).read(), copied);
  const again = migrate();
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already holds a site; copy into an empty database/);
});

test('a shell on a site database: cmdlets of one process see what another saved, and the process exits when done', async (t) => {
  const { url, home } = await site(t);
  const shell = (script: string) => spawnSync(process.execPath, [bin, '-c', script], { encoding: 'utf8', env: { ...process.env, MCSHELL_SITE: url, MCSHELL_HOME: home }, timeout: 60_000 });
  const made = shell('New-DeviceCollection Lab -Description first | ForEach-Object Id');
  assert.equal(made.status, 0, made.stderr);
  const listed = shell('Get-DeviceCollection | ForEach-Object Name');
  assert.equal(listed.status, 0, listed.stderr);
  assert.deepEqual(listed.stdout.trim().split('\n').map((line) => JSON.parse(line)), ['All Unknown Computers', 'Lab']);
  const upgrade = spawnSync(process.execPath, [bin, 'site', 'upgrade', '--site', url], { encoding: 'utf8' });
  assert.equal(upgrade.status, 0, upgrade.stderr);
  assert.equal((JSON.parse(upgrade.stdout) as { schemaVersion: number }).schemaVersion, SITE_SCHEMA_VERSION);
});

test("a DP's status reports (putRecord) touch one row: other replicas follow, order and checks hold, a bad record is refused", async (t) => {
  const { open } = await site(t);
  const [dp, shell] = [await open(), await open()];
  await dp.update((draft) => void draft.devices.push(device('pc-1'), device('pc-2')));
  const status = (deviceId: string, step: number) => ({ deploymentId: 'DEP00001', deviceId, state: 'InProgress' as const, step, message: '', updatedAt: new Date().toISOString() });
  await dp.putRecord('deploymentStatus', status('pc-1', 1));
  await dp.putRecord('deploymentStatus', status('pc-2', 1));
  const seen = nextChange(shell, ['deploymentStatus']);
  await dp.putRecord('deploymentStatus', status('pc-1', 2));
  assert.deepEqual(dp.read().deploymentStatus.map((entry) => [entry.deviceId, entry.step]), [['pc-1', 2], ['pc-2', 1]]);
  const followed = (await seen).deploymentStatus.length === 2 && shell.read().deploymentStatus[0]!.step === 2 ? shell.read() : await nextChange(shell, ['deploymentStatus']);
  assert.deepEqual(followed.deploymentStatus, dp.read().deploymentStatus);
  const saved = await storedSite(dp);
  await assert.rejects(dp.putRecord('deploymentStatus', { ...status('pc-2', 5), state: 'Sleeping' } as never), (error: unknown) => error instanceof EngineError && error.id === 'SiteStoreInvalid' && /deploymentStatus\/state/.test(error.message));
  await assert.rejects(
    dp.putRecord('deploymentStatus', status('pc-2', 5), () => {
      throw new Error('not deployed to pc-2');
    }),
    /not deployed to pc-2/,
  );
  assert.equal(await storedSite(dp), saved);
  assert.deepEqual((await open()).read(), dp.read());
});
