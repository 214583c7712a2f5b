// begin/process/end/clean blocks, filters and $input. Expected values: MicrosoftDocs/PowerShell-Docs
// reference/7.4/Microsoft.PowerShell.Core/About about_Functions (§ Piping objects to functions,
// § Filters), about_Functions_Advanced_Methods (§ begin, process, end, clean), about_Automatic_Variables
// ($input), and PowerShell/PowerShell test/powershell/Language/Scripting/PipelineBehaviour.Tests.ps1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, values } from './harness.js';

const v = async (source: string) => values(source);

test('begin once, process per object with $_, end once (about_Functions, Piping objects to functions)', async () => {
  assert.deepEqual(await v("function Test-Blocks { begin { 'begin' } process { \"process $_\" } end { 'end' } }; 1, 2 | Test-Blocks"), ['begin', 'process 1', 'process 2', 'end']);
  // Without pipeline input process runs once; with empty input not at all.
  assert.deepEqual(await v("function Once { process { 'ran' } }; Once; @() | Once"), ['ran']);
  // The blocks share one scope.
  assert.deepEqual(await v("function Measure-Len { begin { $t = 0 } process { $t += $_.Length } end { \"total $t\" } }; 'ab', 'cde' | Measure-Len"), ['total 5']);
});

test('process output streams: each object goes down the pipeline before the next is read (PipelineBehaviour.Tests.ps1)', async () => {
  assert.deepEqual(await v('function A { process { "A$_"; $_ } }; function B { process { "B$_" } }; 1, 2 | A | B'), ['BA1', 'B1', 'BA2', 'B2']);
});

test('return in process ends only that object (about_Return)', async () => {
  assert.deepEqual(await v("function R { process { if ($_ -eq 2) { return }; \"got $_\" } }; 1, 2, 3 | R"), ['got 1', 'got 3']);
});

test('ValueFromPipeline and ByPropertyName parameters bind per object; unbound in begin (about_Functions_Advanced_Parameters)', async () => {
  assert.deepEqual(await v("function P { param([Parameter(ValueFromPipeline)][string]$Name) begin { \"begin [$Name]\" } process { \"got $Name\" } }; 'pc1', 'pc2' | P"), ['begin []', 'got pc1', 'got pc2']);
  assert.deepEqual(await v("function Q { param([Parameter(ValueFromPipelineByPropertyName)]$ComputerName) process { $ComputerName } }; [pscustomobject]@{ ComputerName = 'srv1' } | Q"), ['srv1']);
});

test('clean runs last, its output dropped, only when another block ran (about_Functions_Advanced_Methods, clean)', async () => {
  assert.deepEqual(await v("function C { process { \"p $_\" } end { 'end' } clean { $global:cleaned = 'yes'; 'dropped' } }; 1 | C; \"cleaned: $global:cleaned\""), ['p 1', 'end', 'cleaned: yes']);
  assert.deepEqual(await v("function D { clean { $global:ran = 'clean' } }; D; \"ran: [$global:ran]\""), ['ran: []']);
  // Clean runs even when the function fails.
  const r = await run("function E { end { throw 'fail' } clean { $global:afterFail = 'yes' } }; try { E } catch { 'caught' }; \"after: $global:afterFail\"");
  assert.deepEqual(r.data, ['caught', 'after: yes']);
});

test('filter: a function whose body is its process block (about_Functions, Filters)', async () => {
  assert.deepEqual(await v('filter Get-Double { $_ * 2 }; 1, 2, 3 | Get-Double'), [2, 4, 6]);
});

test('$input: an enumerator of the input, consumed once; MoveNext/Current (about_Automatic_Variables, $input)', async () => {
  assert.deepEqual(await v('function Sum { end { $s = 0; foreach ($n in $input) { $s += $n }; $s } }; 1, 2, 3, 4 | Sum'), [10]);
  assert.deepEqual(await v('function Twice { end { @($input).Count; @($input).Count } }; 1, 2, 3 | Twice'), [3, 0]);
  assert.deepEqual(await v('function First { end { [void]$input.MoveNext(); $input.Current } }; \'x\', \'y\' | First'), ['x']);
  assert.deepEqual(await v('function Each { process { "item: $input" } }; \'a\', \'b\' | Each'), ['item: a', 'item: b']);
});

test('script blocks and script files may have named blocks too', async () => {
  assert.deepEqual(await v('1..3 | & { process { $_ * 10 } }'), [10, 20, 30]);
  const cwd = mkdtempSync(join(tmpdir(), 'blocks-'));
  writeFileSync(join(cwd, 'count.mcs'), "begin { $n = 0 }\nprocess { $n++ }\nend { \"count $n\" }\n");
  assert.deepEqual(await values('1, 2, 3 | ./count.mcs', { cwd }), ['count 3']);
});

test('a named block may not be defined twice', async () => {
  await assert.rejects(run('function F { end { } end { } }'), /The end block is defined twice/);
});
