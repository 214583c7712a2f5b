// The slow-client policy's decisions, without a network: the pacer that keeps a session at its
// slowest receiver's pace, how each stream is sent, the monitor that disconnects or moves a client
// whose reported rate stays below the threshold, and the site migration that adds the settings.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { FollowSlowest, LeaveBehind, streamSendOptions } from '../../../src/engine/dp/slow-clients.js';
import { MulticastSessions, type MulticastSession } from '../../../src/engine/dp/sessions.js';
import { SiteStore } from '../../../src/engine/site/store.js';
import { defaultSlowClientSettings, SITE_SCHEMA_VERSION, type SlowClientSettings } from '../../../src/engine/site/model.js';
import { makeLab } from './fixtures.js';

const FRAME = 1500;

test('FollowSlowest caps the rate at the goodput of a receiver behind a slower link, ignores random loss, then probes upwards', () => {
  const pacer = new FollowSlowest();
  const counts = (t: number, lossyShare: number) => [
    { id: 1, received: t * 8000, lost: t * 80 }, // 1 % random loss at 8000 datagrams/s
    { id: 2, received: t * 1000, lost: Math.round(t * 1000 * lossyShare) },
  ];
  assert.equal(pacer.cap(0, FRAME, counts(0, 7)), null, 'nothing to go by before a second of reports');
  assert.equal(pacer.cap(500, FRAME, counts(0.5, 7)), null);
  const capped = pacer.cap(1000, FRAME, counts(1, 7));
  assert.ok(capped !== null && Math.abs(capped - 1000 * FRAME * 8) < 1, `1000 datagrams/s of 1500 bytes is 12 Mbit/s; got ${capped}`);
  // Only random loss from now on (the receiver keeps up): the cap creeps up by 5 % per second.
  const pacer2 = new FollowSlowest();
  assert.equal(pacer2.cap(0, FRAME, counts(0, 0.01)), null);
  assert.equal(pacer2.cap(1000, FRAME, counts(1, 0.01)), null, '1 % loss is repaired, never obeyed');
  let cap = pacer.cap(2000, FRAME, [{ id: 1, received: 16000, lost: 160 }, { id: 2, received: 2000 + 1000, lost: 7000 }])!;
  assert.ok(Math.abs(cap - 1000 * FRAME * 8 * 1.05) < 1, `probing: ${cap}`);
  cap = pacer.cap(3000, FRAME, [{ id: 1, received: 24000, lost: 240 }, { id: 2, received: 4000, lost: 7000 }])!;
  assert.ok(Math.abs(cap - 1000 * FRAME * 8 * 1.05 ** 2) < 1, `probing: ${cap}`);
});

test('LeaveBehind serves no repair to a receiver whose link cannot take the stream and gets less than the threshold', () => {
  const leave = new LeaveBehind(30e6);
  const counts = (t: number) => [
    { id: 1, received: t * 8000, lost: t * 80 }, // 96 Mbit/s, 1 % random loss
    { id: 2, received: t * 800, lost: t * 7200 }, // 9.6 Mbit/s of 96: behind a slower link
    { id: 3, received: t * 4000, lost: t * 4000 }, // 48 Mbit/s: behind a link, but above the threshold
  ];
  assert.equal(leave.cap(0, FRAME, counts(0)), null);
  assert.equal(leave.cap(1000, FRAME, counts(1)), null, 'it never paces the stream');
  assert.deepEqual([1, 2, 3].map((id) => leave.ignores(id)), [false, true, false]);
  leave.cap(2000, FRAME, [{ id: 2, received: 800 + 8000, lost: 7200 }]);
  assert.equal(leave.ignores(2), false, 'served again once it keeps up');
});

test('each stream is sent as the policy says', () => {
  const settings = (policy: SlowClientSettings['policy'], streams: 2 | 3 = 2): SlowClientSettings => ({ ...defaultSlowClientSettings(), policy, thresholdBps: 40e6, streams });
  assert.ok(streamSendOptions(settings('None'), 0).pacer instanceof FollowSlowest, 'None: the session follows its slowest client');
  const disconnect = streamSendOptions(settings('Disconnect'), 0);
  assert.ok(disconnect.pacer instanceof LeaveBehind && disconnect.rate === undefined && !disconnect.onDemand, 'Disconnect: full speed, leaving slow receivers behind');
  const fast = streamSendOptions(settings('Multistream'), 0);
  assert.ok(fast.pacer instanceof LeaveBehind && fast.rate === undefined && !fast.onDemand, 'Multistream: the first stream at full speed');
  const slow = streamSendOptions(settings('Multistream'), 1);
  assert.equal(slow.onDemand, true);
  assert.ok(slow.pacer instanceof FollowSlowest, 'the last stream follows its slowest client');
  const medium = streamSendOptions(settings('Multistream', 3), 1);
  assert.deepEqual([medium.onDemand, medium.rate, medium.pacer instanceof LeaveBehind], [true, 40e6, true], 'three streams: the medium one is capped at the threshold');
  assert.ok(streamSendOptions(settings('Multistream', 3), 2).pacer instanceof FollowSlowest);
});

/**
 * A running session (its transmission never started: scheduled-cast waits for more clients) with
 * two clients; the sender reports 100 Mbit/s on the wire, lab-01 verifies 90 Mbit/s and lab-02
 * 5 Mbit/s, for `seconds` of mocked time.
 */
async function slowSession(t: TestContext, slowClients: Partial<SlowClientSettings>, seconds: number) {
  const lab = await makeLab({ devices: 2, imageBytes: 64 * 1024, dp: { scheduled: { enabled: true, startDelayMinutes: 60, minimumSessionSize: 5 }, slowClients: { ...defaultSlowClientSettings(), thresholdBps: 40e6, sustainSeconds: 5, ...slowClients } } });
  await lab.store.update((site) => void (site.images[0]!.sizeBytes = 1e12)); // nobody finishes during the test
  const sessions = new MulticastSessions({ store: lab.store, distributionPoint: 'DP-TEST', interface: 'lo', joinWaitSeconds: 1 });
  // Closing waits for the history records, and saving them waits on the clock: a real one.
  t.after(() => {
    t.mock.timers.reset();
    return sessions.close();
  });
  const image = lab.store.read().images[0]!;
  const session = (await sessions.request(image, { deviceId: 'DEV001', name: 'lab-01', address: '127.0.0.1' }))!;
  await sessions.request(image, { deviceId: 'DEV002', name: 'lab-02', address: '127.0.0.1' });
  session.state = 'Running';
  t.mock.timers.reset();
  t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  for (let s = 0; s <= seconds; s++) {
    session.progress = { phase: 'sending', joined: 2, verified: 0, blocksSent: 0, blockCount: 1, wireBytes: (s * 100e6) / 8, rateBitsPerSecond: 100e6 };
    sessions.emit('progress', session);
    if (session.clients.get('DEV001')!.state !== 'Moved') sessions.report(session.id, 'DEV001', { state: 'Receiving', bytes: (s * 90e6) / 8 });
    if (session.clients.get('DEV002')!.state === 'Waiting' || session.clients.get('DEV002')!.state === 'Receiving') sessions.report(session.id, 'DEV002', { state: 'Receiving', bytes: (s * 5e6) / 8 });
    t.mock.timers.tick(1000);
  }
  return { sessions, session };
}

test('Disconnect: a client below the threshold for the sustained period is disconnected with the reason; the fast one stays', async (t) => {
  const early = await slowSession(t, { policy: 'Disconnect' }, 6);
  assert.equal(early.session.clients.get('DEV002')!.state, 'Receiving', 'not before the sustained period has passed');
  const { session } = await slowSession(t, { policy: 'Disconnect' }, 10);
  const slow = session.clients.get('DEV002')!;
  assert.equal(slow.state, 'Disconnected');
  assert.equal(slow.forcedDisconnect, false, 'it may continue by unicast');
  assert.match(slow.message, /slow client: 5\.0 Mbit\/s below the threshold of 40\.0 Mbit\/s for 5 s/);
  assert.equal(session.clients.get('DEV001')!.state, 'Receiving');
  const forced = await slowSession(t, { policy: 'Disconnect', unicastFallback: false }, 10);
  assert.equal(forced.session.clients.get('DEV002')!.forcedDisconnect, true, '-UnicastFallback:$false ends its installation');
});

test('Multistream: a slow client moves to a slower stream of the same image; None leaves everyone where they are', async (t) => {
  const { sessions, session } = await slowSession(t, { policy: 'Multistream' }, 10);
  const slow = session.clients.get('DEV002')!;
  // The slower stream's id is allocated in the site first.
  while (slow.state === 'Receiving') await new Promise((resolve) => setImmediate(resolve));
  assert.equal(slow.state, 'Moved');
  const stream: MulticastSession = sessions.get(slow.movedTo!);
  assert.equal(stream.stream, 1);
  assert.equal(stream.image.id, session.image.id);
  assert.notEqual(stream.channel.port, session.channel.port, 'the slower stream has its own channel');
  assert.ok(stream.clients.has('DEV002'));
  assert.equal(session.clients.get('DEV001')!.state, 'Receiving');
  const none = await slowSession(t, { policy: 'None' }, 10);
  assert.equal(none.session.clients.get('DEV002')!.state, 'Receiving');
});

test('a version 1 site gets the slow-client settings added by the migration, its own values kept', async () => {
  const lab = await makeLab({ devices: 1 });
  const current = lab.store.read();
  const { sustainSeconds: _s, streams: _n, ...oldSlow } = { ...current.dp.slowClients, policy: 'Disconnect' as const, thresholdBps: 25e6 };
  await writeFile(lab.store.path, JSON.stringify({ ...current, schemaVersion: 1, dp: { ...current.dp, slowClients: oldSlow } }));
  const migrated = (await SiteStore.open(lab.store.home)).read();
  assert.equal(migrated.schemaVersion, SITE_SCHEMA_VERSION);
  assert.deepEqual(migrated.dp.slowClients, { policy: 'Disconnect', thresholdBps: 25e6, unicastFallback: true, sustainSeconds: 10, streams: 2 });
});
