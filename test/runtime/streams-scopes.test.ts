// Redirection, variable validation, scopes and comment-based help beyond what the conformance
// cases show. Expected behaviour: MicrosoftDocs/PowerShell-Docs reference/7.4/
// Microsoft.PowerShell.Core/About about_Redirection, about_Functions_Advanced_Parameters
// (§ validation attributes on variables), about_Scopes (§ Private), about_Environment_Variables,
// about_Comment_Based_Help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, values } from './harness.js';

test('2>$null drops the errors (still in $Error); 2>&1 puts them in the output in order; 3> file writes warnings', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'mcshell-redirect-'));
  const fn = "function f { 'a'; Write-Error 'bad'; 'b'; Write-Warning 'careful' }";
  const dropped = await run(`${fn}; f 2>$null 3>$null; $Error.Count`, { cwd });
  assert.deepEqual([dropped.data, dropped.errors.length, dropped.warnings.length], [['a', 'b', 1], 0, 0]);
  const merged = await values(`${fn}; f 2>&1 3>$null | ForEach-Object { $_.GetType().Name }`, { cwd });
  assert.deepEqual(merged, ['String', 'ErrorRecord', 'String']);
  await values(`${fn}; f 2>$null 3> warn.txt; 'x' > out.txt; 'y' >> out.txt`, { cwd });
  assert.equal(readFileSync(join(cwd, 'warn.txt'), 'utf8'), 'careful\n');
  assert.equal(readFileSync(join(cwd, 'out.txt'), 'utf8'), 'x\ny\n');
});

test('a validated variable checks every later assignment and keeps its old value when one fails', async () => {
  const r = await run("[ValidateRange(1,5)][int]$n = 2; $n = 9; $n; [ValidateNotNullOrEmpty()]$s = 'x'; $s = ''; $s");
  assert.deepEqual(r.data, [2, 'x']);
  assert.deepEqual(
    r.errors.map((e) => e.exception.typeName),
    ['System.Management.Automation.ValidationMetadataException', 'System.Management.Automation.ValidationMetadataException'],
  );
  // A variable's [ValidateScript()] runs as the assignment does: one expression, not a command.
  assert.match((await run("[ValidateScript({ Test-Path $_ })]$p = '/'")).errors[0]?.message ?? '', /single expression/);
});

test('[ValidateScript()] on a parameter may run commands; a failure is ParameterArgumentValidationError naming the parameter', async () => {
  const fn = "function Use-Dir { param([ValidateScript({ Test-Path $_ })][string]$Dir) \"ok $Dir\" }";
  assert.deepEqual(await values(`${fn}; Use-Dir /`), ['ok /']);
  const r = await run(`${fn}; Use-Dir /no/such/dir`);
  assert.equal(r.errors[0]?.fullyQualifiedId, 'ParameterArgumentValidationError,Use-Dir');
  assert.match(r.errors[0]?.message ?? '', /parameter 'Dir'/);
});

test('$private: variables are not seen by child scopes; $env: is the process environment', async () => {
  assert.deepEqual(await values("$private:p = 1; $q = 2; function f { \"[$p][$q]\" }; f; \"[$p]\""), ['[][2]', '[1]']);
  assert.deepEqual(await values("$env:MCSHELL_TEST_ENV = 'v'; $env:MCSHELL_TEST_ENV; Test-Path env:MCSHELL_TEST_ENV; $env:MCSHELL_TEST_ENV = $null; Test-Path env:MCSHELL_TEST_ENV"), ['v', true, false]);
  assert.equal(process.env['MCSHELL_TEST_ENV'], undefined);
});

test('Get-Help shows a script file\'s comment-based help and its parameters', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'mcshell-help-'));
  writeFileSync(join(cwd, 'deploy.mcs'), '<#\n.SYNOPSIS\nDeploys the lab.\n.PARAMETER Site\nThe site to deploy.\n#>\nparam([string]$Site)\n"deploying $Site"\n');
  const [help] = await values('Get-Help ./deploy.mcs', { cwd });
  assert.match(String(help), /SYNOPSIS\s+Deploys the lab\.[\s\S]*-Site\s+The site to deploy\./);
  assert.deepEqual(await values('(Get-Help ./deploy.mcs).Synopsis', { cwd }), ['Deploys the lab.']);
});
