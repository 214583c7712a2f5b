// The manifest cache's rules on its own: what identifies a file, what a lookup accepts, and the
// bound on its size. (session.test.ts shows a sender using it end to end.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCachedManifest, manifestCacheKey, msUntilCacheable, storeCachedManifest } from '../../src/engine/transport/manifest-cache.js';
import { tempDir } from './helpers.js';

test('a key names the file by device, inode, size and times, and only once it is 2 s old', () => {
  const dir = tempDir();
  const file = join(dir, 'image');
  writeFileSync(file, 'x'.repeat(1000));
  const stat = statSync(file, { bigint: true });
  const justWritten = Number(stat.ctimeMs);
  assert.equal(manifestCacheKey(stat, 1456, 1024, justWritten + 500), null, 'changed within the file clock window');
  const plain = statSync(file);
  assert.equal(msUntilCacheable(plain.ctimeMs, plain.ctimeMs + 500), 1500);
  assert.equal(msUntilCacheable(plain.ctimeMs, plain.ctimeMs + 2500), 0);
  const key = manifestCacheKey(stat, 1456, 1024, justWritten + 2000);
  assert.ok(key?.includes(`ino=${stat.ino}`) && key.includes(`ctime=${stat.ctimeNs}`) && key.includes('size=1000'), key ?? 'null');
  assert.notEqual(manifestCacheKey(stat, 1456, 512, justWritten + 2000), key, 'the geometry is part of the key');
  assert.equal(manifestCacheKey(statSync('/dev/null', { bigint: true }), 1456, 1024, Date.now() + 10_000), null, 'not a regular file');
});

test('a lookup returns what was stored under the same key only; entries beyond 64 are pruned oldest first', () => {
  const dir = join(tempDir(), 'cache');
  const key = (i: number) => `key ${i}\n`;
  assert.equal(loadCachedManifest(dir, key(0)), null, 'no cache directory yet');
  for (let i = 0; i < 66; i++) {
    assert.equal(storeCachedManifest(dir, key(i), Buffer.from(`manifest ${i}`)), null);
    // Entries written in the same millisecond would tie: date each one a second apart.
    const entry = readdirSync(dir).find((name) => readFileSync(join(dir, name)).toString().startsWith(key(i)))!;
    utimesSync(join(dir, entry), 1_700_000_000 + i, 1_700_000_000 + i);
  }
  storeCachedManifest(dir, key(66), Buffer.from('manifest 66'));
  assert.equal(readdirSync(dir).length, 64);
  for (const i of [0, 1, 2]) assert.equal(loadCachedManifest(dir, key(i)), null, `entry ${i}, among the oldest, was pruned`);
  for (const i of [3, 40, 66]) assert.equal(loadCachedManifest(dir, key(i))?.toString(), `manifest ${i}`);
  // An entry whose stored key differs from the one asked for (a name collision, or a damaged file) is a miss.
  const entry = readdirSync(dir).find((name) => readFileSync(join(dir, name)).toString().startsWith(key(40)))!;
  writeFileSync(join(dir, entry), `${key(41)}manifest 41`);
  assert.equal(loadCachedManifest(dir, key(40)), null);
  writeFileSync(join(dir, entry), key(40));
  assert.equal(loadCachedManifest(dir, key(40)), null, 'a key with no manifest after it');
});

test('a cache directory that cannot be written is reported, not thrown', () => {
  const blocker = join(tempDir(), 'file');
  writeFileSync(blocker, '');
  assert.match(storeCachedManifest(join(blocker, 'cache'), 'key\n', Buffer.from('m')) ?? '', /ENOTDIR|not a directory/);
});
