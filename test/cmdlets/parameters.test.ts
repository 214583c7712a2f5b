// Parameters added to the existing cmdlets. Expected values from the cmdlet reference pages
// (MicrosoftDocs/PowerShell-Docs reference/7.4/Microsoft.PowerShell.Utility/*.md,
// Microsoft.PowerShell.Core/about/about_CommonParameters.md) and PowerShell's Pester tests
// (test/powershell/Modules/Microsoft.PowerShell.Utility/Select-Object.Tests.ps1, Sort-Object.Tests.ps1,
// Measure-Object.Tests.ps1, ConvertFrom-Json.Tests.ps1, Get-Date.Tests.ps1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { values } from '../runtime/harness.js';

test('Select-Object -Index, -SkipIndex, -SkipLast, and -First with -Last', async () => {
  assert.deepEqual(await values('1..10 | Select-Object -Index 0, 2, 4'), [1, 3, 5]);
  assert.deepEqual(await values('1..5 | Select-Object -SkipIndex 1, 3'), [1, 3, 5]);
  assert.deepEqual(await values('1..5 | Select-Object -SkipLast 2'), [1, 2, 3]);
  assert.deepEqual(await values('1..10 | Select-Object -First 3 -Last 2'), [1, 2, 3, 9, 10]);
  assert.deepEqual(await values('1..3 | Select-Object -First 2 -Last 2'), [1, 2, 3]);
});

test('Sort-Object -Top and -Bottom (Sort-Object.md example 11); -Stable keeps input order', async () => {
  assert.deepEqual(await values('6, 3, 9, 1 | Sort-Object -Top 2; 6, 3, 9, 1 | Sort-Object -Bottom 2; 6, 3, 9, 1 | Sort-Object -Descending -Top 1'), [1, 3, 6, 9, 9]);
  assert.deepEqual(await values("'b1', 'a1', 'b2', 'a2' | Sort-Object { $_[0] } -Stable"), ['a1', 'a2', 'b1', 'b2']);
});

test('Where-Object -Not keeps objects whose property is not true (Where-Object.md)', async () => {
  assert.deepEqual(await values("@{N=1; On=$true}, @{N=2; On=$false}, @{N=3} | ForEach-Object { [pscustomobject]$_ } | Where-Object -Not On | ForEach-Object N"), [2, 3]);
});

test('Measure-Object: -StandardDeviation (sample), wildcard and script-block properties, -Line -Word -Character', async () => {
  const [sd] = (await values('1..10 | Measure-Object -StandardDeviation')) as { StandardDeviation: number }[];
  assert.ok(Math.abs(sd!.StandardDeviation - 3.0276503540974917) < 1e-12);
  assert.deepEqual(await values("[pscustomobject]@{A1=1; A2=2; B=3}, [pscustomobject]@{A1=3; A2=4; B=5} | Measure-Object A* -Sum | ForEach-Object { $_.Property + '=' + $_.Sum }"), ['A1=4', 'A2=6']);
  assert.deepEqual(await values("'ab', 'cde' | Measure-Object { $_.Length } -Maximum | ForEach-Object Maximum"), [3]);
  assert.deepEqual(await values("'one two', 'three' | Measure-Object -Word -Line -Character"), [{ Lines: 2, Words: 3, Characters: 12 }]);
});

test('-PipelineVariable and -OutVariable +name (about_CommonParameters)', async () => {
  assert.deepEqual(await values("1..2 | Write-Output -PipelineVariable outer | ForEach-Object { 'a', 'b' } | ForEach-Object { \"$outer$_\" }"), ['1a', '1b', '2a', '2b']);
  assert.deepEqual(await values('1, 2 | Write-Output -OutVariable acc | Out-Null; 3 | Write-Output -OutVariable +acc | Out-Null; $acc -join ","'), ['1,2,3']);
});

test('ForEach-Object with -Begin/-Process/-End named and several process blocks', async () => {
  assert.deepEqual(await values("1..2 | ForEach-Object -Begin { 'B' } -Process { $_ } -End { 'E' }; 1 | ForEach-Object { 'b' } { 'p1' } { 'p2' } { 'e' }"), ['B', 1, 2, 'E', 'b', 'p1', 'p2', 'e']);
});

test('ConvertFrom-Json: several piped JSON texts, and one text split over several strings (ConvertFrom-Json.Tests.ps1)', async () => {
  assert.deepEqual(await values("'{\"a\":1}', '{\"a\":2}' | ConvertFrom-Json | ForEach-Object a"), [1, 2]);
  assert.deepEqual(await values("'{', '\"a\": 3', '}' | ConvertFrom-Json | ForEach-Object a"), [3]);
  // PowerShell 7.3+ makes OrderedHashtables (JsonObject.cs), keeping the JSON's key order.
  assert.deepEqual(await values("$h = '{\"k\":{\"n\":1}}' | ConvertFrom-Json -AsHashtable; $h.GetType().Name; $h.k.n"), ['OrderedHashtable', 1]);
});

test('Get-Date -UFormat (Get-Date.md "-UFormat" table) and -UnixTimeSeconds', async () => {
  assert.deepEqual(await values("Get-Date -Date '2021-01-03T07:08:09' -UFormat '%F %T|%a %b %e|%u %w|%G-W%V|%I %p|%%'"), ['2021-01-03 07:08:09|Sun Jan  3|7 0|2020-W53|07 AM|%']);
  assert.deepEqual(await values("(Get-Date -UnixTimeSeconds 0).ToUniversalTime().Year -le 1970"), [true]);
});

test('Format-Table -Wrap continues long values on the next lines instead of cutting them', async () => {
  const lines = (await values("[pscustomobject]@{N='a'; D=('x' * 150)} | Format-Table -Wrap")) as string[];
  assert.equal(lines.filter((l) => l.includes('x')).join('').replace(/[ a]/g, '').length, 150);
  assert.ok(!lines.some((l) => l.includes('…')));
});
