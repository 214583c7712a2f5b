// Utility cmdlets admins reach for. Expected values from the cmdlet reference pages
// (MicrosoftDocs/PowerShell-Docs reference/7.4/Microsoft.PowerShell.Utility/*.md) and PowerShell's
// Pester tests (PowerShell/PowerShell test/powershell/Modules/Microsoft.PowerShell.Utility/*.Tests.ps1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, values } from '../runtime/harness.js';

test('Compare-Object: => for the difference side, <= for the reference side, == with -IncludeEqual (Compare-Object.md examples 1 and 3)', async () => {
  const both = "$r = 'dog', 'squirrel', 'bird'; $d = 'cat', 'bird', 'racoon'";
  assert.deepEqual(await values(`${both}; Compare-Object $r $d | ForEach-Object { $_.InputObject + ' ' + $_.SideIndicator }`), ['cat =>', 'racoon =>', 'dog <=', 'squirrel <=']);
  assert.deepEqual(await values(`${both}; Compare-Object $r $d -IncludeEqual | Select-Object -First 1 | ForEach-Object SideIndicator`), ['==']);
  assert.deepEqual(await values("Compare-Object @([pscustomobject]@{N=1}) @([pscustomobject]@{N=2}) -Property N | ForEach-Object { \"$($_.N)$($_.SideIndicator)\" }"), ['2=>', '1<=']);
  assert.deepEqual(await values("Compare-Object 'a' 'A'; (Compare-Object 'a' 'A' -CaseSensitive).Count"), [2]);
});

test('Select-String: piped text and files, groups, -NotMatch, -SimpleMatch, -Quiet (Select-String.md)', async () => {
  assert.deepEqual(await values("'Hello', 'HELLO' | Select-String -Pattern 'HELLO' -CaseSensitive -Raw"), ['HELLO']);
  assert.deepEqual(await values("'a.b', 'axb' | Select-String -Pattern 'a.b' -SimpleMatch -Raw"), ['a.b']);
  assert.deepEqual(await values("'a', 'b' | Select-String a -NotMatch -Raw"), ['b']);
  assert.deepEqual(await values("('a1b22' | Select-String '\\d+' -AllMatches).Matches.Value"), ['1', '22']);
  assert.deepEqual(await values("'x' | Select-String x -Quiet"), [true]);
  const dir = mkdtempSync(join(tmpdir(), 'mcshell-sls-'));
  try {
    writeFileSync(join(dir, 'a.log'), 'fine\nERROR one\nfine\nerror two\n');
    const r = await run("Select-String -Path *.log -Pattern error | ForEach-Object { \"$_\" }", { cwd: dir });
    assert.deepEqual(r.data, ['a.log:2:ERROR one', 'a.log:4:error two']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Join-String, Get-Random and Tee-Object (Join-String.md, Get-Random.md, Tee-Object.md)', async () => {
  assert.deepEqual(await values("'a', 'b' | Join-String -DoubleQuote -Separator ','; 1..3 | Join-String -FormatString '[{0}]'; 1, 2 | Join-String { $_ * 10 } -Separator '+' -OutputPrefix '(' -OutputSuffix ')'"), ['"a","b"', '[1][2][3]', '(10+20)']);
  assert.deepEqual(await values('$a = Get-Random -SetSeed 7 -Maximum 100 -Count 3; $b = Get-Random -SetSeed 7 -Maximum 100 -Count 3; ($a -join ",") -eq ($b -join ","); (1..5 | Get-Random -Shuffle | Measure-Object -Sum).Sum; (Get-Random -Minimum 1.5 -Maximum 2.0) -lt 2'), [true, 15, true]);
  assert.deepEqual(await values('1, 2 | Tee-Object -Variable t | ForEach-Object { $_ * 2 }; $t'), [2, 4, 1, 2]);
});

test('Add-Member: note properties, -NotePropertyMembers, -Force to replace, -PassThru (Add-Member.md examples)', async () => {
  assert.deepEqual(await values("$o = [pscustomobject]@{ A = 1 }; $o | Add-Member -MemberType NoteProperty -Name B -Value 2; $o | Add-Member -NotePropertyName A -NotePropertyValue 9 -Force; $o.A; $o.B; ($o | Get-Member -MemberType NoteProperty).Name"), [9, 2, 'A', 'B']);
  const exists = await run('$o = [pscustomobject]@{ A = 1 }; $o | Add-Member A 2');
  assert.equal(exists.errors[0]?.fullyQualifiedId, 'MemberAlreadyExists,Add-Member');
});

test('Invoke-Expression runs in the current scope; Invoke-Command binds -ArgumentList to param()', async () => {
  assert.deepEqual(await values("$cmd = 'Get-Date -Year 2001 | ForEach-Object Year'; Invoke-Expression $cmd; iex '$z = 3'; $z"), [2001, 3]);
  assert.deepEqual(await values('Invoke-Command { param($n) $n * 2 } -ArgumentList 21; Invoke-Command { $w = 1 }; $null -eq $w'), [42, true]);
});

test('Remove-Variable and Clear-Variable; a missing name is VariableNotFound (Remove-Variable.md)', async () => {
  assert.deepEqual(await values('$a1 = 1; $a2 = 2; Remove-Variable a*; $null -eq $a1; $null -eq $a2; $k = 3; Clear-Variable k; $null -eq $k'), [true, true, true]);
  const r = await run('Remove-Variable nope');
  assert.equal(r.errors[0]?.fullyQualifiedId, 'VariableNotFound,Remove-Variable');
  assert.equal(r.errors[0]?.message, "Cannot find a variable with the name 'nope'.");
});

test('Write-Verbose, Write-Debug, Write-Information follow their preferences and never reach the pipeline', async () => {
  const r = await run("Write-Verbose 'v1'; Write-Verbose 'v2' -Verbose; Write-Debug 'd1'; $DebugPreference = 'Continue'; Write-Debug 'd2'; Write-Information 'i1'; Write-Information 'i2' -InformationAction Continue; $InformationPreference = 'Continue'; Write-Information 'i3'");
  assert.deepEqual(r.output, []);
  assert.deepEqual(r.verbose, ['v2', 'DEBUG: d2']);
  assert.deepEqual(r.hostText, ['i2', 'i3']);
});

test('Get-Alias and $PSVersionTable', async () => {
  assert.deepEqual(await values("(Get-Alias cd).Definition; (Get-Alias -Definition Get-ChildItem).Name -join ','; $PSVersionTable.PSVersion.Major -ge 7; $PSVersionTable.PSEdition; \"$($PSVersionTable.PSVersion)\""), ['Set-Location', 'dir,gci,ls', true, 'Core', '7.4.0']);
});
