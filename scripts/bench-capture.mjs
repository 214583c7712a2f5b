#!/usr/bin/env node
// Times `mcshell capture` of the benchmark's disk (scripts/bench-disk-image.mjs builds it, 8 GiB by
// default) to a DP on loopback in a private network namespace: a fresh site whose deployment lets
// one enrolled device capture, the DP in this process, the capture a separate `mcshell capture`
// process (the target: ≤ 2 minutes on a 2-core machine), its progress on stderr with the
// time since it started. Prints one JSON line: the time, chunks, stored and uploaded bytes, and
// the load average before and after.
//   sudo node scripts/bench-capture.mjs [--size 8G] [--cache /var/cache/mcshell-bench] [--level 12]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensurePrivateNamespace } from './netns-guard.mjs';
import { ensureDisk } from './bench-disk-image.mjs';
import { mcshellBin, parseSize } from './bench-lan.mjs';

ensurePrivateNamespace(import.meta.url);
const { values } = parseArgs({ options: { size: { type: 'string', default: '8G' }, cache: { type: 'string', default: '/var/cache/mcshell-bench' }, level: { type: 'string', default: '12' } } });
const dist = new URL('../dist/src/engine/', import.meta.url);
const { SiteStore } = await import(new URL('site/store.js', dist));
const { DPService } = await import(new URL('dp/service.js', dist));
const { siteIdentity } = await import(new URL('site/identity.js', dist));
const { newEnrollmentToken } = await import(new URL('site/enrollment.js', dist));
const { enroll, saveCredential } = await import(new URL('client/enrollment.js', dist));

const disk = ensureDisk({ size: parseSize(values.size), cache: values.cache });
const work = mkdtempSync(join(tmpdir(), 'mcshell-bench-capture-'));
let service = null;
try {
  const store = await SiteStore.open(join(work, 'site'));
  await store.update((site) => {
    site.devices.push({ id: 'DEV001', name: 'reference', mac: '02:00:00:00:00:01' });
    site.collections.push({ id: 'COL001', name: 'Reference', description: '', memberIds: ['DEV001'] });
    site.taskSequences.push({ id: 'TS001', name: 'Capture', steps: [{ type: 'CaptureImage', imageName: 'Bench', target: 'Disk:0' }] });
    site.deployments.push({ id: 'DEP001', taskSequenceId: 'TS001', collectionId: 'COL001', option: 'DownloadWhenNeeded', availability: 'Clients', purpose: 'Available', availableAfter: null, expiresAt: null, createdAt: new Date().toISOString() });
  });
  service = new DPService(store, { port: 0 });
  const { host, port } = await service.start();
  const { fingerprint } = await siteIdentity(store);
  const { token } = await newEnrollmentToken(store, fingerprint, { uses: 1, expiresInMs: 3_600_000 });
  const credentialFile = join(work, 'credential.json');
  await saveCredential(credentialFile, await enroll({ server: `${host}:${port}`, token, mac: '02:00:00:00:00:01' }));
  const loadBefore = loadavg()[0];
  const started = performance.now();
  // Asynchronously: the DP answering the capture runs in this process.
  const child = await new Promise((resolve) => {
    const out = [];
    const proc = spawn(process.execPath, [mcshellBin, 'capture', '--disk', disk.disk, '--name', 'Bench', '--credential', credentialFile, '--level', values.level, '--json', '--progress'], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stderr.on('data', (chunk) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${chunk}`));
    proc.stdout.on('data', (chunk) => out.push(chunk));
    proc.on('exit', (code) => resolve({ code, stdout: Buffer.concat(out).toString() }));
  });
  const seconds = (performance.now() - started) / 1000;
  if (child.code !== 0) throw new Error(`mcshell capture failed: ${child.stdout}`);
  const result = JSON.parse(child.stdout);
  console.log(
    JSON.stringify({
      disk: disk.disk,
      diskBytes: disk.size,
      level: Number(values.level),
      seconds: Number(seconds.toFixed(1)),
      storedBytes: result.image.sizeBytes,
      chunks: result.chunks,
      uploadedBytes: result.sentBytes,
      loadBefore: Number(loadBefore.toFixed(2)),
      loadAfter: Number(loadavg()[0].toFixed(2)),
    }),
  );
} finally {
  await service?.stop();
  rmSync(work, { recursive: true, force: true });
}
