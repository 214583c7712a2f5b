// Issue 4 end to end, as an admin does it: the example .mcs script performs ConfigMgr's four
// steps, `mcshell serve` runs the DP, client agents run as separate processes, and the shell
// then shows the session history and the deployment status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/mcshell.js');
const MACHINES = 4;

function mcshell(site: string, args: string[]) {
  return spawnSync(process.execPath, [bin, '--site', site, ...args], { encoding: 'utf8', timeout: 60_000 });
}

test('the example script deploys an image to a lab; clients verify it; history and status say so', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-e2e-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const site = join(dir, 'site');
  const image = randomBytes(5 * 1024 * 1024 + 99);
  const imageSha = createHash('sha256').update(image).digest('hex');
  await writeFile(join(dir, 'lab-os.img'), image);
  const macs = Array.from({ length: MACHINES }, (_, i) => `02:00:00:00:10:${String(i + 1).padStart(2, '0')}`);
  await writeFile(join(dir, 'lab.csv'), ['Name,MAC', ...macs.map((mac, i) => `pc-${i + 1},${mac}`)].join('\n') + '\n');

  const setup = mcshell(site, [join(root, 'examples/deploy-lab.mcs'), '-Image', join(dir, 'lab-os.img'), '-Devices', join(dir, 'lab.csv'), '-Target', join(dir, '{name}.img')]);
  assert.equal(setup.status, 0, setup.stderr);
  const [deployment, enrollment] = setup.stdout.trim().split('\n').map((line) => JSON.parse(line)) as [{ Id: string; Collection: string; Targeted: number }, { Token: string; UsesLeft: number }];
  assert.equal(enrollment.UsesLeft, MACHINES, 'one enrollment token for the whole lab');
  assert.equal(deployment.Collection, 'Lab');
  assert.equal(deployment.Targeted, MACHINES);

  const serve = spawn(process.execPath, [bin, 'serve', '--site', site, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => void serve.kill('SIGKILL'));
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: serve.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as { event: string; port?: number };
      if (event.event === 'listening') resolve(event.port!);
    });
    serve.once('exit', (code) => reject(new Error(`mcshell serve exited ${code}`)));
  });
  const clients = await Promise.all(
    macs.map(
      (mac) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, [bin, 'client', '--server', `127.0.0.1:${port}`, '--enroll', enrollment.Token, '--mac', mac, '--credential', join(dir, `${mac.replaceAll(':', '')}.credential.json`)], { stdio: 'ignore' });
          child.on('close', resolve);
        }),
    ),
  );
  assert.deepEqual(clients, macs.map(() => 0));
  for (let i = 1; i <= MACHINES; i++) {
    assert.equal(createHash('sha256').update(await readFile(join(dir, `pc-${i}.img`))).digest('hex'), imageSha, `pc-${i}.img is the image`);
  }
  assert.deepEqual((await readdir(dir)).filter((name) => /\.(partial|mcpart|mcstate)$/.test(name)), []);
  serve.kill('SIGTERM');
  assert.equal(await new Promise((resolve) => serve.once('exit', resolve)), 0);

  const history = mcshell(site, ['-c', 'Get-MulticastSession -History']);
  assert.equal(history.status, 0, history.stderr);
  const sessions = history.stdout.trim().split('\n').map((line) => JSON.parse(line) as { State: string; Image: string; Clients: number; Verified: number });
  assert.equal(sessions.length, 1);
  assert.deepEqual([sessions[0]!.State, sessions[0]!.Image, sessions[0]!.Clients, sessions[0]!.Verified], ['Completed', 'Lab OS', MACHINES, MACHINES]);

  const status = mcshell(site, ['-c', `Get-TSDeployment ${deployment.Id} | Select-Object Succeeded, Failed, InProgress`]);
  assert.equal(status.status, 0, status.stderr);
  assert.deepEqual(JSON.parse(status.stdout), { Succeeded: MACHINES, Failed: 0, InProgress: 0 });
});

test('a failed setup step leaves the site as it was: a bad device list stops nothing silently', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-e2e-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const site = join(dir, 'site');
  await writeFile(join(dir, 'os.img'), randomBytes(4096));
  await writeFile(join(dir, 'lab.csv'), 'Name,MAC\npc-1,00:11:22:33:44:55\npc-2,not-a-mac\n');
  const result = mcshell(site, [join(root, 'examples/deploy-lab.mcs'), '-Image', join(dir, 'os.img'), '-Devices', join(dir, 'lab.csv'), '-Target', join(dir, '{name}.img')]);
  assert.equal(result.status, 1, 'an error was written, so the exit code is 1');
  assert.match(result.stderr, /'not-a-mac' is not a MAC address/);
  const devices = mcshell(site, ['-c', 'Get-Device | ForEach-Object Name']);
  assert.deepEqual(devices.stdout.trim().split('\n').map((line) => JSON.parse(line)), ['pc-1'], 'the good row was added, the bad one not at all');
});

test('an encrypted image through `mcshell serve` and `mcshell client` processes: every client verifies, later runs need no token', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-e2e-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const site = join(dir, 'site');
  const image = randomBytes(3 * 1024 * 1024 + 17);
  const imageSha = createHash('sha256').update(image).digest('hex');
  await writeFile(join(dir, 'secret-os.img'), image);
  const macs = ['02:00:00:00:30:01', '02:00:00:00:30:02'];
  await writeFile(join(dir, 'lab.csv'), ['Name,MAC', ...macs.map((mac, i) => `sec-${i + 1},${mac}`)].join('\n') + '\n');
  const setup = mcshell(site, [join(root, 'examples/deploy-lab.mcs'), '-Image', join(dir, 'secret-os.img'), '-Devices', join(dir, 'lab.csv'), '-Target', join(dir, '{name}.img'), '-Encrypt']);
  assert.equal(setup.status, 0, setup.stderr);
  const enrollment = JSON.parse(setup.stdout.trim().split('\n').at(-1)!) as { Token: string };
  const images = mcshell(site, ['-c', 'Get-OSImage | Select-Object Name, MulticastEncrypt']);
  assert.deepEqual(JSON.parse(images.stdout), { Name: 'Lab OS', MulticastEncrypt: true });

  const serve = spawn(process.execPath, [bin, 'serve', '--site', site, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => void serve.kill('SIGKILL'));
  const events: { event: string; port?: number; fingerprint?: string; State?: string }[] = [];
  const listening = await new Promise<{ port: number; fingerprint: string }>((resolve, reject) => {
    createInterface({ input: serve.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as (typeof events)[number];
      events.push(event);
      if (event.event === 'listening') resolve({ port: event.port!, fingerprint: event.fingerprint! });
    });
    serve.once('exit', (code) => reject(new Error(`mcshell serve exited ${code}`)));
  });
  assert.ok(enrollment.Token.endsWith(`.${listening.fingerprint}`), 'the token pins the certificate the DP serves with');
  const credential = (mac: string) => join(dir, `${mac.replaceAll(':', '')}.credential.json`);
  const client = (args: string[]) =>
    new Promise<{ code: number | null; result: { ok: boolean; message: string; steps: { mode?: string; sha256?: string }[] } }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'client', ...args, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.on('close', (code) => resolve({ code, result: JSON.parse(stdout) }));
    });
  const first = await Promise.all(macs.map((mac) => client(['--server', `127.0.0.1:${listening.port}`, '--enroll', enrollment.Token, '--mac', mac, '--credential', credential(mac)])));
  for (const { code, result } of first) {
    assert.equal(code, 0, result.message);
    assert.equal(result.steps[0]!.mode, 'multicast');
  }
  for (let i = 1; i <= macs.length; i++) assert.equal(createHash('sha256').update(await readFile(join(dir, `sec-${i}.img`))).digest('hex'), imageSha);

  // The token is used up; the saved credentials are enough (the server comes from them too).
  const again = await client(['--server', `127.0.0.1:${listening.port}`, '--enroll', enrollment.Token, '--mac', macs[0]!, '--credential', join(dir, 'third.json')]);
  assert.equal(again.code, 1);
  assert.match(again.result.message, /enrollment failed: Enrollment refused: the token has been used up/);
  await mcshell(site, ['-c', 'Set-DPMulticast -MinimumSessionSize 1']);
  const rerun = await client(['--credential', credential(macs[1]!)]);
  assert.equal(rerun.code, 0, rerun.result.message);
  serve.kill('SIGTERM');
  assert.equal(await new Promise((resolve) => serve.once('exit', resolve)), 0);
  assert.ok(events.some((event) => event.event === 'refused'), 'the refused enrollment is in the DP log');
  const enrolled = mcshell(site, ['-c', 'Get-EnrolledClient | ForEach-Object Device']);
  assert.deepEqual(enrolled.stdout.trim().split('\n').map((line) => JSON.parse(line)).sort(), ['sec-1', 'sec-2']);
});
