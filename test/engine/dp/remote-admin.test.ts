// Remote administration (issue 19): an admin shell reaches the site's DPs over their pinned HTTPS
// control endpoints with an admin key. Three DPs of one file-store site: DP-EAST in this process,
// DP-WEST a `mcshell serve` process (killed mid-watch), DP-SOUTH stopped before anyone asks.
// Until a DP's local home is apart from the site (the site-store part), they share the site home;
// the in-process ones keep their admin sockets away from dp.sock, so the admin shell (`mcshell -c`,
// the real binary) reaches DP-WEST's socket without -DistributionPoint and every DP over HTTPS with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DPService } from '../../../src/engine/dp/service.js';
import type { RefusalEvent } from '../../../src/engine/dp/control.js';
import { newAdminCredential } from '../../../src/engine/site/admin-credentials.js';
import { enrollDevices, makeLab, rawRequest } from './fixtures.js';

const bin = fileURLToPath(new URL('../../../../bin/mcshell.js', import.meta.url));

interface Run {
  status: number;
  stdout: string;
  stderr: string;
  /** stdout as JSON lines (objects piped out of `mcshell -c`); none for formatted text. */
  objects: Record<string, unknown>[];
}

/** `mcshell -c command` on the site; `key` is the admin key, or the environment that says where it is. */
function mcshell(site: string, key: string | Record<string, string>, command: string): Promise<Run> {
  const env = { ...process.env, ...(typeof key === 'string' ? { MCSHELL_ADMIN_KEY: key } : key) };
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, '--site', site, '-c', command], { encoding: 'utf8', timeout: 60_000, env }, (error, stdout, stderr) => {
      const lines = stdout.trim() ? stdout.trim().split('\n') : [];
      const objects = lines.every((line) => line.startsWith('{')) ? lines.map((line) => JSON.parse(line) as Record<string, unknown>) : [];
      resolve({ status: typeof error?.code === 'number' ? error.code : error ? -1 : 0, stdout, stderr, objects });
    });
  });
}

/** `mcshell serve` of the site on a free port: the process and its control endpoint. */
function serve(site: string, name: string): Promise<{ process: ReturnType<typeof spawn>; endpoint: string; fingerprint: string }> {
  const child = spawn(process.execPath, [bin, 'serve', '--site', site, '--name', name, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as { event: string; port?: number; fingerprint?: string };
      if (event.event === 'listening') resolve({ process: child, endpoint: `127.0.0.1:${event.port}`, fingerprint: event.fingerprint! });
    });
    child.once('exit', (code) => reject(new Error(`mcshell serve exited ${code}`)));
  });
}

test('an admin shell lists, watches, disconnects from and stops the sessions of several DPs; a bad or revoked key is refused', async (t) => {
  // Scheduled sessions that wait for five clients (or ten minutes): they stay open while the test acts on them.
  const lab = await makeLab({ devices: 3, dp: { scheduled: { enabled: true, startDelayMinutes: 10, minimumSessionSize: 5 } } });
  const { store } = lab;
  const site = store.home;
  const refusals: RefusalEvent[] = [];
  const east = new DPService(store, { name: 'DP-EAST', port: 0, adminSocket: join(lab.dir, 'east.sock'), onRefused: (event) => refusals.push(event) });
  const south = new DPService(store, { name: 'DP-SOUTH', port: 0, adminSocket: join(lab.dir, 'south.sock') });
  await east.start();
  await south.start();
  t.after(() => east.stop());
  const west = await serve(site, 'DP-WEST');
  t.after(() => void west.process.kill('SIGKILL'));
  // Each DP registered itself. DP-SOUTH then dies without a word: its record still says Online (a
  // fresh heartbeat, as just before a crash), but nothing answers.
  await south.stop();
  await store.update((site) => void (site.distributionPoints.find((dp) => dp.name === 'DP-SOUTH')!.lastHeartbeatAt = new Date().toISOString()));

  const credentials = await enrollDevices(store, east.endpoint, lab.devices);
  const ask = (endpoint: string, device: string) =>
    rawRequest(endpoint, 'POST', '/v1/content', { credential: credentials.get(device)!.credential, body: JSON.stringify({ deploymentId: 'DEP001', imageId: lab.image.id }) });
  for (const [endpoint, device] of [[east.endpoint, 'lab-01'], [east.endpoint, 'lab-02'], [west.endpoint, 'lab-03']] as const) assert.equal((await ask(endpoint, device)).status, 200);
  const [eastSession] = east.sessions.list();
  // The admin's key, in a file only its owner reads.
  const keyFile = join(lab.dir, 'alice.key');
  assert.equal((await mcshell(site, '', `New-AdminCredential alice -OutFile ${keyFile}`)).status, 0);
  assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
  const key = (await readFile(keyFile, 'utf8')).trim();
  // Without -DistributionPoint the shell uses the DP of its machine's site home, as before: DP-WEST's socket.
  const local = await mcshell(site, '', 'Get-MulticastSession');
  assert.equal(local.objects.length, 1, local.stderr);
  assert.equal(local.objects[0]!.DistributionPoint, undefined);
  const westSession = local.objects[0]!.Id as string;

  // Every Online DP's sessions, each tagged with its DP; the silent DP is a warning, not a failure.
  const listed = await mcshell(site, { MCSHELL_ADMIN_KEY_FILE: keyFile }, 'Get-MulticastSession -DistributionPoint *');
  assert.equal(listed.status, 0, listed.stderr);
  assert.deepEqual(
    listed.objects.map((session) => [session.DistributionPoint, session.Id, session.Clients]).sort(),
    [
      ['DP-EAST', eastSession!.id, 2],
      ['DP-WEST', westSession, 1],
    ],
  );
  assert.match(listed.stderr, /The distribution point at DP-SOUTH \(127\.0\.0\.1:\d+\) does not answer \(connect ECONNREFUSED/);
  // As a table, the DP comes first.
  const table = (await mcshell(site, key, 'Get-MulticastSession -DistributionPoint DP-EAST | Out-String')).stdout;
  assert.match(table, /^DistributionPoint +Id +State +Image/m);
  assert.match(table, new RegExp(`^DP-EAST +${eastSession!.id} +Waiting +Win11`, 'm'));
  const clients = await mcshell(site, key, 'Get-MulticastClient -DistributionPoint DP-W*');
  assert.deepEqual(clients.objects.map((client) => [client.DistributionPoint, client.Name]), [['DP-WEST', 'lab-03']]);

  const disconnected = await mcshell(site, key, `Disconnect-MulticastClient -SessionId ${eastSession!.id} lab-01 -DistributionPoint * -Confirm:$false -PassThru`);
  assert.equal(disconnected.status, 0, disconnected.stderr);
  assert.equal(east.sessions.get(eastSession!.id).clients.get('DEV001')?.state, 'Disconnected');

  const stopped = await mcshell(site, key, `Stop-MulticastSession ${westSession} -DistributionPoint DP-WEST -Force -PassThru`);
  assert.equal(stopped.status, 0, stopped.stderr);
  assert.deepEqual([stopped.objects[0]?.State, stopped.objects[0]?.DistributionPoint], ['Stopped', 'DP-WEST']);
  assert.equal((await mcshell(site, '', 'Get-MulticastSession')).objects.find((session) => session.Id === westSession)?.State, 'Stopped');

  // A watch of both DPs follows their event streams; the interval is long, so only events end its
  // waits. DP-EAST's session is stopped and DP-WEST is killed: the watch ends, showing DP-WEST's
  // session as last seen, Failed, with the reason.
  assert.equal((await ask(west.endpoint, 'lab-03')).status, 200);
  const westNext = (await mcshell(site, '', 'Get-MulticastSession')).objects.find((session) => session.State === 'Waiting')!.Id as string;
  const feeds = () => east.sessions.listenerCount('ended');
  const before = feeds();
  const watch = spawn(process.execPath, [bin, '--site', site, '-c', `Watch-MulticastSession ${eastSession!.id},${westNext} -DistributionPoint * -Interval 60`], { env: { ...process.env, MCSHELL_ADMIN_KEY: key }, stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => void watch.kill('SIGKILL'));
  const watched: Record<string, unknown>[] = [];
  createInterface({ input: watch.stdout! }).on('line', (line) => watched.push(JSON.parse(line) as Record<string, unknown>));
  const exited = new Promise<number | null>((resolve) => watch.once('exit', resolve));
  while (feeds() === before) await new Promise((resolve) => setTimeout(resolve, 50));
  west.process.kill('SIGKILL');
  await east.stopSession(eastSession!.id);
  assert.equal(await exited, 0);
  assert.deepEqual(watched.map((session) => [session.DistributionPoint, session.Id, session.State]).sort(), [
    ['DP-EAST', eastSession!.id, 'Stopped'],
    ['DP-WEST', westNext, 'Failed'],
  ]);
  assert.match(String(watched.find((session) => session.Id === westNext)?.Status), /^DP-WEST stopped answering at .*; last seen Waiting$/);

  // Starting an image's session on every DP: one on each that answers.
  const started = await mcshell(site, key, 'Start-MulticastSession Win11 -DistributionPoint * -Confirm:$false');
  assert.equal(started.status, 0, started.stderr);
  assert.deepEqual(started.objects.map((session) => session.DistributionPoint), ['DP-EAST']);
  assert.ok(east.sessions.list().some((own) => own.id === started.objects[0]!.Id && own.manualStart));
  assert.match(started.stderr, /DP-WEST .* does not answer/);

  // A key the site does not know, then alice's once revoked: the DP refuses it.
  const forged = await mcshell(site, `ADM00001.${'A'.repeat(43)}`, 'Get-MulticastSession -DistributionPoint DP-EAST');
  assert.notEqual(forged.status, 0);
  assert.match(forged.stderr, /AdminCredentialRefused/);
  assert.equal((await mcshell(site, '', 'Revoke-AdminCredential alice -Force')).status, 0);
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
  await store.update((site) => void site.distributionPoints.push({ ...store.read().distributionPoints.find((dp) => dp.name === 'DP-EAST')!, name: 'DP-IMPOSTOR', certificateFingerprint: 'f'.repeat(64) }));
  const impostor = await mcshell(site, key, 'Get-MulticastSession -DistributionPoint DP-IMPOSTOR');
  assert.match(impostor.stderr, /CertificateMismatch/);
  assert.equal(refusals.length, 2, 'the DP saw no request');
});
