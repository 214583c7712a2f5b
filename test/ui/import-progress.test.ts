// Import-OSImage of a large file on a terminal, in tmux against the real binary: a progress bar
// (the interactive shell's live area; stderr with `mcshell -c`), and Ctrl+C cancels the import
// with a clear message, adds nothing and leaves no partial copy.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bin, exitStatus, scratch, hasTmux, shellCommand } from './tmux.js';

const BAR = /Importing \S+big\.img \[█*░*\] \d+% \(\d+ of 4096 MiB\)/;

/** A site directory and a 4 GiB sparse image, slow enough to import that Ctrl+C meets it. */
async function setup(t: { after(fn: () => Promise<void>): void }) {
  const { dir, tmux, statusFile } = await scratch(t, 'import');
  const image = join(dir, 'big.img');
  writeFileSync(image, '');
  truncateSync(image, 4 * 1024 ** 3);
  return { dir, tmux, image, statusFile, site: join(dir, 'site') };
}

const partials = (site: string) => readdirSync(join(site, 'content')).filter((name) => name.endsWith('.partial'));

test('the interactive shell: a progress bar while importing, Ctrl+C cancels cleanly', { skip: hasTmux ? false : 'tmux is not installed' }, async (t) => {
  const { tmux, image, site, statusFile } = await setup(t);
  tmux.start(shellCommand(site, statusFile));
  await tmux.waitFor(/^mcs>/m);
  tmux.type(`Import-OSImage ${image}`);
  tmux.keys('Enter');
  await tmux.waitFor(BAR, 60_000);
  tmux.keys('C-c');
  const cancelled = await tmux.waitFor(/import cancelled; nothing was added \[ImportCancelled,Import-OSImage\][\s\S]*\nmcs>/);
  assert.doesNotMatch(cancelled, /UnexpectedError|aborted/);
  assert.doesNotMatch(cancelled, BAR, 'the bar has gone');
  assert.deepEqual(partials(site), []);
  tmux.type('@(Get-OSImage).Count');
  tmux.keys('Enter');
  await tmux.waitFor(/^mcs> @\(Get-OSImage\)\.Count\n0\nmcs>/m);
  tmux.keys('C-d');
  assert.equal(await exitStatus(statusFile), '0', 'one Ctrl+C did not end the shell');
});

test('mcshell -c on a terminal: the bar on stderr, Ctrl+C cancels with exit code 130', { skip: hasTmux ? false : 'tmux is not installed' }, async (t) => {
  const { tmux, image, site, statusFile } = await setup(t);
  // The shell traps SIGINT (Ctrl+C reaches the whole foreground group) to record mcshell's status.
  tmux.start(['sh', '-c', `trap : INT; "$@"; echo $? > ${statusFile}; sleep 60`, 'sh', 'env', `MCSHELL_HOME=${site}`, process.execPath, bin, '-c', `Import-OSImage ${image}`]);
  await tmux.waitFor(BAR, 60_000);
  tmux.keys('C-c');
  assert.equal(await exitStatus(statusFile), '130');
  const screen = tmux.screen();
  assert.match(screen, /import cancelled; nothing was added \[ImportCancelled,Import-OSImage\]/);
  assert.doesNotMatch(screen, /UnexpectedError|aborted/);
  assert.doesNotMatch(screen, BAR, 'the bar is cleared before the message');
  assert.deepEqual(partials(site), []);
  const count = spawnSync(process.execPath, [bin, '--site', site, '-c', '@(Get-OSImage).Count'], { encoding: 'utf8' });
  assert.equal(count.stdout, '0\n', count.stderr);
});
