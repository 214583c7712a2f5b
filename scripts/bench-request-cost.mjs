#!/usr/bin/env node
// What one control-endpoint request costs the DP, on sites of 10, 1,000 and 10,000 enrolled
// devices with 3,000 finished sessions in the history (issue 16 item 24): DP CPU milliseconds per
// request and requests per second, for
//   refused: a stranger's POST /v1/hello without a credential, at the default rate limit (after
//            its burst, 429; the connection closes after each, so every request is a new TLS handshake);
//   client:  an enrolled device's POST /v1/hello (its deployments), with the limit lifted.
// The DP runs in a child process (its CPU is what is measured); requests go over loopback in a
// private network namespace. `--root DIR` measures another checkout's build (e.g. before a change).
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensurePrivateNamespace } from './netns-guard.mjs';

const USAGE = `usage: node scripts/bench-request-cost.mjs [--root DIR] [--requests N] [--sizes 10,1000,10000] [--json]
  --root DIR     the mcshell checkout whose build (dist/) is measured (default: this one)
  --requests N   requests per case and size (default 300)
  --sizes LIST   enrolled devices per site (default 10,1000,10000); the history always holds 3,000 sessions
  --json         print the results as JSON`;

const HISTORY = 3000;
const CLIENTS_PER_SESSION = 10;

if (process.argv[2] === '--serve') await serve(process.argv[3], process.argv[4], Number(process.argv[5]));
else await main();

async function main() {
  const { values } = parseArgs({ options: { root: { type: 'string' }, requests: { type: 'string' }, sizes: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return console.log(USAGE);
  ensurePrivateNamespace(import.meta.url);
  const root = resolve(values.root ?? new URL('..', import.meta.url).pathname);
  const requests = Number(values.requests ?? 300);
  const sizes = (values.sizes ?? '10,1000,10000').split(',').map(Number);
  const results = [];
  for (const devices of sizes) {
    const home = mkdtempSync(join(tmpdir(), 'mcshell-bench-request-'));
    try {
      const { secret, bytes } = plantSite(home, devices);
      const refused = await measure(root, home, 20, requests, () => ({}));
      const client = await measure(root, home, 1e9, requests, () => ({ authorization: `Bearer CLI00001.${secret}` }));
      results.push({ devices, siteMiB: +(bytes / 2 ** 20).toFixed(1), refused, client });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }
  if (values.json) return console.log(JSON.stringify({ root, requests, history: HISTORY, results }, null, 2));
  console.log(`request cost of the DP in ${root} (${requests} requests per case; ${HISTORY} sessions in the history)`);
  console.log('devices  site MiB | refused: CPU ms/req  req/s  (statuses)          | client hello: CPU ms/req  req/s  (statuses)');
  for (const r of results) {
    const cell = (m) => `${m.cpuMsPerRequest.toFixed(2).padStart(8)} ${String(Math.round(m.requestsPerSecond)).padStart(6)}  ${JSON.stringify(m.statuses).padEnd(20)}`;
    console.log(`${String(r.devices).padStart(7)} ${String(r.siteMiB).padStart(9)} | ${cell(r.refused)} | ${cell(r.client)}`);
  }
}

/** A site at schema version 3 (read by the build before the change and migrated by the one after). */
function plantSite(home, devices) {
  const now = new Date().toISOString();
  const sha = 'ab'.repeat(32);
  const hash = (text) => createHash('sha256').update(text).digest('hex');
  const secret = randomBytes(32).toString('base64url');
  const ids = Array.from({ length: devices }, (_, i) => String(i + 1).padStart(5, '0'));
  const site = {
    schemaVersion: 3,
    dp: {
      enabled: false, interface: 'lo', addressRange: null, portRange: { start: 63000, end: 64000 }, maximumClients: 100, transferRateBps: null,
      scheduled: { enabled: false, startDelayMinutes: 0, minimumSessionSize: 1 },
      slowClients: { policy: 'None', thresholdBps: 0, unicastFallback: true, sustainSeconds: 10, streams: 2 },
    },
    images: [{ id: 'IMG00001', name: 'win11', version: '1.0', description: '', file: `${sha}.img`, sizeBytes: 1 << 20, sha256: sha, importedAt: now, multicast: { allow: true, encrypt: false, multicastOnly: false } }],
    devices: ids.map((id, i) => ({ id: `DEV${id}`, name: `lab-${i + 1}`, mac: `02:00:00:${hex(i >> 16)}:${hex(i >> 8)}:${hex(i)}` })),
    collections: [{ id: 'COL00001', name: 'lab', description: '', memberIds: ids.map((id) => `DEV${id}`) }],
    taskSequences: [{ id: 'TSQ00001', name: 'win11', steps: [{ type: 'ApplyImage', imageId: 'IMG00001', target: 'disk' }, { type: 'Verify' }] }],
    deployments: [{ id: 'DEP00001', taskSequenceId: 'TSQ00001', collectionId: 'COL00001', option: 'DownloadWhenNeeded', availability: 'Clients', purpose: 'Available', availableAfter: null, expiresAt: null, createdAt: now }],
    deploymentStatus: ids.map((id) => ({ deploymentId: 'DEP00001', deviceId: `DEV${id}`, state: 'Succeeded', step: 2, message: 'done', updatedAt: now })),
    sessionHistory: Array.from({ length: HISTORY }, (_, s) => ({
      id: `MC${String(s + 1).padStart(4, '0')}`, imageId: 'IMG00001', group: '239.1.1.1', port: 63000, startedAt: now, endedAt: now, state: 'Completed',
      clients: Array.from({ length: CLIENTS_PER_SESSION }, (_, c) => ({ id: `DEV${ids[(s * CLIENTS_PER_SESSION + c) % devices]}`, name: `lab-${c}`, state: 'Done', sha256: sha })),
    })),
    enrollmentTokens: [{ id: 'tok001', description: '', secretSha256: hash('unused'), createdAt: now, expiresAt: null, usesLeft: null, used: devices, revokedAt: null }],
    enrolledClients: ids.map((id, i) => ({ id: `CLI${id}`, deviceId: `DEV${id}`, secretSha256: hash(i === 0 ? secret : `other-${i}`), tokenId: 'tok001', enrolledAt: now })),
  };
  const text = `${JSON.stringify(site, null, '\t')}\n`;
  writeFileSync(join(home, 'site.json'), text);
  return { secret, bytes: Buffer.byteLength(text) };
}

function hex(n) {
  return (n & 255).toString(16).padStart(2, '0');
}

/** Starts a DP on the site, sends `count` requests one after another, and reads the DP's CPU time. */
async function measure(root, home, perSecond, count, headers) {
  const dp = fork(new URL(import.meta.url).pathname, ['--serve', root, home, String(perSecond)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { port } = await message(dp);
    const agent = new Agent({ keepAlive: true, rejectUnauthorized: false, maxSockets: 1 });
    // Warm-up: the first requests load code and read the site.
    for (let i = 0; i < 5; i++) await hello(agent, port, headers());
    dp.send('cpu');
    const before = await message(dp);
    const statuses = {};
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      const status = await hello(agent, port, headers());
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    dp.send('cpu');
    const after = await message(dp);
    agent.destroy();
    const cpuMs = (after.user + after.system - before.user - before.system) / 1000;
    return { cpuMsPerRequest: cpuMs / count, requestsPerSecond: count / seconds, statuses };
  } finally {
    dp.kill('SIGKILL');
  }
}

function hello(agent, port, headers) {
  return new Promise((resolveStatus, reject) => {
    const body = '{}';
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/hello', agent, headers: { 'content-type': 'application/json', 'content-length': body.length, ...headers } }, (response) => {
      response.resume();
      response.on('end', () => resolveStatus(response.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function message(child) {
  return new Promise((resolveMessage, reject) => {
    child.once('message', resolveMessage);
    child.once('exit', (code) => reject(new Error(`the DP exited with ${code}`)));
  });
}

/** Child: the DP of `root`'s build on the site at `home`, reporting its port and, when asked, its CPU time. */
async function serve(root, home, perSecond) {
  const { FileSiteStore } = await import(join(root, 'dist/src/engine/site/file-store.js'));
  const { DPService } = await import(join(root, 'dist/src/engine/dp/service.js'));
  const store = await FileSiteStore.open(home);
  const service = new DPService(store, { port: 0, interface: 'lo', requestsPerSecond: perSecond });
  const { port } = await service.start();
  process.on('message', () => process.send(process.cpuUsage()));
  process.send({ port });
}
