import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from '../../../src/engine/dp/rate-limit.js';

test('a bucket per address: a burst, then the rate; refusals reported once per 10 s; other addresses unaffected', () => {
  const limiter = new RateLimiter(5, 10);
  const at = 1_000_000;
  const burst = Array.from({ length: 12 }, () => limiter.take('198.18.0.9', at));
  assert.deepEqual(burst.slice(0, 10), Array(10).fill('allowed'));
  assert.deepEqual(burst.slice(10), ['first-limited', 'limited']);
  assert.equal(limiter.take('198.18.0.10', at), 'allowed', 'another address has its own bucket');
  assert.equal(limiter.take('198.18.0.9', at + 100), 'limited', 'a tenth of a second refills half a request');
  assert.equal(limiter.take('198.18.0.9', at + 200), 'allowed', 'a fifth of a second refills one');
  assert.equal(limiter.take('198.18.0.9', at + 200), 'limited');
  assert.equal(limiter.take('198.18.0.9', at + 10_001), 'allowed');
  for (let i = 0; i < 60; i++) limiter.take('198.18.0.9', at + 10_002);
  assert.equal(limiter.take('198.18.0.9', at + 10_003), 'limited', 'reported at most once in 10 s');
  assert.equal(limiter.take('198.18.0.9', at + 20_500), 'allowed');
});

test('a flood from many addresses does not grow the table without bound', () => {
  const limiter = new RateLimiter(1, 2);
  for (let i = 0; i < 25_000; i++) limiter.take(`198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, 5_000 + i);
  assert.ok((limiter as unknown as { buckets: Map<string, unknown> }).buckets.size <= 10_000);
});
