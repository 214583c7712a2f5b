#!/usr/bin/env node
// The site store at the size of issue 19 (10,000 devices, 200 collections, 1,000 deployments,
// 50,000 finished sessions in the history), on the file store and on the site database (a
// PostgreSQL server this script starts, as the tests do): how long a shell takes for
// `Get-Device | Measure-Object` and `Get-TSDeployment | Measure-Object` (a whole `mcshell -c`
// process: start, open the site, run), how long a store takes to open, and the CPU a DP spends in
// the store for what it writes per request: a client's status report (deploymentStatus), the end
// of a session (history record), as one-record writes (putRecord: the DP writes status reports
// so), and a status report as a whole update() for comparison. Runs in a private network namespace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensurePrivateNamespace } from './netns-guard.mjs';

const USAGE = `usage: node scripts/bench-site.mjs [--writes N] [--history N] [--json]
  --writes N    writes measured per kind (default 20)
  --history N   finished sessions in the history (default 50000)
  --json        print the results as JSON`;

const { values } = parseArgs({ options: { writes: { type: 'string' }, history: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
ensurePrivateNamespace(import.meta.url);
const root = resolve(new URL('..', import.meta.url).pathname);
const dist = (path) => join(root, 'dist', path);
const { FileSiteStore } = await import(dist('src/engine/site/file-store.js'));
const { PostgresSiteStore } = await import(dist('src/engine/site/postgres/store.js'));
const { emptySite } = await import(dist('src/engine/site/model.js'));
const { siteIndex } = await import(dist('src/engine/site/site-index.js'));
const { startPostgres, freshDatabase } = await import(dist('test/postgres/server.js'));

const SIZE = { devices: 10_000, collections: 200, deployments: 1_000, history: Number(values.history ?? 50_000) };
const writes = Number(values.writes ?? 20);

const site = plantSite();
const server = startPostgres();
const results = [];
try {
  for (const kind of ['file', 'postgres']) {
    const home = mkdtempSync(join(tmpdir(), 'mcshell-bench-site-'));
    try {
      let location = home;
      if (kind === 'file') writeFileSync(join(home, 'site.json'), JSON.stringify(site));
      else {
        location = await freshDatabase(server.url);
        const store = await PostgresSiteStore.open(location, home);
        await store.importSite(site);
        await store.close();
      }
      const open = () => (kind === 'file' ? FileSiteStore.open(home) : PostgresSiteStore.open(location, home));
      const openStarted = performance.now();
      const store = await open();
      const openMs = performance.now() - openStarted;
      const shell = (script) => {
        const started = performance.now();
        const run = spawnSync(process.execPath, [join(root, 'bin/mcshell.js'), '-c', script], { encoding: 'utf8', env: { ...process.env, MCSHELL_SITE: location, MCSHELL_HOME: home } });
        if (run.status !== 0) throw new Error(`${script}: ${run.stderr}`);
        return { ms: Math.round(performance.now() - started), count: JSON.parse(run.stdout.trim().split('\n')[0]).Count };
      };
      const devices = shell('Get-Device | Measure-Object');
      const deployments = shell('Get-TSDeployment | Measure-Object');
      const now = new Date().toISOString();
      const statusReport = await cpuPerCall(Math.min(writes, 5), (i) =>
        store.update((draft) => {
          const record = { deploymentId: 'DEP00001', deviceId: `DEV${pad(i + 1)}`, state: 'InProgress', step: 1, message: `step ${i}`, updatedAt: now };
          const index = draft.deploymentStatus.findIndex((entry) => entry.deploymentId === record.deploymentId && entry.deviceId === record.deviceId);
          if (index >= 0) draft.deploymentStatus[index] = record;
          else draft.deploymentStatus.push(record);
        }),
      );
      // One-record writes (the DP writes status reports so), then the same status report as a whole change.
      const statusRecord = (i) => ({ deploymentId: 'DEP00001', deviceId: `DEV${pad(i + 1)}`, state: 'InProgress', step: 2, message: `step ${i}`, updatedAt: now });
      const statusPut = await cpuPerCall(writes, (i) => store.putRecord('deploymentStatus', statusRecord(i)));
      // The DP's per-request read after such a write: the snapshot and its lookups by id.
      const lookupMs = [];
      for (let i = 0; i < writes; i++) {
        await store.putRecord('deploymentStatus', statusRecord(i + writes));
        const started = process.cpuUsage();
        siteIndex(store.read()).devices.get(`DEV${pad(i + 1)}`);
        lookupMs.push(cpuMs(started));
      }
      const historyRecord = await cpuPerCall(writes, (i) => store.putRecord('sessionHistory', history(SIZE.history + 1 + i, now)));
      const readStarted = process.cpuUsage();
      for (let i = 0; i < 1000; i++) store.read().devices.length;
      const readUs = cpuMs(readStarted) / 1000 * 1000;
      await store.close();
      results.push({ store: kind, openMs: Math.round(openMs), devices, deployments, readUsPerRequest: +readUs.toFixed(3), readAfterWriteMs: +(lookupMs.reduce((a, b) => a + b, 0) / lookupMs.length).toFixed(3), cpuMsPerWrite: { statusReport: statusPut, historyRecord, statusReportAsUpdate: statusReport } });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }
} finally {
  server.remove();
}

if (values.json) console.log(JSON.stringify({ size: SIZE, writes, results }, null, 2));
else {
  console.log(`site store at ${SIZE.devices} devices, ${SIZE.collections} collections, ${SIZE.deployments} deployments, ${SIZE.history} history records (${writes} writes per kind)`);
  console.log('store     open ms | Get-Device|Measure ms | Get-TSDeployment|Measure ms | read() µs | read after a write ms | CPU ms per write: status report (putRecord, as the DP writes it), a history record (putRecord) | status report as a whole update()');
  for (const r of results) {
    console.log(`${r.store.padEnd(8)} ${String(r.openMs).padStart(8)} | ${String(r.devices.ms).padStart(10)} (${r.devices.count}) | ${String(r.deployments.ms).padStart(12)} (${r.deployments.count}) | ${String(r.readUsPerRequest).padStart(9)} | ${String(r.readAfterWriteMs).padStart(8)} | ${r.cpuMsPerWrite.statusReport}, ${r.cpuMsPerWrite.historyRecord} | ${r.cpuMsPerWrite.statusReportAsUpdate}`);
  }
}

/** This process's CPU milliseconds per call of `call` (awaited one after another). */
async function cpuPerCall(count, call) {
  await call(count); // warm-up
  const started = process.cpuUsage();
  for (let i = 0; i < count; i++) await call(i);
  return +(cpuMs(started) / count).toFixed(2);
}

function cpuMs(since) {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
}

function pad(n) {
  return String(n).padStart(5, '0');
}

function history(n, time) {
  return { id: `MC${pad(n)}`, imageId: 'IMG00001', group: '239.1.1.1', port: 63000, startedAt: time, endedAt: time, state: 'Completed', startReason: 'AutoCast', clients: Array.from({ length: 4 }, (_, c) => ({ id: `DEV${pad(((n * 4 + c) % SIZE.devices) + 1)}`, name: `lab-${c}`, state: 'Done', sha256: 'ab'.repeat(32) })) };
}

/** A site of the size, at the current schema version. */
function plantSite() {
  const now = new Date().toISOString();
  const sha = 'ab'.repeat(32);
  const base = emptySite();
  const devices = Array.from({ length: SIZE.devices }, (_, i) => ({ id: `DEV${pad(i + 1)}`, name: `lab-${i + 1}`, mac: `02:00:00:${hex(i >> 16)}:${hex(i >> 8)}:${hex(i)}` }));
  const collections = Array.from({ length: SIZE.collections }, (_, c) => ({ id: `COL${pad(c + 1)}`, name: `lab ${c + 1}`, description: '', memberIds: devices.slice(c * 50, c * 50 + 50).map((device) => device.id) }));
  return {
    ...base,
    images: [{ id: 'IMG00001', name: 'win11', version: '1.0', description: '', file: `${sha}.img`, sizeBytes: 1 << 20, sha256: sha, importedAt: now, multicast: { allow: true, encrypt: false, multicastOnly: false } }],
    devices,
    collections: [...base.collections, ...collections],
    taskSequences: [{ id: 'TSQ00001', name: 'win11', steps: [{ type: 'ApplyImage', imageId: 'IMG00001', target: 'disk' }, { type: 'Verify' }] }],
    deployments: Array.from({ length: SIZE.deployments }, (_, d) => ({ id: `DEP${pad(d + 1)}`, taskSequenceId: 'TSQ00001', collectionId: `COL${pad((d % SIZE.collections) + 1)}`, option: 'DownloadWhenNeeded', availability: 'Clients', purpose: 'Available', availableAfter: null, expiresAt: null, createdAt: now })),
    deploymentStatus: devices.map((device) => ({ deploymentId: 'DEP00001', deviceId: device.id, state: 'Succeeded', step: 2, message: 'done', updatedAt: now })),
    sessionHistory: Array.from({ length: SIZE.history }, (_, s) => history(s + 1, now)),
    lastSessionNumber: SIZE.history,
  };
}

function hex(n) {
  return (n & 255).toString(16).padStart(2, '0');
}
