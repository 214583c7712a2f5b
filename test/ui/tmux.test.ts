// The real binary in a real terminal (tmux): type a command with Tab completion and see its
// table; type ahead while a command runs; start the DP, let two client agents ask for an image
// over `lo`, watch the session in the dashboard until it finishes, and type `exit` at once.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bin, exitStatus, freePort, hasTmux, root, shellCommand, Tmux } from './tmux.js';

test('the interactive shell in tmux: Tab completion, a table, type-ahead, the session dashboard, exit', { skip: hasTmux ? false : 'tmux is not installed' }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-tmux-'));
  const site = join(dir, 'site');
  const tmux = new Tmux();
  t.after(async () => {
    tmux.kill();
    await rm(dir, { recursive: true, force: true });
  });
  await writeFile(join(dir, 'lab.img'), randomBytes(8 * 1024 * 1024));
  await writeFile(join(dir, 'lab.csv'), 'Name,MAC\npc-1,02:00:00:00:20:01\npc-2,02:00:00:00:20:02\n');
  const setup = spawnSync(process.execPath, [bin, '--site', site, join(root, 'examples/deploy-lab.mcs'), '-Image', join(dir, 'lab.img'), '-Devices', join(dir, 'lab.csv'), '-Target', join(dir, '{name}.out')], { encoding: 'utf8' });
  assert.equal(setup.status, 0, setup.stderr);

  const statusFile = join(dir, 'exit-status');
  tmux.start(shellCommand(site, statusFile));
  await tmux.waitFor(/^mcs>/m);
  tmux.type('Get-Comm');
  tmux.keys('Tab');
  await tmux.waitFor(/^mcs> Get-Command +$/m);
  tmux.type('-Verb Get');
  tmux.keys('Enter');
  const table = await tmux.waitFor(/Get-OSImage[\s\S]*\nmcs>/);
  assert.match(table, /mcs> Get-Command -Verb Get\n/);
  assert.match(table, /CommandType +Name +Synopsis/);

  // Typed while a command runs: the next prompt gets it.
  tmux.type('Start-Sleep -Milliseconds 600');
  tmux.keys('Enter');
  tmux.type("'typed ahead'");
  tmux.keys('Enter');
  await tmux.waitFor(/^mcs> 'typed ahead'\ntyped ahead\nmcs>/m);

  const port = await freePort();
  tmux.type(`Start-DPService -Port ${port}`);
  tmux.keys('Enter');
  await tmux.waitFor(new RegExp(`127\\.0\\.0\\.1:${port}[\\s\\S]*\\nmcs>`));

  const { Token: token } = JSON.parse(setup.stdout.trim().split('\n').at(-1)!) as { Token: string };
  const clients = ['02:00:00:00:20:01', '02:00:00:00:20:02'].map((mac) =>
    spawn(process.execPath, [bin, 'client', '--server', `127.0.0.1:${port}`, '--enroll', token, '--mac', mac, '--credential', join(dir, `${mac.replaceAll(':', '')}.credential.json`)], { stdio: 'ignore' }),
  );
  t.after(() => clients.forEach((client) => client.kill('SIGKILL')));
  // Watch once the clients' requests have opened the session.
  tmux.type('while (-not (Get-MulticastSession)) { Start-Sleep -Milliseconds 100 }; Watch-MulticastSession');
  tmux.keys('Enter');
  await tmux.waitFor(/q leave/, 60_000);
  // The live view has gone (its key help with it): `exit` at once, whether or not the prompt is back.
  const finished = await tmux.waitFor(/MC0001 Completed(?![\s\S]*q leave)/, 60_000);
  tmux.type('exit');
  tmux.keys('Enter');
  assert.equal(await exitStatus(statusFile), '0');
  // The dashboard's final frame stays in the scrollback: both clients done, with their loss.
  const loss = '(?:—|\\d+(?:\\.\\d)?% loss)';
  assert.match(finished, new RegExp(`pc-1 +127\\.0\\.0\\.1 +█+ +100% +— +${loss} done`));
  assert.match(finished, new RegExp(`pc-2 +127\\.0\\.0\\.1 +█+ +100% +— +${loss} done`));
  assert.match(tmux.screen(), /Id +State[\s\S]*MC0001 +Completed[\s\S]*mcs> exit/, 'the session object, then the exit typed ahead');
  assert.deepEqual(await Promise.all(clients.map((client) => new Promise((resolve) => (client.exitCode !== null ? resolve(client.exitCode) : client.on('exit', resolve))))), [0, 0]);
});

test('the dashboard of a headless DP in another process: it waits for a session, shows it when it starts, and ends with it', { skip: hasTmux ? false : 'tmux is not installed' }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-tmux-'));
  const site = join(dir, 'site');
  const tmux = new Tmux();
  const serve = spawn(process.execPath, [bin, 'serve', '--site', site, '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(async () => {
    tmux.kill();
    serve.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });
  await writeFile(join(dir, 'lab.img'), randomBytes(64 * 1024));
  await writeFile(join(dir, 'lab.csv'), 'Name,MAC\npc-1,02:00:00:00:21:01\n');
  await new Promise<void>((resolve) => serve.stdout!.once('data', () => resolve()));
  const setup = spawnSync(process.execPath, [bin, '--site', site, join(root, 'examples/deploy-lab.mcs'), '-Image', join(dir, 'lab.img'), '-Devices', join(dir, 'lab.csv')], { encoding: 'utf8' });
  assert.equal(setup.status, 0, setup.stderr);
  const other = (command: string) => spawnSync(process.execPath, [bin, '--site', site, '-c', command], { encoding: 'utf8' });

  tmux.start([process.execPath, bin, '--site', site]);
  await tmux.waitFor(/^mcs>/m);
  tmux.type('Watch-MulticastSession');
  tmux.keys('Enter');
  await tmux.waitFor(/waiting for a multicast session…\n.*q leave/);
  const started = other("Start-MulticastSession 'Lab OS'");
  assert.equal(started.status, 0, started.stderr);
  await tmux.waitFor(/MC0001 (Waiting|Running) Lab OS/);
  const stopped = other('Stop-MulticastSession MC0001 -Confirm:$false');
  assert.equal(stopped.status, 0, stopped.stderr);
  const screen = await tmux.waitFor(/MC0001 +Stopped[\s\S]*\nmcs>/);
  assert.doesNotMatch(screen.split('MC0001 Stopped').at(-1)!, /q leave/, 'the live view has gone; its final frame stays');
});
