// -Confirm in the interactive shell, in tmux against the real binary: PowerShell's question, a
// letter and Enter, Enter for the default, ? for help, Yes to All for the rest of the pipeline,
// Ctrl+C stopping the pipeline, and no answer ever landing on the next prompt.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { bin, exitStatus, scratch, hasTmux, shellCommand } from './tmux.js';

const CHOICES = '[Y] Yes  [A] Yes to All  [N] No  [L] No to All  [S] Suspend  [?] Help (default is "Y"):';
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('-Confirm in the interactive shell: the question, its answers, and a prompt that keeps working', { skip: hasTmux ? false : 'tmux is not installed' }, async (t) => {
  const { dir, tmux, statusFile } = await scratch(t, 'confirm');
  const site = join(dir, 'site');
  await writeFile(join(dir, 'a.img'), 'image');
  const setup = spawnSync(process.execPath, [bin, '--site', site, '-c', `'A','B','C','D' | ForEach-Object { Import-OSImage ${join(dir, 'a.img')} -Name $_ } | Out-Null`], { encoding: 'utf8' });
  assert.equal(setup.status, 0, setup.stderr);
  tmux.start(shellCommand(site, statusFile));
  await tmux.waitFor(/^mcs>/m);

  // Removing is high impact: it asks, as PowerShell does, and ? explains the choices.
  tmux.type('Get-OSImage | Remove-OSImage');
  tmux.keys('Enter');
  await tmux.waitFor(new RegExp(`Confirm\\nAre you sure you want to perform this action\\?\\nPerforming the operation "Remove image" on target "A \\(IMG00001\\)"\\.\\n${escape(CHOICES)}`));
  tmux.type('?');
  tmux.keys('Enter');
  await tmux.waitFor(/Y - Continue with only the next step of the operation\.\nA - Continue with all the steps of the operation\.\nN - .*\nL - .*\nS - .*\n\[Y\] Yes/);
  // N skips A; A (Yes to All) removes B and the rest without asking again.
  tmux.type('n');
  tmux.keys('Enter');
  await tmux.waitFor(/on target "B \(IMG00002\)"/);
  tmux.type('a');
  tmux.keys('Enter');
  tmux.type('Get-OSImage | ForEach-Object Name');
  tmux.keys('Enter');
  const afterAll = await tmux.waitFor(/^mcs> Get-OSImage \| ForEach-Object Name\nA\nmcs>/m);
  assert.doesNotMatch(afterAll, /on target "C \(IMG00003\)"/, 'Yes to All asked no more');
  assert.doesNotMatch(afterAll, /not recognized/, 'no answer reached the prompt');

  // Enter alone is the default, Yes.
  tmux.type('Remove-OSImage A');
  tmux.keys('Enter');
  await tmux.waitFor(/on target "A \(IMG\d+\)"\.\n.*\n?.*\(default is "Y"\):\s*$/);
  tmux.keys('Enter');
  tmux.type('@(Get-OSImage).Count');
  tmux.keys('Enter');
  await tmux.waitFor(/^mcs> @\(Get-OSImage\)\.Count\n0\nmcs>/m);

  // Ctrl+C at the question stops the pipeline: nothing is removed, nothing typed leaks.
  tmux.type(`Import-OSImage ${join(dir, 'a.img')} -Name E | Out-Null; Remove-OSImage E; 'not reached'`);
  tmux.keys('Enter');
  await tmux.waitFor(/on target "E \(IMG\d+\)"/);
  tmux.type('y');
  // Ctrl+C after the y is on the screen: typed together, a loaded machine delivers both in one read.
  await tmux.waitFor(/\(default is "Y"\): y\s*$/);
  tmux.keys('C-c');
  await tmux.waitFor(/\(default is "Y"\): y\^C\nThe pipeline has been stopped\. \[PipelineStopped\]\nmcs>/);
  tmux.type('Get-OSImage | ForEach-Object Name');
  tmux.keys('Enter');
  const stopped = await tmux.waitFor(/^mcs> Get-OSImage \| ForEach-Object Name\nE\nmcs>/m);
  assert.doesNotMatch(stopped, /^not reached$/m);
  assert.doesNotMatch(stopped, /^mcs> y/m, 'the typed y stayed with the question');

  tmux.keys('C-d');
  assert.equal(await exitStatus(statusFile), '0');
});

test('an empty line leaves a prompt that takes the next command', { skip: hasTmux ? false : 'tmux is not installed' }, async (t) => {
  const { dir, tmux, statusFile } = await scratch(t, 'confirm');
  tmux.start(shellCommand(join(dir, 'site'), statusFile));
  await tmux.waitFor(/^mcs>/m);
  tmux.keys('Enter');
  await tmux.waitFor(/^mcs>\nmcs>/m);
  tmux.type("'still here'");
  tmux.keys('Enter');
  await tmux.waitFor(/^still here\nmcs>/m);
  tmux.keys('C-d');
  assert.equal(await exitStatus(statusFile), '0');
});
