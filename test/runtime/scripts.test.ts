// Dot-sourcing and script calls: `. ./x.mcs`, `& ./x.mcs -A 1`, `./x.mcs`, `. { }`, and the
// automatic variables of a running script. Expected behaviour: MicrosoftDocs/PowerShell-Docs
// reference/7.4/Microsoft.PowerShell.Core/About about_Scripts (§ Script scope and dot sourcing),
// about_Operators (§ Dot sourcing operator, § Call operator), about_Automatic_Variables
// ($PSScriptRoot, $PSCommandPath, $MyInvocation), about_Language_Keywords (§ exit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, values } from './harness.js';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'scripts-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('. ./common.mcs defines its variables and functions in the caller (about_Scripts, Script scope and dot sourcing)', async () => {
  const cwd = folder({ 'common.mcs': "$shared = 'from common'\nfunction Get-Shared { 'shared fn' }\n" });
  assert.deepEqual(await values('. ./common.mcs; $shared; Get-Shared', { cwd }), ['from common', 'shared fn']);
});

test('& ./child.mcs -Arg x binds its param() block; its variables stay in its scope (about_Scripts)', async () => {
  const cwd = folder({ 'child.mcs': "param($Arg, [int]$N = 2)\n\"got $Arg $N\"\n$childVar = 'inner'\n" });
  assert.deepEqual(await values('& ./child.mcs -Arg x; ./child.mcs y 5; "childVar=[$childVar]"', { cwd }), ['got x 2', 'got y 5', 'childVar=[]']);
});

test('exit N in a called script ends only that script and sets $LASTEXITCODE (about_Language_Keywords, exit)', async () => {
  const cwd = folder({ 'fail.mcs': "'before'\nexit 3\n'after'\n" });
  assert.deepEqual(await values('./fail.mcs; "code=$LASTEXITCODE"', { cwd }), ['before', 'code=3']);
});

test('$PSScriptRoot, $PSCommandPath and $MyInvocation in a called script (about_Automatic_Variables)', async () => {
  const cwd = folder({ 'where.mcs': '$PSScriptRoot; $PSCommandPath; $MyInvocation.MyCommand.Name\n' });
  assert.deepEqual(await values('./where.mcs; "outside=[$PSScriptRoot]"', { cwd }), [cwd, join(cwd, 'where.mcs'), 'where.mcs', 'outside=[]']);
});

test('$PSScriptRoot in the script file being run', async () => {
  const cwd = folder({});
  assert.deepEqual(await values('$PSScriptRoot; $PSCommandPath', { cwd, scriptFile: true, file: join(cwd, 'main.mcs') }), [cwd, join(cwd, 'main.mcs')]);
});

test('a script receives pipeline input as $input', async () => {
  const cwd = folder({ 'sum.mcs': '$t = 0; foreach ($i in $input) { $t += $i }; $t\n' });
  assert.deepEqual(await values('1, 2, 3 | ./sum.mcs', { cwd }), [6]);
});

test('. { } runs in the current scope, & { } in a child scope (about_Operators, Dot sourcing operator)', async () => {
  assert.deepEqual(await values(". { $dotted = 'kept' }; $dotted; & { $child = 1 }; \"child=[$child]\"; $a = . { 1; 2 }; $a -join ','"), ['kept', 'child=[]', '1,2']);
});

test('& Name runs a command by name (about_Operators, Call operator)', async () => {
  assert.deepEqual(await values("& Write-Output 7; $c = 'Write-Output'; & $c 3"), [7, 3]);
});

test('a missing script is CommandNotFound; a script that does not parse is a ParseError', async () => {
  const cwd = folder({ 'broken.mcs': 'if ($x {\n' });
  assert.equal((await run('./missing.mcs', { cwd })).errors[0]?.id, 'CommandNotFound');
  const r = await run('try { ./broken.mcs } catch [System.Management.Automation.ParseException] { "parse: $($_.FullyQualifiedErrorId)" }', { cwd });
  assert.deepEqual(r.data, ['parse: ParseError']);
});
