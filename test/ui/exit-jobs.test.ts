// Background jobs in the interactive shell, in tmux against the real binary: Ctrl+C at the prompt
// leaves a job running; leaving the shell names the running jobs and asks; yes stops them and exits.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { exitStatus, scratch, hasTmux, shellCommand } from './tmux.js';

test('Ctrl+C leaves background jobs running; Ctrl+D names them and asks before stopping them', { skip: hasTmux ? false : 'tmux is not installed' }, async (t) => {
  const { dir, tmux, statusFile } = await scratch(t, 'exit-jobs');
  tmux.start(shellCommand(join(dir, 'site'), statusFile));
  await tmux.waitFor(/^mcs>/m);
  tmux.type("Start-Job { while ($true) { } } -Name spin | Out-Null; 'started'");
  tmux.keys('Enter');
  await tmux.waitFor(/^started\nmcs>/m);
  tmux.keys('C-c');
  tmux.type('(Get-Job -Name spin).State');
  tmux.keys('Enter');
  await tmux.waitFor(/^mcs> \(Get-Job -Name spin\)\.State\nRunning\nmcs>/m);

  tmux.keys('C-d');
  await tmux.waitFor(/1 background job is running \(spin\); exiting stops it\. Exit anyway\? \[y\/N\]/);
  tmux.type('y');
  tmux.keys('Enter');
  assert.equal(await exitStatus(statusFile), '0');
});
