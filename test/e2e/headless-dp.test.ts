// Issue 16, items 4, 15 and 17 with real processes: `mcshell serve` runs the DP headless, client
// agents wait in its scheduled session, and a second process (`mcshell -c`) lists the sessions
// and clients, watches, disconnects a client and stops the session through the DP's admin socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/mcshell.js');

interface Run {
  status: number;
  stdout: string;
  stderr: string;
  /** stdout as JSON lines (the piped output of `mcshell -c`). */
  objects: Record<string, unknown>[];
}

function mcshell(site: string, command: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, '--site', site, '-c', command], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      const objects = stdout.trim() ? stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>) : [];
      resolve({ status: typeof error?.code === 'number' ? error.code : error ? -1 : 0, stdout, stderr, objects });
    });
  });
}

/** `mcshell serve` on a free port; resolves once it listens. */
async function serve(t: { after(fn: () => void): void }, site: string): Promise<{ process: ChildProcess; port: number; adminSocket: string }> {
  const child = spawn(process.execPath, [bin, 'serve', '--site', site, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => void child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as { event: string; port?: number; adminSocket?: string };
      if (event.event === 'listening') resolve({ process: child, port: event.port!, adminSocket: event.adminSocket! });
    });
    child.once('exit', (code) => reject(new Error(`mcshell serve exited ${code}`)));
  });
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));

/** Runs `command` until `done` accepts its output (the DP changes state on its own time). */
async function until(site: string, command: string, done: (run: Run) => boolean): Promise<Run> {
  for (;;) {
    const run = await mcshell(site, command);
    assert.equal(run.status, 0, run.stderr);
    if (done(run)) return run;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('a headless DP is listed, watched, disconnected from and stopped by the session cmdlets of another process', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-headless-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const site = join(dir, 'site');
  await writeFile(join(dir, 'lab.img'), randomBytes(1024 * 1024 + 5));
  // Three machines in the lab: the session waits for all three (or ten minutes), and two come.
  await writeFile(join(dir, 'lab.csv'), 'Name,MAC\npc-1,02:00:00:00:40:01\npc-2,02:00:00:00:40:02\npc-3,02:00:00:00:40:03\n');
  const setup = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [bin, '--site', site, join(root, 'examples/deploy-lab.mcs'), '-Image', join(dir, 'lab.img'), '-Devices', join(dir, 'lab.csv'), '-Target', join(dir, '{name}.img')], { encoding: 'utf8' }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    ),
  );
  const { Token: token } = JSON.parse(setup.trim().split('\n').at(-1)!) as { Token: string };

  const dp = await serve(t, site);

  // Item 17 without a terminal: nothing to watch is an error, not silence.
  const nothing = await mcshell(site, 'Watch-MulticastSession');
  assert.equal(nothing.status, 1);
  assert.match(nothing.stderr, /No multicast session is waiting or running/);
  assert.match(nothing.stderr, /NoMulticastSession/);

  // A second DP for the same site is refused, naming the process that serves it.
  const second = await mcshell(site, 'Start-DPService -Port 0');
  assert.equal(second.status, 1);
  assert.match(second.stderr, new RegExp(`Process ${dp.process.pid} already runs the distribution point`));

  const notHere = await mcshell(site, 'Stop-DPService');
  assert.match(notHere.stderr, new RegExp(`runs in process ${dp.process.pid}, not in this shell`));

  const clients = ['02:00:00:00:40:01', '02:00:00:00:40:02'].map((mac) =>
    spawn(process.execPath, [bin, 'client', '--server', `127.0.0.1:${dp.port}`, '--enroll', token, '--mac', mac, '--credential', join(dir, `${mac.replaceAll(':', '')}.json`)], { stdio: 'ignore' }),
  );
  t.after(() => clients.forEach((client) => client.kill('SIGKILL')));

  const waiting = await until(site, 'Get-MulticastClient | Sort-Object Name', (run) => run.objects.length === 2);
  assert.deepEqual(waiting.objects.map((client) => [client.SessionId, client.Name]), [['MC0001', 'pc-1'], ['MC0001', 'pc-2']]);
  const sessions = await mcshell(site, 'Get-MulticastSession');
  assert.equal(sessions.status, 0, sessions.stderr);
  assert.deepEqual(sessions.objects.map((session) => [session.Id, session.State, session.Image, session.Clients]), [['MC0001', 'Waiting', 'Lab OS', 2]]);

  assert.equal(dp.adminSocket, join(site, 'dp.sock'));
  assert.equal((await stat(dp.adminSocket)).mode & 0o777, 0o600, 'only the site owner can reach the admin socket');

  // Watched from another process until the session ends; its final state comes out.
  const watcher = spawn(process.execPath, [bin, '--site', site, '-c', 'Watch-MulticastSession'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => void watcher.kill('SIGKILL'));
  let watched = '';
  let watchErrors = '';
  watcher.stdout!.on('data', (chunk: Buffer) => (watched += chunk.toString()));
  watcher.stderr!.on('data', (chunk: Buffer) => (watchErrors += chunk.toString()));

  const disconnected = await mcshell(site, 'Disconnect-MulticastClient -SessionId MC0001 pc-1 -Force -PassThru -Confirm:$false');
  assert.equal(disconnected.status, 0, disconnected.stderr);
  assert.deepEqual([disconnected.objects[0]!.Name, disconnected.objects[0]!.State], ['pc-1', 'Disconnected']);
  assert.notEqual(await exited(clients[0]!), 0, 'a client disconnected with -Force ends its installation');
  const unknown = await mcshell(site, 'Disconnect-MulticastClient -SessionId MC0001 pc-9 -Confirm:$false');
  assert.match(unknown.stderr, /No client 'pc-9' in session MC0001/, 'the DP’s errors reach the other process as they are');

  const stopped = await mcshell(site, 'Stop-MulticastSession MC0001 -PassThru -Confirm:$false');
  assert.equal(stopped.status, 0, stopped.stderr);
  assert.equal(await exited(watcher), 0, watchErrors);
  assert.deepEqual(
    watched.trim().split('\n').map((line) => (JSON.parse(line) as { Id: string; State: string }).State),
    ['Stopped'],
    'the watch ends with the session, and outputs its final state',
  );

  // Started from the other process too (no client left to join it); then stopped while it waits for receivers.
  clients.forEach((client) => client.kill('SIGKILL'));
  await Promise.all(clients.map(exited));
  const started = await mcshell(site, "Start-MulticastSession 'Lab OS'");
  assert.equal(started.status, 0, started.stderr);
  const startedId = started.objects[0]!.Id as string;
  assert.match(startedId, /^MC\d{4}$/);
  assert.notEqual(startedId, 'MC0001', 'a new session gets a new id');
  assert.equal((await mcshell(site, `Stop-MulticastSession ${startedId} -Confirm:$false`)).status, 0);
  await until(site, 'Get-MulticastSession -History', (run) => run.objects.some((session) => session.Id === startedId));

  // Item 15: the history has the ids the live views showed, and why each session started.
  dp.process.kill('SIGTERM');
  assert.equal(await exited(dp.process), 0);
  assert.equal(existsSync(dp.adminSocket), false, 'a DP that stops removes its socket');
  const history = await mcshell(site, 'Get-MulticastSession -History');
  const byId = new Map(history.objects.map((session) => [session.Id, session]));
  assert.deepEqual([byId.get('MC0001')?.State, byId.get('MC0001')?.StartReason], ['Stopped', null]);
  assert.deepEqual([byId.get(startedId)?.State, byId.get(startedId)?.StartReason], ['Stopped', 'Manual']);

  const none = await mcshell(site, 'Get-MulticastClient');
  assert.equal(none.status, 1);
  assert.match(none.stderr, /No distribution point serves the site .*: none runs in this shell nor in another process/);
});

test('a DP that died leaves its admin socket behind: the cmdlets say no DP runs, and the next DP replaces it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-headless-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const site = join(dir, 'site');
  const first = await serve(t, site);
  first.process.kill('SIGKILL');
  await exited(first.process);
  assert.equal(existsSync(first.adminSocket), true, 'SIGKILL leaves the socket file');
  const sessions = await mcshell(site, 'Get-MulticastSession');
  assert.deepEqual([sessions.status, sessions.objects], [0, []]);
  const watch = await mcshell(site, 'Watch-MulticastSession');
  assert.match(watch.stderr, /DPServiceNotRunning/);
  const next = await serve(t, site);
  assert.equal((await mcshell(site, 'Get-MulticastSession')).status, 0);
  next.process.kill('SIGTERM');
  assert.equal(await exited(next.process), 0);
});
