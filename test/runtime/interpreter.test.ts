import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onlyError, run, values } from './harness.js';

const v = async (source: string) => values(source);

test('comparisons are case-insensitive and the left operand drives conversion', async () => {
  assert.deepEqual(await v("'ABC' -eq 'abc'; 'ABC' -ceq 'abc'; 1 -eq '1.0'; '10' -gt 9; 10 -gt '9'"), [true, false, true, false, true]);
  assert.deepEqual(await v("$null -eq $null; 0 -eq $null; 'a' -lt 'B'"), [true, false, true]);
});

test('an array on the left filters; -contains and -in test membership', async () => {
  assert.deepEqual(await v('1, 2, 3, 4 -gt 2'), [3, 4]);
  assert.deepEqual(await v("'a', 'B' -contains 'b'; 3 -in 1, 2; 'x' -notin 'y'"), [true, false, true]);
});

test('-like wildcards and -match setting $Matches', async () => {
  assert.deepEqual(await v("'image.wim' -like '*.WIM'; 'lab1' -like 'lab?'; 'lab12' -like 'lab[0-9]'"), [true, true, false]);
  assert.deepEqual(await v("if ('pc-042' -match 'pc-(?<n>\\d+)') { $Matches.n; $Matches[0] }"), ['042', 'pc-042']);
  assert.deepEqual(await v("'a1', 'b', 'c2' -match '\\d'"), ['a1', 'c2']);
});

test('-replace, -split, -join and -f', async () => {
  assert.deepEqual(await v("'lab-01' -replace '(\\w+)-(\\d+)', '$2-$1'; ('a,b' -split ',').Count; (1, 2) -join '+'"), ['01-lab', 2, '1+2']);
  assert.deepEqual(await v("'{0,-4}|{1:N1}|{2:D3}|{3:P0}' -f 'ab', 1234.56, 7, 0.25"), ['ab  |1,234.6|007|25 %']);
});

test('arithmetic as PowerShell: strings, numbers, arrays, hashtables', async () => {
  assert.deepEqual(await v("'5' + 1; 1 + '5'; 'ab' * 2; 7 / 2; 7 % 3; 4MB / 1KB"), ['51', 6, 'abab', 3.5, 1, 4096]);
  assert.deepEqual(await v('$a = 1, 2; $a += 3; $a.Count; ((1, 2) + (3, 4)).Count'), [3, 4]);
  assert.deepEqual(await v('$h = @{a = 1} + @{b = 2}; $h.Count'), [2]);
  const div = await onlyError('1 / 0');
  assert.match(div.message, /divide by zero/);
});

test('casts and -is / -as', async () => {
  assert.deepEqual(await v("[int]'42'; [int]2.5; [int]3.5; [string]12; [bool]'false'; ([int[]]('1', '2'))[1]"), [42, 2, 4, '12', true, 2]);
  assert.deepEqual(await v("5 -is [int]; 'x' -is [int]; 'x' -as [int]"), [true, false, null]);
  assert.equal((await onlyError("[int]'abc'")).id, 'InvalidCastConversion');
});

test('methods and properties on strings, arrays, hashtables, and statics', async () => {
  assert.deepEqual(
    await v("'  Hi  '.Trim().ToUpper(); 'a,b,c'.Split(',').Count; 'abc'.Replace('b', 'x'); 'abc'.Contains('b'); 'abc'.StartsWith('a'); 'abc'.Length"),
    ['HI', 3, 'axc', true, true, 3],
  );
  assert.deepEqual(await v('[Math]::Round(2.5); [Math]::Round(3.14159, 2); [Math]::Max(3, 9); [int]::MaxValue'), [2, 3.14, 9, 2147483647]);
  assert.deepEqual(await v("$h = @{}; $h.Add('k', 1); $h.ContainsKey('K'); $h['k']; $h.k"), [true, 1, 1]);
  assert.equal((await onlyError("'abc'.Frobnicate()")).id, 'MethodInvocationFailed');
});

test('strings expand variables and subexpressions', async () => {
  assert.deepEqual(await v('$n = 3; $o = [pscustomobject]@{N = 4}; "n=$n, o=$($o.N), sum=$($n + 1)"'), ['n=3, o=4, sum=4']);
});

test('objects and hashtables keep insertion order; member access is case-insensitive', async () => {
  const out = await v("[pscustomobject]@{ Zeta = 1; Alpha = 2 }");
  assert.deepEqual(Object.keys(out[0] as object), ['Zeta', 'Alpha']);
  assert.deepEqual(await v('$o = [pscustomobject]@{ Name = 1 }; $o.name; $o.NAME = 5; $o.Name'), [1, 5]);
});

test('member enumeration and indexing', async () => {
  assert.deepEqual(await v("$xs = [pscustomobject]@{N=1}, [pscustomobject]@{N=2}; $xs.N; $xs[-1].N; (1..10)[2..4]"), [1, 2, 2, 3, 4, 5]);
});

test('scopes: functions get their own scope; $global: and $script: reach out; ForEach-Object writes to the caller', async () => {
  assert.deepEqual(await v('$x = 1; function f { $x = 2; $x }; f; $x'), [2, 1]);
  assert.deepEqual(await v('function g { $global:y = 5 }; g; $y'), [5]);
  assert.deepEqual(await v('$total = 0; 1..4 | ForEach-Object { $total += $_ }; $total'), [10]);
  assert.deepEqual(await v('function outer { $v = "outer"; inner }; function inner { $v }; outer'), ['outer']);
});

test('functions: param() with types and defaults, $args, $input, return, pipeline parameters', async () => {
  assert.deepEqual(await v('function add { param([int]$a, [int]$b = 10)\n return $a + $b; "unreached" }; add 1; add 1 2; add -b 5 -a 1'), [11, 3, 6]);
  assert.deepEqual(await v('function rest { $args.Count }; rest 1 2 3'), [3]);
  assert.deepEqual(await v('function total { ($input | Measure-Object -Sum).Sum }; 1..4 | total'), [10]);
  assert.deepEqual(await v('function double { param([Parameter(ValueFromPipeline)][int]$n) $n * 2 }; 1..3 | double'), [2, 4, 6]);
  assert.deepEqual(await v('function f($x, $y) { "$x-$y" }; f a b'), ['a-b']);
});

test('control flow: if/elseif/else, foreach, while, break, continue', async () => {
  assert.deepEqual(await v("foreach ($i in 1..3) { if ($i -eq 1) { 'one' } elseif ($i -eq 2) { 'two' } else { 'many' } }"), ['one', 'two', 'many']);
  assert.deepEqual(await v('foreach ($i in 1..10) { if ($i % 2) { continue }; if ($i -gt 6) { break }; $i }'), [2, 4, 6]);
  assert.deepEqual(await v('$i = 0; while ($i -lt 3) { $i++ }; $i'), [3]);
});

test('try / catch / finally, throw, $_ in catch', async () => {
  assert.deepEqual(await v("try { throw 'bad' } catch { \"caught: $_\" } finally { 'cleanup' }"), ['caught: bad', 'cleanup']);
  assert.deepEqual(await v("try { Get-Nothing } catch { $_.FullyQualifiedErrorId }"), ['CommandNotFound']);
  assert.deepEqual(await v("try { Write-Error 'x' -ErrorAction Stop } catch { $_.Exception.Message }"), ['x']);
  const uncaught = await run("throw 'fatal'; 'not reached'");
  assert.deepEqual(uncaught.data, []);
  assert.equal(uncaught.errors[0]?.message, 'fatal');
});

test('a statement-terminating error stops its statement; the script goes on', async () => {
  const r = await run("Get-Nothing; 'after'");
  assert.deepEqual(r.data, ['after']);
  assert.equal(r.errors[0]?.id, 'CommandNotFound');
  assert.match(r.errors[0]!.message, /'Get-Nothing' is not recognized/);
});

test('"did you mean" for unknown commands', async () => {
  const e = await onlyError('Get-Comand');
  assert.match(e.message, /Did you mean Get-Command/);
  assert.equal(e.span?.startColumn, 1);
});

test('non-terminating errors: the pipeline continues; $?, $Error; -ErrorAction and $ErrorActionPreference', async () => {
  const r = await run("1..50 | ForEach-Object { if ($_ % 17 -eq 0) { Write-Error \"item $_ failed\" } else { $_ } } | Measure-Object | ForEach-Object Count; $?; $Error.Count");
  // $? is false after a pipeline that wrote errors.
  assert.deepEqual(r.data, [48, false, 2]);
  assert.equal(r.errors.length, 2);
  const failed = await run("Write-Error 'x'; $?");
  assert.deepEqual(failed.data, [false]);
  const silent = await run("Write-Error 'x' -ErrorAction SilentlyContinue; $Error[0].Message");
  assert.deepEqual(silent.errors, []);
  assert.deepEqual(silent.data, ['x']);
  const stop = await run("$ErrorActionPreference = 'Stop'; Write-Error 'halt'; 'not reached'");
  assert.deepEqual(stop.data, []);
  assert.equal(stop.errors.length, 1);
});

test('exit N gives the exit code; && and || chain on success', async () => {
  assert.equal((await run("'a'; exit 3; 'b'")).exitCode, 3);
  assert.deepEqual(await v("Write-Output ok && 'ran'"), ['ok', 'ran']);
  assert.deepEqual((await run("Write-Error x || 'recovered'")).data, ['recovered']);
});

test('script param() binds from arguments, with type conversion and mandatory checks', async () => {
  const r = await run('param([Parameter(Mandatory)][string]$Name, [int]$Count = 2) "$Name x$Count"', {
    scriptFile: true,
    args: [
      { kind: 'named', name: 'Name', value: 'lab', hasValue: true, span: null },
      { kind: 'named', name: 'Count', value: '5', hasValue: true, span: null },
    ],
  });
  assert.deepEqual(r.data, ['lab x5']);
  const missing = await run('param([Parameter(Mandatory)][string]$Name) $Name', { scriptFile: true });
  assert.equal(missing.errors[0]?.id, 'MissingMandatoryParameter');
});

test('automatic variables: $true $false $null $_ $PSItem $args', async () => {
  assert.deepEqual(await v('$true; $false; $null -eq $null; 5 | ForEach-Object { $_ + $PSItem }; & { $args[1] } a b'), [true, false, true, 10, 'b']);
});
