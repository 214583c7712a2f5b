import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestSite, storedSite } from '../../postgres/test-site.js';
import { importImage, imagePath, removeImage, type ImportProgress } from '../../../src/engine/content/library.js';
import { EngineError } from '../../../src/engine/errors.js';

async function setUp(t: { after(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-content-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = await openTestSite(join(dir, 'site'));
  const image = join(dir, 'win11.img');
  const bytes = randomBytes(3 * 1024 * 1024 + 17);
  await writeFile(image, bytes);
  return { dir, store, image, sha256: createHash('sha256').update(bytes).digest('hex') };
}

const isEngineError = (id: string) => (error: unknown) => error instanceof EngineError && error.id === id;

test('an import copies the image into the library under its SHA-256, records it, and reports progress', async (t) => {
  const { store, image, sha256 } = await setUp(t);
  const progress: ImportProgress[] = [];
  const record = await importImage(store, { path: image, version: '23H2', onProgress: (p) => progress.push(p) });
  assert.equal(record.id, 'IMG00001');
  assert.equal(record.name, 'win11');
  assert.equal(record.sha256, sha256);
  assert.equal(record.sizeBytes, 3 * 1024 * 1024 + 17);
  const copy = await readFile(imagePath(store, record));
  assert.equal(createHash('sha256').update(copy).digest('hex'), sha256);
  assert.deepEqual(progress.at(-1), { bytesDone: record.sizeBytes, bytesTotal: record.sizeBytes });
  assert.deepEqual(store.read().images, [record]);
});

test('a duplicate name or a missing file is refused, leaving store and library as they were', async (t) => {
  const { store, image, dir } = await setUp(t);
  await importImage(store, { path: image, name: 'Lab' });
  const before = await storedSite(store);
  const filesBefore = (await readdir(store.contentDir)).sort();
  await assert.rejects(importImage(store, { path: image, name: 'lab' }), isEngineError('ImageExists'));
  await assert.rejects(importImage(store, { path: join(dir, 'nope.img'), name: 'Other' }), isEngineError('ImageFileNotFound'));
  assert.equal(await storedSite(store), before);
  assert.deepEqual((await readdir(store.contentDir)).sort(), filesBefore);
});

test('an aborted import leaves no file behind and records nothing', async (t) => {
  const { store, image } = await setUp(t);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(importImage(store, { path: image, signal: controller.signal }));
  assert.deepEqual(await readdir(store.contentDir), []);
  assert.deepEqual(store.read().images, []);
});

test('removing an image used by a deployment needs -Force; its content goes when nothing refers to it', async (t) => {
  const { store, image } = await setUp(t);
  const first = await importImage(store, { path: image, name: 'A' });
  const second = await importImage(store, { path: image, name: 'B' });
  assert.equal(first.file, second.file, 'identical content is stored once');
  await store.update((site) => {
    site.taskSequences.push({ id: 'TS00001', name: 'Deploy A', steps: [{ type: 'ApplyImage', imageId: first.id, target: '/dev/null' }] });
    site.collections.push({ id: 'C1', name: 'Lab', description: '', memberIds: [] });
    site.deployments.push({ id: 'DEP00001', taskSequenceId: 'TS00001', collectionId: 'C1', option: 'DownloadWhenNeeded', availability: 'Clients', purpose: 'Required', availableAfter: null, expiresAt: null, createdAt: new Date().toISOString() });
  });
  await assert.rejects(removeImage(store, 'A', false), (e: unknown) => isEngineError('ImageInUse')(e) && /DEP00001/.test((e as Error).message));
  assert.equal(store.read().images.length, 2);
  await removeImage(store, 'A', true);
  assert.deepEqual(await readdir(store.contentDir), [first.file], 'B still refers to the content');
  await removeImage(store, second.id, false);
  assert.deepEqual(await readdir(store.contentDir), []);
  await assert.rejects(removeImage(store, 'A', false), isEngineError('ImageNotFound'));
});
