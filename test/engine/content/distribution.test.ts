// Content distribution between two real DPs in one process, each with its own home (content
// library, identity): DP-A serves the image over its control endpoint, DP-B's puller pulls it
// range by range with its own certificate as the TLS client certificate. The site is DP-A's file
// store; the DP records stand for registered DPs (the fleet part writes them in a real site).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestSite } from '../../postgres/test-site.js';
import type { SiteStore } from '../../../src/engine/site/store.js';
import { siteIdentity } from '../../../src/engine/site/identity.js';
import { importImage, imagePath } from '../../../src/engine/content/library.js';
import { dpHoldsImage, removeDistribution, startDistribution, statusOf, updateDistribution } from '../../../src/engine/content/distribution.js';
import { sha256OfFile } from '../../../src/engine/file-hash.js';
import { DPService } from '../../../src/engine/dp/service.js';
import { ContentPuller } from '../../../src/engine/dp/content-puller.js';
import type { ContentDistributionRecord, ImageRecord } from '../../../src/engine/site/model.js';
import { enrollDevices, errorId, makeLab, rawRequest } from '../dp/fixtures.js';

const KiB = 1024;
const CHUNK = 256 * KiB;

async function twoDPs(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-distribution-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const site = await openTestSite(join(dir, 'dp-a'));
  const homeB = await openTestSite(join(dir, 'dp-b'));
  // DP-A registers itself in the site (the fleet); DP-B's record stands for a DP registered elsewhere.
  const source = new DPService(site, { port: 0, name: 'DP-A' });
  await source.start();
  t.after(() => source.stop());
  const now = new Date().toISOString();
  const record = { description: '', interfaces: [], subnets: [], version: 'test', registeredAt: now, lastHeartbeatAt: now, signingPublicKey: null };
  const fingerprintB = (await siteIdentity(homeB)).fingerprint;
  await site.update((state) => {
    state.distributionPoints.push({ ...record, name: 'DP-B', controlEndpoint: null, certificateFingerprint: fingerprintB });
  });
  /** An image imported on DP-A's machine, held by DP-A (Import-OSImage marks it so on a DP's own machine). */
  const importOnA = async (path: string, name: string): Promise<ImageRecord> => {
    const image = await importImage(site, { path, name });
    if (!dpHoldsImage(site.read(), 'DP-A', image.id)) {
      await site.update((state) => {
        state.contentDistributions.push({ imageId: image.id, distributionPoint: 'DP-A', state: 'Success', bytesDone: image.sizeBytes, message: '', sourceDistributionPoint: null, rateLimitBps: null, updatedAt: now });
      });
    }
    return image;
  };
  const puller = (options: ConstructorParameters<typeof ContentPuller>[2] = {}) => {
    const started = new ContentPuller(site, 'DP-B', { local: homeB, pollMs: 50, chunkBytes: CHUNK, retryDelaysMs: [50], ...options });
    started.start();
    t.after(() => started.stop());
    return started;
  };
  return { dir, site, homeB, source, importOnA, puller };
}

/** Waits (without a deadline of its own: the test runner's timeout bounds it) until `check` holds for the image's status on DP-B. */
async function statusOnB(site: SiteStore, image: ImageRecord, check: (status: ContentDistributionRecord) => boolean): Promise<ContentDistributionRecord> {
  for (;;) {
    const status = statusOf(site.read(), image.id, 'DP-B');
    if (status && check(status)) return status;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('a flat image and a disk image are pulled by DP-B from DP-A, verified, and Success at 100 %', async (t) => {
  const lab = await twoDPs(t);
  await writeFile(join(lab.dir, 'flat.img'), randomBytes(CHUNK * 3 + 1234));
  // A raw disk: an MBR with one partition of random bytes (its filesystem unknown: stored whole, compressed).
  const raw = join(lab.dir, 'disk.raw');
  await writeFile(raw, randomBytes(3 * 1024 * KiB));
  execFileSync('sfdisk', ['--quiet', raw], { input: 'label: dos\nstart=2048, type=83\n' });
  const flat = await lab.importOnA(join(lab.dir, 'flat.img'), 'Flat');
  const disk = await lab.importOnA(raw, 'Disk');
  assert.ok(disk.disk, 'the raw disk became a disk image');
  await startDistribution(lab.site, { image: 'Flat', distributionPoints: ['DP-B'] });
  await startDistribution(lab.site, { image: 'Disk', distributionPoints: ['dp-b'] });
  assert.equal(statusOf(lab.site.read(), flat.id, 'DP-B')?.state, 'Waiting');
  const pulling = lab.puller();
  for (const image of [flat, disk]) {
    const status = await statusOnB(lab.site, image, (s) => s.state === 'Success' || s.state === 'Failed');
    assert.equal(status.state, 'Success', status.message);
    assert.equal(status.bytesDone, image.sizeBytes);
    assert.equal(await sha256OfFile(imagePath(lab.homeB, image)), image.sha256);
    assert.equal(((await stat(imagePath(lab.homeB, image))).mode & 0o777).toString(8), '400', 'read-only, as every library image');
    assert.ok(dpHoldsImage(lab.site.read(), 'dp-b', image.id));
  }
  assert.deepEqual((await readdir(lab.homeB.contentDir)).filter((name) => name.endsWith('.partial')), [], 'no partial left');

  // Redistributed: DP-B checks the copy it has (it matches) and fetches nothing again.
  const fetched = pulling.bytesFetched;
  await updateDistribution(lab.site, 'Disk');
  assert.equal((await statusOnB(lab.site, disk, (s) => s.state === 'Success')).bytesDone, disk.sizeBytes);
  assert.equal(pulling.bytesFetched, fetched);
  // Taken off DP-B: its copy goes; DP-A's, the last one, cannot be taken off.
  assert.deepEqual((await removeDistribution(lab.site, 'Flat', ['DP-B'])).sending, []);
  while (await stat(imagePath(lab.homeB, flat)).catch(() => null)) await new Promise((resolve) => setTimeout(resolve, 50));
  await assert.rejects(removeDistribution(lab.site, 'Flat', ['DP-A']), { id: 'LastContentCopy' });
  assert.ok(await stat(imagePath(lab.site, flat)));
});

test('a stopped pull resumes from the ranges it holds; the rate limit holds the pace', async (t) => {
  const lab = await twoDPs(t);
  const size = CHUNK * 10;
  await writeFile(join(lab.dir, 'big.img'), randomBytes(size));
  const image = await lab.importOnA(join(lab.dir, 'big.img'), 'Big');
  const rateBps = 8 * 1024 * KiB; // 1 MiB/s: the 2.5 MiB image takes 2.5 s
  await startDistribution(lab.site, { image: 'Big', distributionPoints: ['DP-B'], rateLimitBps: rateBps });
  const first = lab.puller();
  const startedAt = Date.now();
  await statusOnB(lab.site, image, (s) => s.state === 'InProgress' && s.bytesDone >= 2 * CHUNK);
  await first.stop();
  const elapsed = (Date.now() - startedAt) / 1000;
  // Never faster than the limit (a loaded machine is only slower): the first range may come in a burst.
  assert.ok(first.bytesFetched <= (rateBps / 8) * elapsed + CHUNK, `${first.bytesFetched} bytes in ${elapsed} s at ${rateBps} bit/s`);
  assert.equal(await stat(imagePath(lab.homeB, image)).catch(() => null), null, 'nothing that looks complete');

  const second = lab.puller();
  const status = await statusOnB(lab.site, image, (s) => s.state === 'Success' || s.state === 'Failed');
  assert.equal(status.state, 'Success', status.message);
  assert.ok(second.bytesFetched < size, `the restarted pull fetched ${second.bytesFetched} of ${size} bytes`);
  assert.equal(first.bytesFetched + second.bytesFetched >= size, true);
  assert.equal(await sha256OfFile(imagePath(lab.homeB, image)), image.sha256);
});

test('content damaged on the source ends Failed with the reason, and no copy on DP-B', async (t) => {
  const lab = await twoDPs(t);
  await writeFile(join(lab.dir, 'a.img'), randomBytes(CHUNK * 2 + 7));
  const image = await lab.importOnA(join(lab.dir, 'a.img'), 'Tampered');
  const file = imagePath(lab.site, image);
  await chmod(file, 0o600);
  const handle = await open(file, 'r+');
  await handle.write(Buffer.from('tampered'), 0, 8, CHUNK + 100);
  await handle.close();
  await startDistribution(lab.site, { image: 'Tampered', distributionPoints: ['DP-B'] });
  lab.puller();
  const status = await statusOnB(lab.site, image, (s) => s.state === 'Success' || s.state === 'Failed');
  assert.equal(status.state, 'Failed');
  assert.match(status.message, /pulled from DP-A does not match image IMG\d+'s SHA-256/);
  assert.deepEqual(await readdir(lab.homeB.contentDir), [], 'neither the image nor a partial');
});

test('only a registered DP may pull, and a DP that lacks an image says "content not distributed"', async (t) => {
  const lab = await twoDPs(t);
  await writeFile(join(lab.dir, 'a.img'), randomBytes(1000));
  const image = await lab.importOnA(join(lab.dir, 'a.img'), 'Img');
  // No client certificate: refused, whatever the range.
  const stranger = await rawRequest(lab.source.endpoint, 'GET', `/v1/dp/content/${image.id}`, { headers: { range: 'bytes=0-99' } });
  assert.equal(stranger.status, 401);
  assert.equal(errorId(stranger), 'NotADistributionPoint');

  // A client whose deployment's image is not on the DP it asks.
  const client = await makeLab({ devices: 1, option: 'AccessDirectly' });
  const dp = new DPService(client.store, { port: 0 });
  await dp.start();
  t.after(() => dp.stop());
  const credential = (await enrollDevices(client.store, dp.endpoint, client.devices)).get('lab-01')!;
  await rm(imagePath(client.store, client.image), { force: true });
  const offer = await rawRequest(dp.endpoint, 'POST', '/v1/content', { credential: credential.credential, body: JSON.stringify({ deploymentId: 'DEP001', imageId: client.image.id }) });
  assert.equal(errorId(offer), 'ContentNotDistributed');
  assert.match(offer.body, /Content not distributed: this distribution point does not hold image/);
  const download = await rawRequest(dp.endpoint, 'GET', `/v1/content/${client.image.id}`, { credential: credential.credential });
  assert.equal(errorId(download), 'ContentNotDistributed');
});
