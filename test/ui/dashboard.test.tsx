// The session dashboard with ink-testing-library: frames of a session progressing to completion
// with a failing client, the height limit, the keys, and the engine adapter fed by events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from 'ink-testing-library';
import type { DPControl, SessionChange } from '../../src/engine/dp/dp-control.js';
import type { ClientState, MulticastSession } from '../../src/engine/dp/sessions.js';
import { SessionDashboard, formatDuration, formatLoss, formatRate, progressBar, type SessionPanel } from '../../src/ui/dashboard.js';
import { liveViewElement, type LiveViewData } from '../../src/ui/live-views.js';
import { SessionPanels, watchLive } from '../../src/ui/session-watch.js';
import { Fleet } from '../../src/engine/dp/remote-admin.js';

const tick = (ms = 25) => new Promise((resolve) => setTimeout(resolve, ms));
const MB = 1024 * 1024;

/** A session as the engine holds it, with `count` clients named pc-01…; times in ms from `t0`. */
function fakeSession(count: number, t0: number): MulticastSession {
  const clients = new Map(
    Array.from({ length: count }, (_, i) => {
      const id = `dev-${i + 1}`;
      const name = `pc-${String(i + 1).padStart(2, '0')}`;
      return [id, { deviceId: id, name, address: `10.0.0.${11 + i}`, state: 'Waiting' as ClientState, forcedDisconnect: false, percent: 0, bytesDone: 0, movedTo: null, loss: null, message: '', requestedAt: t0, updatedAt: t0 }];
    }),
  );
  return {
    id: 'MC0001',
    stream: 0,
    image: { id: 'img1', name: 'win11', version: '1', description: '', file: 'win11.wim', sizeBytes: 100 * MB, sha256: 'x', importedAt: '', multicast: {} as never },
    channel: { group: '239.192.0.1', port: 5000 },
    state: 'Waiting',
    startReason: null,
    requestedAt: t0,
    startedAt: null,
    endedAt: null,
    clients,
    progress: null,
    summary: null,
    manualStart: false,
    waitingFor: null,
  };
}

/** Moves the session on to `percent`, clients along with it; `pc-03` fails at 50 %. */
function advance(session: MulticastSession, percent: number, now: number): void {
  session.state = percent >= 100 ? 'Completed' : 'Running';
  session.startedAt ??= now;
  if (percent >= 100) session.endedAt = now;
  const blockCount = 1000;
  session.progress = { phase: 'sending', joined: session.clients.size, verified: 0, blocksSent: (percent / 100) * blockCount, blockCount, wireBytes: (percent / 100) * 100 * MB * 1.05, rateBitsPerSecond: 80e6 };
  if (percent >= 100) session.summary = { wireRatio: 1.05 } as never;
  for (const client of session.clients.values()) {
    if (client.name === 'pc-03' && percent >= 50) {
      client.state = 'Failed';
      client.message = 'checksum mismatch';
      client.updatedAt = now;
      continue;
    }
    client.percent = percent;
    client.loss = percent > 0 ? 0.004 : null;
    client.state = percent >= 100 ? 'Done' : percent > 0 ? 'Receiving' : 'Waiting';
    client.updatedAt = now;
  }
}

test('formatting: rates, durations, bars with eighth-cell precision', () => {
  assert.equal(formatRate(84_120_000), '84.1 Mbit/s');
  assert.equal(formatRate(1_500_000_000), '1.50 Gbit/s');
  assert.equal(formatRate(null), '—');
  assert.equal(formatDuration(65), '1:05');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(progressBar(50, 10), '█████░░░░░');
  assert.equal(progressBar(55, 10), '█████▌░░░░');
  assert.equal(progressBar(100, 4), '████');
  assert.equal(progressBar(55, 10, ' '), '█████▌    ');
  assert.equal(formatLoss(null), '—');
  assert.equal(formatLoss(0.44), '0.4% loss');
  assert.equal(formatLoss(12.3), '12% loss');
});

test('a client row stays the same object until its client reports something new; only that row is drawn anew', async (t) => {
  const t0 = 1_000_000;
  const session = fakeSession(3, t0);
  const panels = new SessionPanels(null);
  advance(session, 20, t0 + 1000);
  const first = panels.panel(session, t0 + 1000);
  const again = panels.panel(session, t0 + 1100);
  assert.deepEqual(
    again.clients.map((row, i) => row === first.clients[i]),
    [true, true, true],
    'nothing reported: the same rows',
  );
  const pc2 = [...session.clients.values()].find((client) => client.name === 'pc-02')!;
  Object.assign(pc2, { percent: 30, loss: 0.012, updatedAt: t0 + 2000 });
  const moved = panels.panel(session, t0 + 2000);
  assert.deepEqual(
    moved.clients.map((row, i) => row === again.clients[i]),
    [true, false, true],
    'only pc-02 has a new row',
  );
  assert.equal(moved.clients[1]!.lossPercent, 1.2);

  const view = render(<SessionDashboard sessions={[again]} rows={20} columns={100} />);
  t.after(() => view.unmount());
  assert.match(view.lastFrame()!, /pc-02 .* 20% .* 0\.4% loss receiving/);
  view.rerender(<SessionDashboard sessions={[moved]} rows={20} columns={100} />);
  assert.match(view.lastFrame()!, /pc-02 .* 30% .* 1\.2% loss receiving/);
  assert.match(view.lastFrame()!, /pc-01 .* 20% .* 0\.4% loss receiving/);
});

test('a waiting scheduled session says what it waits for and until when; its clients show waiting, not receiving', (t) => {
  const t0 = Date.parse('2026-01-01T12:00:00');
  const session = fakeSession(2, t0);
  session.waitingFor = { clients: 1, startsBy: Date.parse('2026-01-01T12:10:00') };
  const view = render(<SessionDashboard sessions={[new SessionPanels(null).panel(session, t0)]} rows={20} columns={120} />);
  t.after(() => view.unmount());
  assert.match(view.lastFrame()!, /MC0001 Waiting \(waiting for 1 more client; starts by 12:10 at the latest\) win11/);
  assert.match(view.lastFrame()!, /pc-01 .* 0% .* waiting/);
  assert.doesNotMatch(view.lastFrame()!, /receiving/);
});

test('a client rate comes from the bytes it reports, over about 5 s of reports', () => {
  const session = fakeSession(1, 0);
  const client = [...session.clients.values()][0]!;
  const panels = new SessionPanels(null);
  const report = (seconds: number, bytes: number) => {
    Object.assign(client, { state: 'Receiving', bytesDone: bytes, percent: Math.floor(bytes / MB), updatedAt: seconds * 1000 });
    return panels.panel(session, seconds * 1000).clients[0]!.rateBps;
  };
  assert.equal(report(0, 0), null, 'one report: no rate yet');
  assert.equal(report(1, 0.5 * MB), 0.5 * MB * 8, 'half a percent in a second: 4.2 Mbit/s, not 0');
  for (let second = 2; second <= 6; second++) report(second, second * 0.5 * MB);
  assert.equal(report(7, 3.5 * MB), (2.5 * MB * 8) / 5, 'the window keeps the last 5 s of reports');
});

test('frames of a session progressing to completion, with a failing client', async (t) => {
  const t0 = 1_000_000;
  const session = fakeSession(4, t0);
  const panels = new SessionPanels(95e6);
  const frame = (now: number) => render(<SessionDashboard sessions={[panels.panel(session, now)]} rows={20} columns={110} />);

  const waiting = frame(t0);
  t.after(() => waiting.unmount());
  assert.match(waiting.lastFrame()!, /MC0001 Waiting win11 239\.192\.0\.1:5000/);
  assert.match(waiting.lastFrame()!, /pc-01 +10\.0\.0\.11 +░+ +0% +— +— waiting/);

  session.startedAt = t0;
  advance(session, 40, t0 + 5000);
  const running = frame(t0 + 5000);
  t.after(() => running.unmount());
  const text = running.lastFrame()!;
  assert.match(text, /MC0001 Running win11 .* elapsed 0:05 {2}overhead 5\.0%/);
  assert.match(text, /40\.0% 80\.0 Mbit\/s now, 67\.1 Mbit\/s avg \/ cap 95\.0 Mbit\/s {2}ETA 0:06/);
  assert.match(text, /pc-02 .*█+▋░+ +40% +67\.1 Mbit\/s +0\.4% loss receiving/, '40 % of 100 MB in 5 s');

  advance(session, 60, t0 + 7000);
  const failing = frame(t0 + 7000);
  t.after(() => failing.unmount());
  assert.match(failing.lastFrame()!, /pc-02 .* 60% +71\.9 Mbit\/s +0\.4% loss receiving/, '60 % of 100 MiB in 7 s: the rate covers 5 s of reports or more');
  assert.match(failing.lastFrame()!, /pc-03 .* 40% .* failed checksum mismatch/);

  advance(session, 100, t0 + 12000);
  const done = frame(t0 + 12000);
  t.after(() => done.unmount());
  const final = done.lastFrame()!;
  assert.match(final, /MC0001 Completed win11 .* elapsed 0:12/);
  assert.match(final, /100\.0% — now, .* avg .* ETA —/);
  assert.equal((final.match(/ done/g) ?? []).length, 3);
  assert.match(final, /pc-03 .* failed/);
});

const panel = (id: string, clients: number, distributionPoint: string | null = null): SessionPanel => ({
  id,
  distributionPoint,
  state: 'Running',
  status: null,
  image: 'win11',
  group: '239.192.0.1',
  port: 5000,
  elapsedSeconds: 10,
  rateBps: 1e8,
  averageBps: 1e8,
  capBps: null,
  percent: 50,
  etaSeconds: 10,
  overhead: null,
  clients: Array.from({ length: clients }, (_, i) => ({ id: `d${i}`, name: `pc-${i}`, address: `10.0.0.${i}`, state: i % 5 === 0 ? 'done' : 'receiving', percent: 50, rateBps: 1e7, lossPercent: 0.5, message: '' })),
});

test('sessions of several DPs each name their DP', (t) => {
  const view = render(<SessionDashboard sessions={[panel('MC0001', 1, 'DP-EAST'), panel('MC0002', 1, 'DP-WEST')]} rows={20} columns={100} interactive={false} />);
  t.after(() => view.unmount());
  assert.match(view.lastFrame()!, /MC0001 on DP-EAST Running win11/);
  assert.match(view.lastFrame()!, /MC0002 on DP-WEST Running win11/);
  const local = render(<SessionDashboard sessions={[panel('MC0003', 1)]} rows={20} columns={100} interactive={false} />);
  t.after(() => local.unmount());
  assert.match(local.lastFrame()!, /MC0003 Running win11/);
});

test('the live area never grows taller than the terminal: rows beyond are summarised, sessions too', async (t) => {
  const one = render(<SessionDashboard sessions={[panel('MC0001', 16)]} rows={10} columns={100} />);
  t.after(() => one.unmount());
  const lines = one.lastFrame()!.split('\n');
  assert.ok(lines.length <= 10, `${lines.length} lines`);
  for (const line of lines) assert.ok(line.length <= 100, `a line wider than the terminal: ${line}`);
  assert.match(one.lastFrame()!, /pc-1 .* 50% +10\.0 Mbit\/s +0\.5% loss receiving/);
  assert.match(one.lastFrame()!, /… 10 more: 8 receiving, 2 done/);

  const many = render(<SessionDashboard sessions={[panel('MC0001', 16), panel('MC0002', 16), panel('MC0003', 2), panel('MC0004', 2)]} rows={12} columns={100} />);
  t.after(() => many.unmount());
  const manyLines = many.lastFrame()!.split('\n');
  assert.ok(manyLines.length <= 12, `${manyLines.length} lines`);
  assert.match(many.lastFrame()!, /… 1 more sessions/);
});

test('keys: arrows select a client, d asks before disconnecting it, q leaves', async (t) => {
  const disconnected: string[] = [];
  let left = 0;
  const view = render(<SessionDashboard sessions={[panel('MC0001', 3)]} rows={20} columns={100} onLeave={() => left++} onDisconnect={(s, c) => disconnected.push(`${s}/${c}`)} />);
  t.after(() => view.unmount());
  // Each key waits for the view to show its effect (not a fixed delay): on a busy machine a key
  // pressed before Ink listens, or read after the next one, would make the test fail by timing.
  const until = async (what: () => boolean, waitingFor: string): Promise<void> => {
    for (const deadline = Date.now() + 10_000; !what(); await tick(10)) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${waitingFor}; the view shows:\n${view.lastFrame()}`);
    }
  };
  const press = async (key: string, shows: () => boolean, waitingFor: string): Promise<void> => {
    view.stdin.write(key);
    await until(shows, waitingFor);
  };
  const frameMatches = (pattern: RegExp) => () => pattern.test(view.lastFrame()!);
  const asking = /Disconnect pc-1 from MC0001\? \[y\/N\]/;
  await until(() => view.stdin.listenerCount('readable') > 0, 'the view to read keys');
  await press('\x1b[B', frameMatches(/▸ pc-0 /), 'the first client selected');
  await press('\x1b[B', frameMatches(/▸ pc-1 /), 'the second client selected');
  await press('d', frameMatches(asking), 'the disconnect question');
  await press('n', () => !asking.test(view.lastFrame()!), 'the question to close on n');
  assert.deepEqual(disconnected, []);
  await press('d', frameMatches(asking), 'the disconnect question again');
  await press('y', () => disconnected.length > 0, 'the disconnect');
  assert.deepEqual(disconnected, ['MC0001/d1']);
  await press('q', () => left > 0, 'q to leave');
  assert.equal(left, 1);
});

/** A DP serving `sessions` (none until `open`), as the dashboard sees it; `emit` reports a change. */
function fakeDP(sessions: MulticastSession[]) {
  const listeners = new Set<(change: SessionChange, sessionId: string | null) => void>();
  const dp: DPControl = {
    listSessions: async () => sessions,
    getSession: async (id) => sessions.find((session) => session.id === id) ?? assert.fail(`no session ${id}`),
    startSession: () => assert.fail('not expected'),
    stopSession: () => assert.fail('not expected'),
    disconnectClient: () => assert.fail('not expected'),
    onChange: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
  const emit = (change: SessionChange, session: MulticastSession) => listeners.forEach((listener) => listener(change, session.id));
  return { dp, emit };
}

/** A live-view host rendering with ink-testing-library; `finalFrame` is what the view left in the scrollback. */
function testHost(t: { after(fn: () => void): void }) {
  const host = {
    shown: null as ReturnType<typeof render> | null,
    finalFrame: undefined as unknown,
    showLiveView: (view: unknown) => {
      host.shown = render(liveViewElement(view as LiveViewData));
      return { close: (final?: unknown) => void (host.finalFrame = final) };
    },
  };
  t.after(() => host.shown?.unmount());
  return host;
}

test('watchLive: engine events refresh the view in batches; it ends with the sessions and keeps the final frame', async (t) => {
  const session = fakeSession(16, Date.now());
  const { dp, emit } = fakeDP([session]);
  const live = testHost(t);
  const watching = watchLive(live, dp, [session.id], new AbortController().signal, null);
  await tick();
  const shown = live.shown;
  assert.match(shown!.lastFrame()!, /MC0001 Waiting/);
  const renders = shown!.frames.length;
  advance(session, 30, Date.now());
  for (let i = 0; i < 50; i++) emit('progress', session); // a burst of reports
  await tick(250);
  assert.match(shown!.lastFrame()!, /MC0001 Running .* 30\.0%/s);
  assert.ok(shown!.frames.length - renders <= 4, `${shown!.frames.length - renders} renders for a burst of 50 events`);
  advance(session, 100, Date.now());
  emit('ended', session);
  assert.deepEqual(await watching, [session.id]);
  const final = render(liveViewElement(live.finalFrame as LiveViewData));
  t.after(() => final.unmount());
  assert.match(final.lastFrame()!, /MC0001 Completed/);
  assert.equal(final.lastFrame()!.split('\n').length, 2 + 16, 'the kept frame lists every client');
});

test('a client line does not say its state twice: "disconnected by the administrator", not "disconnected disconnected …"', (t) => {
  const session = panel('MC0001', 2);
  session.clients[1] = { ...session.clients[1]!, state: 'disconnected', message: 'disconnected by the administrator' };
  const view = render(<SessionDashboard sessions={[session]} rows={10} columns={120} />);
  t.after(() => view.unmount());
  assert.match(view.lastFrame()!, /pc-1 .*loss disconnected by the admin/);
  assert.doesNotMatch(view.lastFrame()!, /disconnected disconnected/);
});

test('watchLive with no session yet says it waits for one, then shows the first to open; q leaves', async (t) => {
  const sessions: MulticastSession[] = [];
  const { dp, emit } = fakeDP(sessions);
  const live = testHost(t);
  const watching = watchLive(live, dp, [], new AbortController().signal, null);
  await tick();
  assert.match(live.shown!.lastFrame()!, /waiting for a multicast session…\n.*q leave/);
  const session = fakeSession(2, Date.now());
  sessions.push(session);
  emit('opened', session);
  await tick(250);
  assert.match(live.shown!.lastFrame()!, /MC0001 Waiting win11/);
  live.shown!.stdin.write('q');
  assert.deepEqual(await watching, [session.id]);
});

test('watchLive of several DPs: their sessions side by side, each named by its DP, refreshed by each DP\'s events', async (t) => {
  const eastSession = fakeSession(1, Date.now());
  const westSession = { ...fakeSession(2, Date.now()), id: 'MC0002' };
  const east = fakeDP([eastSession]);
  const west = fakeDP([westSession]);
  const live = testHost(t);
  const watching = watchLive(live, new Fleet([{ name: 'DP-EAST', dp: east.dp }, { name: 'DP-WEST', dp: west.dp }]), [], new AbortController().signal, null);
  await tick(250);
  assert.match(live.shown!.lastFrame()!, /MC0001 on DP-EAST Waiting win11/);
  assert.match(live.shown!.lastFrame()!, /MC0002 on DP-WEST Waiting win11/);
  advance(westSession, 30, Date.now());
  west.emit('progress', westSession);
  await tick(250);
  assert.match(live.shown!.lastFrame()!, /MC0002 on DP-WEST Running .* 30\.0%/s);
  advance(eastSession, 100, Date.now());
  east.emit('ended', eastSession);
  advance(westSession, 100, Date.now());
  west.emit('ended', westSession);
  assert.deepEqual(await watching, ['MC0001', 'MC0002']);
});
