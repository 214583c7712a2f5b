import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { complete, completedWord } from '../../src/runtime/completion.js';
import { run } from '../runtime/harness.js';

test('Tab completes live names from the site: images, collections, task sequences, deployments', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'mcshell-complete-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const setup = await run(
    "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; Import-OSImage a.img -Name 'Win Server' | Out-Null; Import-OSImage a.img -Name Ubuntu | Out-Null;" +
      'New-DeviceCollection Lab1 | Out-Null; New-DeviceCollection Lab2 | Out-Null; New-TaskSequence Kiosk -Image Win11 -Target /dev/sda | Out-Null; New-TSDeployment Kiosk Lab1 | Out-Null',
    { cwd },
  );
  assert.deepEqual(setup.errors.map((e) => e.message), []);
  const candidates = async (line: string) => (await complete(setup.session, line, line.length)).candidates;
  assert.deepEqual(await candidates('Get-OSImage W'), ["'Win Server'", 'Win11']);
  assert.deepEqual(await candidates('Set-ImageMulticast -Name U'), ['Ubuntu']);
  assert.deepEqual(await candidates('New-TSDeployment -TaskSequence K'), ['Kiosk']);
  assert.deepEqual(await candidates('New-TSDeployment Kiosk -Collection La'), ['Lab1', 'Lab2']);
  assert.deepEqual(await candidates('Remove-TSDeployment DEP'), ['DEP00001']);
  assert.deepEqual(await candidates('Get-MulticastSession '), [], 'no DP service runs, so no session ids');
});

test('Tab completes file paths for path parameters and script names for the first word', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'mcshell-complete-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  mkdirSync(join(cwd, 'images'));
  mkdirSync(join(cwd, 'lab scripts'));
  mkdirSync(join(cwd, '.hidden'));
  for (const file of ['images/win11.img', 'images/win10.img', 'images/notes.txt', 'lab scripts/deploy.mcs', 'deploy-lab.mcs', 'devices.csv']) writeFileSync(join(cwd, file), '');
  symlinkSync(join(cwd, 'images'), join(cwd, 'img-link'));
  const { session } = await run('', { cwd });
  const complete_ = async (line: string) => complete(session, line, line.length);
  // In code-point order (the list's own order follows the locale).
  const candidates = async (line: string) => [...(await complete_(line)).candidates].sort();

  assert.deepEqual(await candidates('Import-OSImage '), ["'lab scripts/'", 'deploy-lab.mcs', 'devices.csv', 'images/', 'img-link/']);
  assert.deepEqual(await candidates('Import-OSImage im'), ['images/', 'img-link/'], 'a link to a directory is one');
  assert.deepEqual(await candidates('Import-OSImage images/win'), ['images/win10.img', 'images/win11.img']);
  assert.deepEqual(await candidates('Import-OSImage -Name x -Path ./images/n'), ['./images/notes.txt']);
  assert.deepEqual(await candidates("Import-Csv 'lab scripts/"), ["'lab scripts/deploy.mcs'"], 'quoted when the path needs it');
  assert.deepEqual(await candidates('Get-Content .h'), ['.hidden/'], 'hidden entries when asked for');
  assert.deepEqual(await candidates('Get-Content -Path nothing-here/'), []);
  assert.deepEqual(await candidates('Import-OSImage -Name '), [], 'not every parameter is a path');

  // The first word: a path names a script (directories and .mcs files only).
  assert.deepEqual(await candidates('./'), ["'./lab scripts/'", './deploy-lab.mcs', './images/', './img-link/']);
  assert.deepEqual(await candidates("'./lab scripts/"), ["'./lab scripts/deploy.mcs'"]);
  assert.deepEqual(await complete_('x; ./dep'), { start: 3, end: 8, candidates: ['./deploy-lab.mcs'] });
  assert.deepEqual(await candidates('Get-Com'), ['Get-Command'], 'other first words are commands');

  // A directory takes no space after it, so Tab can go on into it; a file does.
  assert.equal(completedWord('images/'), 'images/');
  assert.equal(completedWord("'lab scripts/'"), "'lab scripts/'");
  assert.equal(completedWord('deploy-lab.mcs'), 'deploy-lab.mcs ');
});

test('Get-Help says which parameters complete file paths', async () => {
  const help = await run('Get-Help Import-OSImage -Parameter Path');
  assert.match(help.data.join('\n'), /Tab completes\s+file paths/);
});
