#!/usr/bin/env node
// DP-to-DP content distribution over loopback, in a private network namespace: DP-A serves a
// random image over its control endpoint, DP-B's puller pulls it (8 MiB ranges, each hashed on
// both sides, the whole file hashed again before it is renamed). Prints the pull's wall time and
// rate, unlimited and under -RateLimit, so the pacing can be compared with the limit asked for.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensurePrivateNamespace } from './netns-guard.mjs';

const USAGE = `usage: node scripts/bench-content-distribution.mjs [--mib N] [--rate BITS]
  --mib N      image size in MiB (default 512)
  --rate BITS  also pull under this -RateLimit in bit/s (default 200000000: 200 Mbit/s)`;

const { values } = parseArgs({ options: { mib: { type: 'string', default: '512' }, rate: { type: 'string', default: '200000000' }, help: { type: 'boolean' } } });
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
ensurePrivateNamespace(import.meta.url);
const dist = resolve(new URL('..', import.meta.url).pathname, 'dist/src/engine');
const { SiteStore } = await import(join(dist, 'site/store.js'));
const { siteIdentity } = await import(join(dist, 'site/identity.js'));
const { importImage } = await import(join(dist, 'content/library.js'));
const { startDistribution, statusOf, removeDistribution } = await import(join(dist, 'content/distribution.js'));
const { DPService } = await import(join(dist, 'dp/service.js'));
const { ContentPuller } = await import(join(dist, 'dp/content-puller.js'));

const dir = mkdtempSync(join(tmpdir(), 'mcshell-bench-distribution-'));
try {
  const bytes = Number(values.mib) * 1024 * 1024;
  const file = join(dir, 'image.img');
  const out = createWriteStream(file);
  for (let written = 0; written < bytes; written += 1 << 20) out.write(randomBytes(Math.min(1 << 20, bytes - written)));
  await new Promise((done) => out.end(done));
  const site = await SiteStore.open(join(dir, 'dp-a'));
  const homeB = await SiteStore.open(join(dir, 'dp-b'));
  const source = new DPService(site, { port: 0, name: 'DP-A' });
  await source.start();
  const now = new Date().toISOString();
  const record = { description: '', interfaces: [], subnets: [], version: 'bench', registeredAt: now, lastHeartbeatAt: now, signingPublicKey: null };
  const fingerprintB = (await siteIdentity(homeB)).fingerprint;
  await site.update((state) => {
    state.distributionPoints.push({ ...record, name: 'DP-B', controlEndpoint: null, certificateFingerprint: fingerprintB });
  });
  const image = await importImage(site, { path: file, name: 'Bench' });
  await site.update((state) => {
    state.contentDistributions.push({ imageId: image.id, distributionPoint: 'DP-A', state: 'Success', bytesDone: image.sizeBytes, message: '', sourceDistributionPoint: null, rateLimitBps: null, updatedAt: now });
  });
  for (const rateLimitBps of [null, Number(values.rate)]) {
    const started = Date.now();
    await startDistribution(site, { image: 'Bench', distributionPoints: ['DP-B'], rateLimitBps });
    const puller = new ContentPuller(site, 'DP-B', { local: homeB, pollMs: 100 });
    puller.start();
    let status;
    while (!['Success', 'Failed'].includes((status = statusOf(site.read(), image.id, 'DP-B')).state)) await new Promise((done) => setTimeout(done, 100));
    const seconds = (Date.now() - started) / 1000;
    await puller.stop();
    console.log(`${values.mib} MiB, limit ${rateLimitBps ? `${rateLimitBps / 1e6} Mbit/s` : 'none'}: ${status.state} in ${seconds.toFixed(2)} s = ${((bytes * 8) / seconds / 1e6).toFixed(0)} Mbit/s (incl. the final whole-file SHA-256)`);
    // Taken off DP-B again for the next run (DP-B's copy is deleted by a puller's sweep: done by hand here).
    await removeDistribution(site, 'Bench', ['DP-B']);
    rmSync(join(homeB.contentDir, image.file), { force: true });
  }
  await source.stop();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
