// The DP fleet with real DPs: a DPService registers what it is and heartbeats; a name another
// live DP holds is refused; a `mcshell serve --name` process killed mid-session has its session
// marked failed by another DP, and closes it itself when it restarts first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DPService } from '../../../src/engine/dp/service.js';
import { reachSiteDP } from '../../../src/engine/dp/admin-client.js';
import { siteIdentity } from '../../../src/engine/site/identity.js';
import { isOnline } from '../../../src/engine/site/distribution-points.js';
import { SiteStore } from '../../../src/engine/site/store.js';
import type { SiteState } from '../../../src/engine/site/model.js';
import { makeLab } from './fixtures.js';

// A short heartbeat (timeout 1.5 s) for this process and the DPs it starts.
process.env.MCSHELL_HEARTBEAT_SECONDS = '0.5';
const bin = fileURLToPath(new URL('../../../../bin/mcshell.js', import.meta.url));
const packageVersion = async () => (JSON.parse(await readFile(fileURLToPath(new URL('../../../../package.json', import.meta.url)), 'utf8')) as { version: string }).version;

/** Waits until `check` holds, reading the site again every 100 ms; fails after `seconds`. */
async function until<T>(what: string, check: () => T | undefined | false, seconds = 30): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const record = (site: SiteState, name: string) => site.distributionPoints.find((dp) => dp.name === name);

test('a DPService registers its name, endpoint, certificate, signing key, interface, subnets and version, heartbeats, and is Offline once stopped; a name a live DP holds is refused, a dead one is taken over', async (t) => {
  const dirs = [await mkdtemp(join(tmpdir(), 'mcshell-fleet-a-')), await mkdtemp(join(tmpdir(), 'mcshell-fleet-b-'))];
  t.after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
  const [storeA, storeB] = await Promise.all(dirs.map((dir) => SiteStore.open(join(dir, 'site'))));
  const east = new DPService(storeA!, { name: 'DP-EAST', port: 0 });
  t.after(() => east.stop());
  await east.start();
  assert.equal(east.name, 'DP-EAST');
  const registered = record(storeA!.read(), 'DP-EAST')!;
  assert.deepEqual(
    { ...registered, registeredAt: typeof registered.registeredAt, lastHeartbeatAt: typeof registered.lastHeartbeatAt },
    {
      name: 'DP-EAST',
      description: '',
      controlEndpoint: east.endpoint,
      certificateFingerprint: await east.fingerprint(),
      signingPublicKey: (await siteIdentity(storeA!)).signingPublicKey,
      interfaces: [{ name: 'lo', addresses: ['127.0.0.1/8'] }],
      subnets: ['127.0.0.0/8'],
      version: await packageVersion(),
      registeredAt: 'string',
      lastHeartbeatAt: 'string',
    },
  );
  await until('a heartbeat after the registration', () => record(storeA!.read(), 'DP-EAST')!.lastHeartbeatAt !== registered.lastHeartbeatAt);
  assert.ok(isOnline(record(storeA!.read(), 'DP-EAST')!));

  // Site B holds the same record (as a shared site database would): a second DP-EAST is refused while the first answers.
  await storeB!.update((site) => void site.distributionPoints.push(structuredClone(record(storeA!.read(), 'DP-EAST')!)));
  const second = new DPService(storeB!, { name: 'dp-east', port: 0 });
  t.after(() => second.stop());
  await assert.rejects(second.start(), (error: Error & { id?: string }) => error.id === 'DistributionPointNameInUse' && error.message.includes(east.endpoint));
  assert.equal(second.running, false);

  await east.stop();
  assert.equal(record(storeA!.read(), 'DP-EAST')!.lastHeartbeatAt, null, 'stopped cleanly: Offline at once');
  // Its endpoint no longer answers: the record (heartbeat still fresh in site B) is taken over.
  await second.start();
  assert.equal(record(storeB!.read(), 'DP-EAST')!.controlEndpoint, second.endpoint);
});

/** `mcshell serve --name <name>` on the lab's site, with the session it opened (it waits for receivers). */
async function serveWithSession(home: string, name: string): Promise<{ child: ChildProcess; sessionId: string; events: { event: string; sessions?: string[]; reason?: string }[] }> {
  const child = spawn(process.execPath, [bin, 'serve', '--site', home, '--name', name, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const events: { event: string; sessions?: string[]; reason?: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as (typeof events)[number];
      events.push(event);
      if (event.event === 'listening') resolve();
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  const dp = (await reachSiteDP(home))!;
  const session = await dp.startSession('Win11');
  return { child, sessionId: session.id, events };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

test('a DP killed mid-session: another DP marks its session failed; a DP restarted first closes its own as interrupted', async (t) => {
  const lab = await makeLab({ devices: 1 });
  const children: ChildProcess[] = [];
  t.after(() => children.forEach((child) => child.kill('SIGKILL')));

  const west = await serveWithSession(lab.store.home, 'DP-WEST');
  children.push(west.child);
  assert.deepEqual(lab.store.read().runningSessions?.map((running) => [running.id, running.distributionPoint]), [[west.sessionId, 'DP-WEST']]);
  await kill(west.child);

  // Another DP of the site (here on the same site home, whose admin socket the dead DP left) sweeps.
  const east = new DPService(lab.store, { name: 'DP-EAST', port: 0 });
  t.after(() => east.stop());
  await east.start();
  const failed = await until('the dead DP\'s session in the history', () => lab.store.read().sessionHistory.find((entry) => entry.id === west.sessionId));
  assert.deepEqual({ state: failed.state, message: failed.message, dp: failed.distributionPoint }, { state: 'Failed', message: 'distribution point DP-WEST stopped heartbeating', dp: 'DP-WEST' });
  assert.equal(isOnline(record(lab.store.read(), 'DP-WEST')!), false);
  assert.deepEqual(lab.store.read().runningSessions, []);
  await east.stop();

  // Killed again mid-session and restarted before any other DP looked: it closes its own session itself.
  const again = await serveWithSession(lab.store.home, 'DP-WEST');
  children.push(again.child);
  await kill(again.child);
  const restarted = spawn(process.execPath, [bin, 'serve', '--site', lab.store.home, '--name', 'DP-WEST', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(restarted);
  const closed = await new Promise<{ sessions?: string[]; reason?: string }>((resolve) => {
    createInterface({ input: restarted.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as { event: string; sessions?: string[]; reason?: string };
      if (event.event === 'sessions-closed') resolve(event);
    });
  });
  assert.deepEqual(closed, { event: 'sessions-closed', sessions: [again.sessionId], reason: 'restart', time: (closed as { time?: string }).time });
  const interrupted = lab.store.read().sessionHistory.find((entry) => entry.id === again.sessionId)!;
  assert.equal(interrupted.state, 'Failed');
  assert.match(interrupted.message!, /^interrupted: distribution point DP-WEST restarted/);
  assert.ok(isOnline(record(lab.store.read(), 'DP-WEST')!));
  await kill(restarted);
});
