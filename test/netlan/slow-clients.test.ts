// Issue 6, slow-client policy, shown on the namespace LAN (scripts/netlan.sh): the DP (`mcshell
// serve`) on host 0 behind a 100 Mbit/s uplink, three `mcshell client` agents on hosts 1–3, and
// host 3 behind a 10 Mbit/s link. Each policy ends with every client holding the verified image:
//   None         everyone goes at the slow link's pace (the fast clients wait for the slow one);
//   Disconnect   the slow client is disconnected and finishes by unicast; the others at full speed;
//   Multistream  the slow client moves to a slower stream and finishes there by multicast; the
//                others at full speed.
// Needs root (ip netns); skipped otherwise, like the other netlan tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { SlowClientSettings } from '../../src/engine/site/model.js';
import { defaultSlowClientSettings } from '../../src/engine/site/model.js';
import { assertVerified, client, makeProcessLab, serve } from '../faults/lab.js';
import { namespacesUnusable, netlan } from './lan.js';


const skip = namespacesUnusable();

const MB = 1024 * 1024;
const IMAGE_BYTES = 16 * MB;
const FAST_BPS = 100e6;
const SLOW_BPS = 10e6;
/** Seconds the image takes on the slow link, and on the fast one (frame overhead left out). */
const SLOW_IDEAL = (IMAGE_BYTES * 8) / SLOW_BPS;
const FAST_IDEAL = (IMAGE_BYTES * 8) / FAST_BPS;

interface Run {
  seconds: number[];
  results: Awaited<ReturnType<typeof assertVerified>>[];
  sessions: { Id: string; StartedAt: string; EndedAt: string; State: string }[];
}

/** One deployment to hosts 1–3 (host 3 slow) under `slowClients`; every client must end verified. */
async function deployOverSlowLink(t: import('node:test').TestContext, slowClients: Partial<SlowClientSettings>): Promise<Run> {
  const prefix = `mcs${process.pid % 100000}${Math.floor(Math.random() * 1000)}`;
  const up = spawnSync(netlan, ['up', '--prefix', prefix, '--receivers', '3', '--rate', '100mbit', '--slow', '3:10mbit'], { encoding: 'utf8', timeout: 60_000 });
  t.after(() => void spawnSync(netlan, ['down', '--prefix', prefix], { timeout: 60_000 }));
  assert.equal(up.status, 0, up.stderr);
  const lab = await makeProcessLab({
    devices: 3,
    imageBytes: IMAGE_BYTES,
    // Scheduled-cast for all three, so they start together.
    dp: { scheduled: { enabled: true, startDelayMinutes: 1, minimumSessionSize: 3 }, slowClients: { ...defaultSlowClientSettings(), ...slowClients } },
  });
  const dp = await serve(lab, 0, ['ip', 'netns', 'exec', `${prefix}-h0`], ['--interface', 'mcv0']);
  t.after(() => void dp.process.kill('SIGKILL'));
  const clients = lab.devices.map((device, i) => client(lab, `198.18.0.1:${dp.port}`, device, { wrap: ['ip', 'netns', 'exec', `${prefix}-h${i + 1}`], interface: `mcv${i + 1}` }));
  t.after(() => clients.forEach((c) => c.process.kill('SIGKILL')));
  const exits = await Promise.all(clients.map((c) => c.done.then((outcome) => ({ outcome, at: Date.now() }))));
  const results: Run['results'] = [];
  for (const [i, device] of lab.devices.entries()) results.push(await assertVerified(lab, device.name, exits[i]!.outcome));
  // Each client's time from the start of the (first) session to its exit: start-up and enrolment
  // left out. The assertions compare clients of one run, so a busy machine slows all of them alike.
  const started = dp.events.find((event) => event.event === 'session-started')!;
  const seconds = exits.map((exit) => (exit.at - Date.parse(started.StartedAt as string)) / 1000);
  const ended = lab.devices.map((device, i) => `${device.name} ${seconds[i]!.toFixed(1)} s ${results[i]!.steps[0]!.message.replace(/^applied \S+ to \S+ /, '')}`);
  dp.process.kill('SIGTERM');
  await dp.exited;
  const sessions = dp.events.filter((event) => event.event === 'session-ended') as unknown as Run['sessions'];
  t.diagnostic(`slow link ideal ${SLOW_IDEAL.toFixed(1)} s, fast ${FAST_IDEAL.toFixed(1)} s; ${ended.join('; ')}`);
  for (const session of sessions) t.diagnostic(`${session.Id} ${session.State}: ${((Date.parse(session.EndedAt) - Date.parse(session.StartedAt)) / 1000).toFixed(1)} s`);
  return { seconds, results, sessions };
}

test('slow-client policy None: the session runs at the slow link\'s pace and everyone verifies', { skip }, async (t) => {
  const { seconds, results, sessions } = await deployOverSlowLink(t, { policy: 'None' });
  assert.ok(results.every((result) => result.steps[0]!.mode === 'multicast'));
  assert.equal(sessions.length, 1);
  const span = (Date.parse(sessions[0]!.EndedAt) - Date.parse(sessions[0]!.StartedAt)) / 1000;
  assert.ok(span >= SLOW_IDEAL * 0.8 && span <= SLOW_IDEAL * 3, `the session should take about the slow link's ${SLOW_IDEAL.toFixed(1)} s; it took ${span.toFixed(1)} s`);
  for (const fast of [0, 1]) assert.ok(seconds[fast]! >= seconds[2]! * 0.8, `the fast clients are held to the slow pace (${seconds[fast]!.toFixed(1)} s, the slow one ${seconds[2]!.toFixed(1)} s)`);
});

test('slow-client policy Disconnect: the slow client is disconnected and verifies by unicast; the others finish at full speed', { skip }, async (t) => {
  const { seconds, results, sessions } = await deployOverSlowLink(t, { policy: 'Disconnect', thresholdBps: 30e6, sustainSeconds: 2 });
  for (const fast of [0, 1]) {
    assert.equal(results[fast]!.steps[0]!.mode, 'multicast');
    assert.ok(seconds[fast]! < seconds[2]! * 0.5, `fast clients are not held back (${seconds[fast]!.toFixed(1)} s, the slow one ${seconds[2]!.toFixed(1)} s)`);
  }
  const slow = results[2]!.steps[0]!;
  assert.equal(slow.mode, 'unicast');
  assert.match(slow.message, /unicast after multicast ended: slow client: [\d.]+ Mbit\/s below the threshold of 30\.0 Mbit\/s for 2 s/);
  assert.deepEqual(sessions.map((session) => session.State), ['Completed'], 'the session served everyone who stayed');
});

test('slow-client policy Multistream: the slow client moves to a slower stream and verifies there; the others finish at full speed', { skip }, async (t) => {
  const { seconds, results, sessions } = await deployOverSlowLink(t, { policy: 'Multistream', thresholdBps: 30e6, sustainSeconds: 2, streams: 2 });
  for (const fast of [0, 1]) {
    assert.equal(results[fast]!.steps[0]!.mode, 'multicast');
    assert.ok(seconds[fast]! < seconds[2]! * 0.5, `fast clients are not held back (${seconds[fast]!.toFixed(1)} s, the slow one ${seconds[2]!.toFixed(1)} s)`);
  }
  const slow = results[2]!.steps[0]!;
  assert.equal(slow.mode, 'multicast');
  assert.match(slow.message, /moved to the slower stream MC0002/);
  assert.deepEqual(sessions.map((session) => [session.Id, session.State]).sort(), [['MC0001', 'Completed'], ['MC0002', 'Completed']]);
});
