// Leaving the interactive shell while its in-process DP runs a multicast session, in tmux against
// the real binary: Ctrl+D and `exit` warn and ask; no (the default) keeps the shell and the
// session; yes stops the session, which the history then records as Stopped.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { bin, exitStatus, scratch, freePort, hasTmux, shellCommand } from './tmux.js';

const QUESTION = /1 multicast session is running \(MC0001, 0 clients\); exiting stops it\. Exit anyway\? \[y\/N\]/;

test('Ctrl+D and exit ask before ending running sessions; the session ends as Stopped', { skip: hasTmux ? false : 'tmux is not installed' }, async (t) => {
  const { dir, tmux, statusFile } = await scratch(t, 'exit');
  const site = join(dir, 'site');
  await writeFile(join(dir, 'lab.img'), randomBytes(4 * 1024 * 1024));
  const setup = spawnSync(process.execPath, [bin, '--site', site, '-c', `Import-OSImage ${join(dir, 'lab.img')} -Name Lab | Out-Null`], { encoding: 'utf8' });
  assert.equal(setup.status, 0, setup.stderr);
  tmux.start(shellCommand(site, statusFile));
  await tmux.waitFor(/^mcs>/m);
  // A session started by hand, with no client yet: it runs until stopped.
  tmux.type(`Start-DPService -Port ${await freePort()} | Out-Null; Start-MulticastSession Lab | Out-Null; 'started'`);
  tmux.keys('Enter');
  await tmux.waitFor(/^started\nmcs>/m);

  tmux.keys('C-d');
  await tmux.waitFor(QUESTION);
  tmux.keys('Enter');
  tmux.type('(Get-MulticastSession).State');
  tmux.keys('Enter');
  await tmux.waitFor(/^mcs> \(Get-MulticastSession\)\.State\nRunning\nmcs>/m);

  tmux.type('exit');
  tmux.keys('Enter');
  await tmux.waitFor(new RegExp(`mcs> exit\\n${QUESTION.source}`));
  tmux.type('n');
  tmux.keys('Enter');
  await tmux.waitFor(/Exit anyway\? \[y\/N\] n\nmcs>/);

  tmux.type('exit');
  tmux.keys('Enter');
  await tmux.waitFor(/\[y\/N\] n\nmcs> exit\n.*Exit anyway\? \[y\/N\]/);
  tmux.type('y');
  tmux.keys('Enter');
  assert.equal(await exitStatus(statusFile), '0');
  const history = spawnSync(process.execPath, [bin, '--site', site, '-c', 'Get-MulticastSession -History | ForEach-Object { "$($_.Image) $($_.State)" }'], { encoding: 'utf8' });
  assert.equal(history.stdout, '"Lab Stopped"\n', history.stderr);
});
