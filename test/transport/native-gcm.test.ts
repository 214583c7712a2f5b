// The addon's AES-256-GCM (native/gcm.c) against Node's own: same ciphertext and tag both ways,
// tampering detected with the buffer left untouched, bounds checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { nativeAddon } from '../../src/engine/transport/native.js';

const native = nativeAddon();
const skip = !native && 'native addon not built';

test('native seal matches Node crypto, and native open reads what Node sealed', { skip }, () => {
  const gcm = native!;
  for (const [clear, len] of [[12, 12], [16, 1456], [12, 4000], [0, 100]] as const) {
    const key = randomBytes(32);
    const context = gcm.gcmContext(key);
    const plain = randomBytes(len);
    const nonce = randomBytes(12);
    const buf = Buffer.alloc(len + 16);
    plain.copy(buf);
    assert.equal(gcm.gcmSeal(context, buf, clear, len, nonce), len + 16);
    const c = createCipheriv('aes-256-gcm', key, nonce);
    c.setAAD(plain.subarray(0, clear));
    const expected = Buffer.concat([plain.subarray(0, clear), c.update(plain.subarray(clear)), c.final(), c.getAuthTag()]);
    assert.deepEqual(buf, expected, `seal clear=${clear} len=${len}`);
    assert.equal(gcm.gcmOpen(context, buf, clear, len + 16, nonce), len);
    assert.deepEqual(buf.subarray(0, len), plain);
    // and Node opens the native seal
    gcm.gcmSeal(context, buf, clear, len, nonce);
    const d = createDecipheriv('aes-256-gcm', key, nonce);
    d.setAAD(buf.subarray(0, clear));
    d.setAuthTag(buf.subarray(len, len + 16));
    assert.deepEqual(Buffer.concat([d.update(buf.subarray(clear, len)), d.final()]), plain.subarray(clear));
  }
});

test('a tampered datagram, a wrong nonce or a wrong key fails and leaves the buffer as it was', { skip }, () => {
  const gcm = native!;
  const key = randomBytes(32);
  const context = gcm.gcmContext(key);
  const nonce = randomBytes(12);
  const buf = randomBytes(1456);
  const sealed = gcm.gcmSeal(context, buf, 16, 1440, nonce);
  for (const at of [0, 15, 16, 700, 1439, 1440, 1455]) {
    const copy = Buffer.from(buf);
    copy[at]! ^= 0x20;
    const before = Buffer.from(copy);
    assert.equal(gcm.gcmOpen(context, copy, 16, sealed, nonce), -1, `flip at ${at}`);
    assert.deepEqual(copy, before);
  }
  assert.equal(gcm.gcmOpen(context, Buffer.from(buf), 16, sealed, randomBytes(12)), -1);
  assert.equal(gcm.gcmOpen(gcm.gcmContext(randomBytes(32)), Buffer.from(buf), 16, sealed, nonce), -1);
  assert.equal(gcm.gcmOpen(context, Buffer.from(buf), 16, 20, nonce), -1, 'shorter than clear bytes + tag');
});

test('bad arguments throw instead of touching memory out of bounds', { skip }, () => {
  const gcm = native!;
  assert.throws(() => gcm.gcmContext(Buffer.alloc(16)), /32 bytes/);
  const context = gcm.gcmContext(randomBytes(32));
  const buf = Buffer.alloc(100);
  assert.throws(() => gcm.gcmSeal(context, buf, 16, 90, Buffer.alloc(12)), /no room for the tag/);
  assert.throws(() => gcm.gcmSeal(context, buf, 50, 40, Buffer.alloc(12)), /out of range/);
  assert.throws(() => gcm.gcmOpen(context, buf, 0, 101, Buffer.alloc(12)), /out of range/);
  assert.throws(() => gcm.gcmOpen(context, buf, 0, 50, Buffer.alloc(8)), /out of range/);
});
