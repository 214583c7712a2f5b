// `mcshell client` against `mcshell serve`, as separate processes: a client started before its DP
// waits for it; a required deployment runs once; a client waiting for its session says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeLab, makeToken, rawRequest } from './fixtures.js';

const bin = fileURLToPath(new URL('../../../../bin/mcshell.js', import.meta.url));

/** A port nothing listens on (yet). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(args: string[]): { child: ChildProcess; stderr: () => string; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, stderr: () => stderr, done };
}

function stderrLine(process: ReturnType<typeof run>, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (pattern.test(process.stderr())) {
        process.child.stderr!.off('data', check);
        resolve();
      }
    };
    process.child.stderr!.on('data', check);
    void process.done.then(({ code, stderr }) => reject(new Error(`exited ${code} before printing ${pattern}: ${stderr}`)));
  });
}

test('mcshell client started before mcshell serve waits for the DP, says so, then enrolls and deploys', async (t) => {
  const lab = await makeLab({ devices: 1 });
  const token = await makeToken(lab.store, 1);
  const port = await freePort();
  const device = lab.devices[0]!;
  const client = run(['client', '--server', `127.0.0.1:${port}`, '--enroll', token, '--mac', device.mac, '--credential', join(lab.dir, 'credential.json'), '--json']);
  t.after(() => void client.child.kill('SIGKILL'));
  // Two refused attempts, so the backoff and the attempt count are seen.
  await stderrLine(client, new RegExp(`waiting for the DP at 127\\.0\\.0\\.1:${port} \\(attempt 2: .*ECONNREFUSED`));
  const serve = run(['serve', '--site', lab.store.home, '--port', String(port)]);
  t.after(() => void serve.child.kill('SIGKILL'));
  const result = await client.done;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /waiting for the DP at .*\(attempt 1: .*\); next attempt in 1 s, giving up at \d\d:\d\d:\d\d/);
  assert.equal((JSON.parse(result.stdout) as { ok: boolean }).ok, true);
  assert.equal(createHash('sha256').update(await readFile(lab.target(device.name))).digest('hex'), lab.sha256);
  serve.child.kill('SIGTERM');
  assert.equal((await serve.done).code, 0);
});

test('mcshell client gives up on a DP that never answers after --wait-for-dp, with a clear error and exit 1', async () => {
  const port = await freePort();
  const token = `abcdef.${'s'.repeat(24)}.${'0'.repeat(64)}`;
  const result = await run(['client', '--server', `127.0.0.1:${port}`, '--enroll', token, '--name', 'pc-01', '--credential', '/nonexistent/credential.json', '--wait-for-dp', '2s']).done;
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`waiting for the DP at 127\\.0\\.0\\.1:${port} \\(attempt 1: `));
  assert.match(result.stderr, /enrollment failed: cannot reach the DP at .*ECONNREFUSED.*; gave up after waiting 2 s \(\d+ attempts\): is the DP \(mcshell serve\) running/);
});

test('mcshell client --wait-for-dp takes a duration and refuses anything else', async () => {
  const result = await run(['client', '--server', '127.0.0.1', '--wait-for-dp', 'soon']).done;
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--wait-for-dp must be a duration such as 90s, 10m or 1h/);
});

/** `mcshell serve` on a free port; its JSON log lines as they come. */
async function serve(t: { after(fn: () => void): void }, home: string) {
  const process = run(['serve', '--site', home, '--port', '0']);
  t.after(() => void process.child.kill('SIGKILL'));
  const events: { event: string; port?: number; State?: string; Name?: string }[] = [];
  let buffered = '';
  const port = await new Promise<number>((resolve) => {
    process.child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const event = JSON.parse(line) as (typeof events)[number];
        events.push(event);
        if (event.event === 'listening') resolve(event.port!);
      }
    });
  });
  return { process, port, events };
}

test('a required deployment that succeeded is not run again: the client says so and exits 0; --rerun runs it again', async (t) => {
  const lab = await makeLab({ devices: 1 });
  const token = await makeToken(lab.store, 1);
  const { port } = await serve(t, lab.store.home);
  const device = lab.devices[0]!;
  const credential = join(lab.dir, 'credential.json');
  const first = await run(['client', '--server', `127.0.0.1:${port}`, '--enroll', token, '--mac', device.mac, '--credential', credential]).done;
  assert.equal(first.code, 0, first.stderr);
  await rm(lab.target(device.name));
  const again = await run(['client', '--credential', credential]).done;
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^done: deployment DEP001 \(Image lab\) already succeeded on lab-01 at .+: a required deployment runs once \(--rerun runs it again\)\n$/);
  assert.equal(existsSync(lab.target(device.name)), false, 'nothing was applied again');
  const rerun = await run(['client', '--credential', credential, '--rerun']).done;
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stdout, /^done: Image lab: 3 step\(s\) succeeded/);
  assert.equal(createHash('sha256').update(await readFile(lab.target(device.name))).digest('hex'), lab.sha256);
});

test('a client waiting for its scheduled session says for how many clients and until when; the DP shows it Waiting, with the session StartsBy', async (t) => {
  const lab = await makeLab({ devices: 2, dp: { scheduled: { enabled: true, startDelayMinutes: 10, minimumSessionSize: 2 } } });
  const token = await makeToken(lab.store, 2);
  const dp = await serve(t, lab.store.home);
  const client = (device: (typeof lab.devices)[number]) => {
    const process = run(['client', '--server', `127.0.0.1:${dp.port}`, '--enroll', token, '--mac', device.mac, '--credential', join(lab.dir, `${device.name}.json`)]);
    t.after(() => void process.child.kill('SIGKILL'));
    return process;
  };
  const first = client(lab.devices[0]!);
  await stderrLine(first, /session MC\d+ is waiting for 1 more client; starts by \d\d:\d\d at the latest/);
  assert.ok(
    dp.events.some((event) => event.event === 'client' && event.Name === 'lab-01' && event.State === 'Waiting'),
    'the DP shows the waiting client as Waiting',
  );
  assert.ok(!dp.events.some((event) => event.event === 'client' && event.State === 'Receiving'), 'not Receiving 0 %');
  const { credential } = JSON.parse(await readFile(join(lab.dir, 'lab-01.json'), 'utf8')) as { credential: string };
  const [session] = JSON.parse((await rawRequest(`127.0.0.1:${dp.port}`, 'GET', '/v1/sessions', { credential })).body) as { State: string; Status: string; StartsBy: string }[];
  assert.equal(session!.State, 'Waiting');
  assert.match(session!.Status, /^waiting for 1 more client; starts by \d\d:\d\d at the latest$/);
  assert.ok(Date.parse(session!.StartsBy) > Date.now(), session!.StartsBy);
  const second = client(lab.devices[1]!);
  for (const process of [first, second]) {
    const result = await process.done;
    assert.equal(result.code, 0, result.stderr);
  }
});
