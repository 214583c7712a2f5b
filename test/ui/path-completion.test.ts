// Tab completion of paths in the interactive shell, in tmux against the real binary: a directory
// completes with '/' and no space (Tab goes on inside it), a file with a space, a script's path as
// the first word, which then runs.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { exitStatus, hasTmux, scratch, shellCommand } from './tmux.js';

test('Tab completes a path through a directory to a file, and a script name', { skip: hasTmux ? false : 'tmux is not installed' }, async (t) => {
  const { dir, tmux, statusFile } = await scratch(t, 'paths');
  mkdirSync(join(dir, 'images'));
  writeFileSync(join(dir, 'images', 'win11.img'), 'image');
  writeFileSync(join(dir, 'hello.mcs'), "'hello from a script'\n");
  tmux.start(['sh', '-c', `cd ${dir} && exec "$@"`, 'sh', ...shellCommand(join(dir, 'site'), statusFile)]);
  await tmux.waitFor(/^mcs>/m);
  tmux.type('Get-Content ima');
  tmux.keys('Tab');
  // The cursor shows as one more space: no space after a directory, one after a file.
  await tmux.waitFor(/^mcs> Get-Content images\/ $/m);
  tmux.keys('Tab');
  await tmux.waitFor(/^mcs> Get-Content images\/win11\.img  $/m);
  tmux.keys('Enter');
  await tmux.waitFor(/^image\nmcs>/m);
  tmux.type('./he');
  tmux.keys('Tab');
  await tmux.waitFor(/^mcs> \.\/hello\.mcs  $/m);
  tmux.keys('Enter');
  await tmux.waitFor(/^mcs> \.\/hello\.mcs\nhello from a script\nmcs>/m);
  tmux.keys('C-d');
  assert.equal(await exitStatus(statusFile), '0');
});
