// A client agent started before its DP (machines in a lab often boot before their server): it
// waits, says so, and carries on once the DP answers; with nothing ever answering it gives up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeLab, makeToken } from './fixtures.js';

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
