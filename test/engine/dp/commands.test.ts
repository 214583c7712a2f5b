// The DP and client agent as an admin runs them: separate processes of the real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { makeLab, makeToken } from './fixtures.js';

const bin = fileURLToPath(new URL('../../../../bin/mcshell.js', import.meta.url));

test('mcshell demo deploys to every client by multicast and exits 0 only when all verified', () => {
  const result = spawnSync(process.execPath, [bin, 'demo', '--clients', '3', '--size', '3M', '--json'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout) as { ok: boolean; imageSha256: string; clients: { ok: boolean; mode: string; sha256: string }[] };
  assert.equal(report.ok, true);
  assert.equal(report.clients.length, 3);
  for (const client of report.clients) {
    assert.equal(client.ok, true);
    assert.equal(client.mode, 'multicast');
    assert.equal(client.sha256, report.imageSha256);
  }
});

test('mcshell demo rejects bad arguments with a usage error', () => {
  const result = spawnSync(process.execPath, [bin, 'demo', '--size', 'lots'], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /--size must be a byte count such as 64M/);
});

test('mcshell serve and two mcshell client processes: clients verify, serve logs and stops on SIGTERM', async (t) => {
  const lab = await makeLab({ devices: 2, dp: { scheduled: { enabled: true, startDelayMinutes: 10, minimumSessionSize: 2 } } });
  const token = await makeToken(lab.store, 2);
  const serve = spawn(process.execPath, [bin, 'serve', '--site', lab.store.home, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => void serve.kill('SIGKILL'));
  const events: { event: string; port?: number; State?: string }[] = [];
  const lines = createInterface({ input: serve.stdout! });
  const listening = new Promise<number>((resolve) => {
    lines.on('line', (line) => {
      const event = JSON.parse(line) as (typeof events)[number];
      events.push(event);
      if (event.event === 'listening') resolve(event.port!);
    });
  });
  const port = await listening;
  const client = (device: (typeof lab.devices)[number]) =>
    new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const credential = join(lab.dir, `${device.name}.credential.json`);
      const child = spawn(process.execPath, [bin, 'client', '--server', `127.0.0.1:${port}`, '--enroll', token, '--mac', device.mac, '--credential', credential, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.on('close', (code) => resolve({ code, stdout }));
    });
  const results = await Promise.all(lab.devices.map(client));
  for (const [i, result] of results.entries()) {
    assert.equal(result.code, 0, result.stdout);
    const digest = createHash('sha256').update(await readFile(lab.target(lab.devices[i]!.name))).digest('hex');
    assert.equal(digest, lab.sha256);
  }
  serve.kill('SIGTERM');
  const code = await new Promise((resolve) => serve.once('exit', resolve));
  assert.equal(code, 0);
  const names = events.map((event) => event.event);
  assert.ok(names.includes('session-started') && names.includes('session-ended') && names.at(-1) === 'stopped', names.join(','));
  assert.equal(events.find((event) => event.event === 'session-ended')?.State, 'Completed');
});

test('mcshell client: enrolling needs a device identity, a bad MAC is a usage error, no credential is a clear error', () => {
  const none = spawnSync(process.execPath, [bin, 'client', '--server', '127.0.0.1', '--enroll', 'abcdef.x.y'], { encoding: 'utf8' });
  assert.equal(none.status, 2);
  assert.match(none.stderr, /--enroll needs --mac and\/or --name/);
  const bad = spawnSync(process.execPath, [bin, 'client', '--server', '127.0.0.1', '--mac', 'zz:zz'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--mac 'zz:zz' is not a MAC address/);
  const lan = spawnSync(process.execPath, [bin, 'client', '--server', '198.18.0.1', '--name', 'x'], { encoding: 'utf8' });
  assert.equal(lan.status, 2);
  assert.match(lan.stderr, /--interface is required when the server is not on loopback/);
  const unenrolled = spawnSync(process.execPath, [bin, 'client', '--server', '127.0.0.1', '--credential', '/nonexistent/credential.json'], { encoding: 'utf8' });
  assert.equal(unenrolled.status, 1);
  assert.match(unenrolled.stderr, /this machine is not enrolled .*--enroll <token>/);
});
