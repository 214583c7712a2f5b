import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocateChannel, type Channel } from '../../../src/engine/scheduler/allocation.js';
import { decideStart } from '../../../src/engine/scheduler/start-policy.js';
import { EngineError } from '../../../src/engine/errors.js';

const ports = { start: 63000, end: 64000 };
const minute = 60_000;

test('the first session takes the first usable group and port of the range', () => {
  assert.deepEqual(allocateChannel({ addressRange: null, portRange: ports }, []), { group: '239.255.0.1', port: 63000 });
  assert.deepEqual(allocateChannel({ addressRange: { start: '239.1.2.3', end: '239.1.2.9' }, portRange: ports }, []), { group: '239.1.2.3', port: 63000 });
});

test('concurrent sessions never share a group or a port', () => {
  const settings = { addressRange: { start: '239.1.0.1', end: '239.1.0.40' }, portRange: { start: 63000, end: 63040 } };
  const channels: Channel[] = [];
  for (let i = 0; i < 30; i++) channels.push(allocateChannel(settings, channels));
  assert.equal(new Set(channels.map((c) => c.group)).size, 30);
  assert.equal(new Set(channels.map((c) => c.port)).size, 30);
});

test('a freed channel is reused, and groups aliasing 224.0.0.x are skipped', () => {
  const settings = { addressRange: { start: '239.0.0.254', end: '239.0.1.5' }, portRange: ports };
  const first = allocateChannel(settings, []);
  assert.equal(first.group, '239.0.1.0', '239.0.0.254/255 alias 224.0.0.x and must be skipped');
  const second = allocateChannel(settings, [first]);
  assert.deepEqual(second, { group: '239.0.1.1', port: 63001 });
  assert.deepEqual(allocateChannel(settings, [second]), first);
});

test('an exhausted range is a clear error naming the range and the fix', () => {
  const settings = { addressRange: { start: '239.1.0.1', end: '239.1.0.2' }, portRange: ports };
  const taken = [allocateChannel(settings, [])];
  taken.push(allocateChannel(settings, taken));
  assert.throws(() => allocateChannel(settings, taken), (e: unknown) => e instanceof EngineError && e.id === 'NoFreeGroup' && /239\.1\.0\.1 to 239\.1\.0\.2/.test(e.message));
  const narrowPorts = { addressRange: null, portRange: { start: 63000, end: 63000 } };
  assert.throws(() => allocateChannel(narrowPorts, [{ group: '239.9.9.9', port: 63000 }]), (e: unknown) => e instanceof EngineError && e.id === 'NoFreePort');
});

test('auto-cast starts on the first request; nothing starts before anyone asks', () => {
  const auto = { enabled: false, startDelayMinutes: 0, minimumSessionSize: 1 };
  assert.deepEqual(decideStart(auto, { requestTimes: [], manualStart: false }, 0), { start: false, recheckAt: null });
  assert.deepEqual(decideStart(auto, { requestTimes: [1000], manualStart: false }, 1000), { start: true, reason: 'auto-cast' });
});

test('scheduled-cast starts at the minimum size or after the delay, whichever comes first', () => {
  const scheduled = { enabled: true, startDelayMinutes: 5, minimumSessionSize: 3 };
  const t0 = 1_000_000;
  assert.deepEqual(decideStart(scheduled, { requestTimes: [t0, t0 + 10], manualStart: false }, t0 + minute), { start: false, recheckAt: t0 + 5 * minute });
  assert.deepEqual(decideStart(scheduled, { requestTimes: [t0, t0 + 10, t0 + 20], manualStart: false }, t0 + minute), { start: true, reason: 'minimum-size' });
  assert.deepEqual(decideStart(scheduled, { requestTimes: [t0], manualStart: false }, t0 + 5 * minute), { start: true, reason: 'start-delay' });
});

test('a manual start always starts a waiting session', () => {
  const scheduled = { enabled: true, startDelayMinutes: 30, minimumSessionSize: 10 };
  assert.deepEqual(decideStart(scheduled, { requestTimes: [], manualStart: true }, 0), { start: true, reason: 'manual' });
});
