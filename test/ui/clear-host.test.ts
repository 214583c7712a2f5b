// Clear-Host (cls) and Ctrl+L in the interactive shell, in tmux against the real binary: the screen
// and the terminal's scrollback are cleared, the prompt (and a line being typed) stays at the top.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { bin, exitStatus, scratch, hasTmux, shellCommand } from './tmux.js';

test('Clear-Host, cls and Ctrl+L clear the screen of the interactive shell', { skip: hasTmux ? false : 'tmux is not installed' }, async (t) => {
  const { dir, tmux, statusFile } = await scratch(t, 'clear');
  tmux.start(shellCommand(join(dir, 'site'), statusFile), { columns: 100, rows: 20 });
  await tmux.waitFor(/^mcs>/m);
  tmux.type("'before one'");
  tmux.keys('Enter');
  await tmux.waitFor(/^before one\nmcs>/m);
  tmux.type("'before two'; Clear-Host");
  tmux.keys('Enter');
  // Only the prompt is left: the banner, the commands and their output have gone.
  assert.equal((await tmux.waitFor(/^mcs>\s*$/)).trim(), 'mcs>');

  tmux.type("'after'");
  tmux.keys('Enter');
  tmux.type('cls');
  tmux.keys('Enter');
  await tmux.waitFor(/^mcs>\s*$/);

  tmux.type("'and again'");
  tmux.keys('Enter');
  await tmux.waitFor(/^and again\nmcs>/m);
  tmux.type('Get-Da');
  tmux.keys('C-l');
  assert.equal((await tmux.waitFor(/^mcs> Get-Da\s*$/)).trim(), 'mcs> Get-Da', 'Ctrl+L keeps the line being typed');
  tmux.type('te | Out-Null');
  tmux.keys('Enter');
  await tmux.waitFor(/^mcs> Get-Date \| Out-Null\nmcs>/m);
  tmux.keys('C-d');
  assert.equal(await exitStatus(statusFile), '0');
});

test('Clear-Host outside a terminal writes nothing', () => {
  const result = spawnSync(process.execPath, [bin, '-c', "Clear-Host; cls; 'next'"], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, '"next"\n');
  assert.equal(result.stderr, '');
});
