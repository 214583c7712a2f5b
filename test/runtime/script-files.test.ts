// A .mcs script named as a command (`./deploy.mcs -Image x`, what Tab completes as a first word)
// runs in a script scope of its own with its param() block bound; `exit` ends only the script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './harness.js';

test('a script file runs as a command: arguments bind to its param() block, exit sets $LASTEXITCODE', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'mcshell-scripts-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  mkdirSync(join(cwd, 'lab scripts'));
  writeFileSync(join(cwd, 'greet.mcs'), "param([string]$Name = 'world', [int]$Times = 1)\n$inside = 'script scope'\n1..$Times | ForEach-Object { \"hello $Name\" }\n");
  writeFileSync(join(cwd, 'lab scripts', 'fail.mcs'), "'before'\nexit 3\n'not reached'\n");
  writeFileSync(join(cwd, 'broken.mcs'), 'if ($x {\n');

  const greeted = await run("./greet.mcs -Name lab -Times 2 | ForEach-Object { $_.ToUpper() }; ./greet.mcs; $inside", { cwd });
  assert.deepEqual(greeted.errors.map((e) => e.message), []);
  assert.deepEqual(greeted.data, ['HELLO LAB', 'HELLO LAB', 'hello world', null], "the script's variables stay in its scope");

  const exited = await run("& './lab scripts/fail.mcs'; \"after, code $LASTEXITCODE\"", { cwd });
  assert.deepEqual(exited.data, ['before', 'after, code 3']);

  const missing = await run('./nothing.mcs', { cwd });
  assert.equal(missing.errors[0]?.id, 'CommandNotFound');
  const broken = await run('./broken.mcs', { cwd });
  assert.equal(broken.errors[0]?.id, 'ParseError');
  assert.match(broken.errors[0]!.message, /broken\.mcs:1/);
});
