// Remote administration (issue 19): an admin shell reaches the site's DPs over their pinned HTTPS
// control endpoints with an admin key. Two real DPs and one that has stopped, all of one file-store
// site: until a DP's local home is apart from the site (the site-store part), they share the site
// home, each with its own admin socket away from dp.sock, so the admin shell (`mcshell -c`, the
// real binary) can reach them only over HTTPS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DPService } from '../../../src/engine/dp/service.js';
import type { RefusalEvent } from '../../../src/engine/dp/control.js';
import { newAdminCredential, revokeAdminCredential } from '../../../src/engine/site/admin-credentials.js';
import { siteIdentity } from '../../../src/engine/site/identity.js';
import { enrollDevices, makeLab, rawRequest } from './fixtures.js';

const bin = fileURLToPath(new URL('../../../../bin/mcshell.js', import.meta.url));

interface Run {
  status: number;
  stderr: string;
  objects: Record<string, unknown>[];
}

function mcshell(site: string, key: string, command: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, '--site', site, '-c', command], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, MCSHELL_ADMIN_KEY: key } }, (error, stdout, stderr) => {
      const objects = stdout.trim() ? stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>) : [];
      resolve({ status: typeof error?.code === 'number' ? error.code : error ? -1 : 0, stderr, objects });
    });
  });
}

test('an admin shell lists, watches, disconnects from and stops the sessions of several DPs; a bad or revoked key is refused', async (t) => {
  // Scheduled sessions that wait for five clients (or ten minutes): they stay open while the test acts on them.
  const lab = await makeLab({ devices: 3, dp: { scheduled: { enabled: true, startDelayMinutes: 10, minimumSessionSize: 5 } } });
  const { store } = lab;
  const refusals: RefusalEvent[] = [];
  const names = ['DP-EAST', 'DP-WEST', 'DP-SOUTH'];
  const dps = names.map((_, i) => new DPService(store, { port: 0, adminSocket: join(lab.dir, `dp-${i}.sock`), onRefused: (event) => refusals.push(event) }));
  for (const dp of dps) await dp.start();
  t.after(() => Promise.all(dps.map((dp) => dp.stop())));
  const [east, west, south] = dps as [DPService, DPService, DPService];
  // The DP records the fleet part writes when a DP registers and heartbeats.
  const { signingPublicKey } = await siteIdentity(store);
  const now = new Date().toISOString();
  const records = await Promise.all(
    dps.map(async (dp, i) => ({ name: names[i]!, description: '', controlEndpoint: dp.endpoint, certificateFingerprint: await dp.fingerprint(), signingPublicKey, interfaces: [], subnets: [], version: 'test', registeredAt: now, lastHeartbeatAt: now })),
  );
  await store.update((site) => void site.distributionPoints.push(...records));
  // DP-SOUTH stops without a word: its record still says Online, but nothing answers.
  await south.stop();

  const credentials = await enrollDevices(store, east.endpoint, lab.devices);
  const ask = (dp: DPService, device: string) =>
    rawRequest(dp.endpoint, 'POST', '/v1/content', { credential: credentials.get(device)!.credential, body: JSON.stringify({ deploymentId: 'DEP001', imageId: lab.image.id }) });
  for (const [dp, device] of [[east, 'lab-01'], [east, 'lab-02'], [west, 'lab-03']] as const) assert.equal((await ask(dp, device)).status, 200);
  const [eastSession] = east.sessions.list();
  const [westSession] = west.sessions.list();

  const { key } = await newAdminCredential(store, 'alice');
  const site = store.home;

  // Every Online DP's sessions, each tagged with its DP; the silent DP is a warning, not a failure.
  const listed = await mcshell(site, key, 'Get-MulticastSession -DistributionPoint *');
  assert.equal(listed.status, 0, listed.stderr);
  assert.deepEqual(
    listed.objects.map((session) => [session.DistributionPoint, session.Id, session.Clients]).sort(),
    [
      ['DP-EAST', eastSession!.id, 2],
      ['DP-WEST', westSession!.id, 1],
    ],
  );
  assert.match(listed.stderr, /The distribution point at DP-SOUTH \(127\.0\.0\.1:\d+\) does not answer \(connect ECONNREFUSED/);
  const clients = await mcshell(site, key, 'Get-MulticastClient -DistributionPoint DP-W*');
  assert.deepEqual(clients.objects.map((client) => [client.DistributionPoint, client.Name]), [['DP-WEST', 'lab-03']]);

  // Without -DistributionPoint the shell looks for a DP of its own machine's site home, as before: none there.
  assert.deepEqual((await mcshell(site, key, 'Get-MulticastSession')).objects, []);

  const disconnected = await mcshell(site, key, `Disconnect-MulticastClient -SessionId ${eastSession!.id} lab-01 -DistributionPoint * -Confirm:$false -PassThru`);
  assert.equal(disconnected.status, 0, disconnected.stderr);
  assert.equal(east.sessions.get(eastSession!.id).clients.get('DEV001')?.state, 'Disconnected');

  const stopped = await mcshell(site, key, `Stop-MulticastSession ${westSession!.id} -DistributionPoint DP-WEST -Force -PassThru`);
  assert.equal(stopped.status, 0, stopped.stderr);
  assert.deepEqual([stopped.objects[0]?.State, stopped.objects[0]?.DistributionPoint], ['Stopped', 'DP-WEST']);
  assert.equal(west.sessions.get(westSession!.id).state, 'Stopped');

  // A watch of both DPs follows their event streams: it ends when the sessions on both end. The
  // interval is long, so only the DPs' events end its waits.
  assert.equal((await ask(west, 'lab-03')).status, 200);
  const westNext = west.sessions.list().find((session) => session.state === 'Waiting')!;
  const feeds = () => east.sessions.listenerCount('ended') + west.sessions.listenerCount('ended');
  const before = feeds();
  const watch = spawn(process.execPath, [bin, '--site', site, '-c', `Watch-MulticastSession ${eastSession!.id},${westNext.id} -DistributionPoint * -Interval 60`], { env: { ...process.env, MCSHELL_ADMIN_KEY: key }, stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => void watch.kill('SIGKILL'));
  const watched: Record<string, unknown>[] = [];
  createInterface({ input: watch.stdout! }).on('line', (line) => watched.push(JSON.parse(line) as Record<string, unknown>));
  const exited = new Promise<number | null>((resolve) => watch.once('exit', resolve));
  while (feeds() < before + 2) await new Promise((resolve) => setTimeout(resolve, 50));
  await Promise.all([east.stopSession(eastSession!.id), west.stopSession(westNext.id)]);
  assert.equal(await exited, 0);
  assert.deepEqual(watched.map((session) => [session.DistributionPoint, session.State]).sort(), [
    ['DP-EAST', 'Stopped'],
    ['DP-WEST', 'Stopped'],
  ]);

  // Starting an image's session on every DP: one each.
  const started = await mcshell(site, key, 'Start-MulticastSession Win11 -DistributionPoint * -Confirm:$false');
  assert.equal(started.status, 0, started.stderr);
  assert.deepEqual(started.objects.map((session) => session.DistributionPoint).sort(), ['DP-EAST', 'DP-WEST']);
  for (const [dp, session] of [[east, started.objects.find((s) => s.DistributionPoint === 'DP-EAST')], [west, started.objects.find((s) => s.DistributionPoint === 'DP-WEST')]] as const) {
    assert.ok(dp.sessions.list().some((own) => own.id === session!.Id && own.manualStart), `${String(session!.Id)} runs on its DP`);
  }

  // A key the site does not know, then alice's once revoked: every DP refuses it.
  const forged = await mcshell(site, `ADM00001.${'A'.repeat(43)}`, 'Get-MulticastSession -DistributionPoint DP-EAST');
  assert.notEqual(forged.status, 0);
  assert.match(forged.stderr, /AdminCredentialRefused/);
  await revokeAdminCredential(store, 'alice');
  const revoked = await mcshell(site, key, 'Get-MulticastSession -DistributionPoint DP-EAST');
  assert.match(revoked.stderr, /AdminCredentialRefused/);
  assert.deepEqual(revoked.objects, []);
  assert.deepEqual(
    refusals.map((refusal) => [refusal.status, refusal.id, refusal.path]),
    [
      [401, 'AdminCredentialRefused', '/v1/admin/dp'],
      [401, 'AdminCredentialRefused', '/v1/admin/dp'],
    ],
  );

  // Failed attempts are limited per address (here one a second, bursts of two); an admin's own requests are not.
  const strict = new DPService(store, { port: 0, adminSocket: join(lab.dir, 'dp-strict.sock'), requestsPerSecond: 1 });
  await strict.start();
  t.after(() => strict.stop());
  const { key: bob } = await newAdminCredential(store, 'bob');
  const attempt = (credential: string) => Promise.all(Array.from({ length: 5 }, () => rawRequest(strict.endpoint, 'GET', '/v1/admin/sessions', { credential })));
  assert.ok((await attempt(`ADM00002.${'B'.repeat(43)}`)).some((answer) => answer.status === 429));
  assert.deepEqual((await attempt(bob)).map((answer) => answer.status), [200, 200, 200, 200, 200]);

  // A record whose fingerprint is not the DP's certificate: the shell sends nothing, so the
  // revoked key, which the DP would refuse and log, never reaches it.
  await store.update((site) => void site.distributionPoints.push({ ...records[0]!, name: 'DP-IMPOSTOR', certificateFingerprint: 'f'.repeat(64) }));
  const impostor = await mcshell(site, key, 'Get-MulticastSession -DistributionPoint DP-IMPOSTOR');
  assert.match(impostor.stderr, /CertificateMismatch/);
  assert.equal(refusals.length, 2, 'the DP saw no request');
});
