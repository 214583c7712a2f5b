import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, values } from '../runtime/harness.js';

const objects = "$items = @(@{Name='web'; Size=300; Kind='vm'}, @{Name='db'; Size=100; Kind='vm'}, @{Name='lab'; Size=200; Kind='pc'}) | ForEach-Object { [pscustomobject]$_ }";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'mcshell-core-'));
}

test('Where-Object: script block, simplified comparisons, truthiness form', async () => {
  assert.deepEqual(await values(`${objects}; $items | Where-Object { $_.Size -ge 200 } | ForEach-Object Name`), ['web', 'lab']);
  assert.deepEqual(await values(`${objects}; $items | Where-Object Kind -eq PC | ForEach-Object Name`), ['lab']);
  assert.deepEqual(await values(`${objects}; $items | Where-Object Name -like '*b' | ForEach-Object Name`), ['web', 'db', 'lab']);
  assert.deepEqual(await values(`${objects}; $items | Where-Object Name -Match '^w' | ForEach-Object Name`), ['web']);
  assert.deepEqual(await values("'', 'x', $null, 'y' | Where-Object Length | ForEach-Object { $_ }"), ['x', 'y']);
});

test('ForEach-Object: -MemberName with arguments, three blocks', async () => {
  assert.deepEqual(await values("'a-b' | ForEach-Object -MemberName Split -ArgumentList '-'"), [['a', 'b']]);
  assert.deepEqual(await values("1..3 | ForEach-Object { 'begin' } { $_ } { 'end' }"), ['begin', 1, 2, 3, 'end']);
});

test('Select-Object: properties with wildcards, -ExcludeProperty, -Skip, -Last, -Unique', async () => {
  assert.deepEqual(await values(`${objects}; $items | Select-Object -First 1 N*, Si*`), [{ Name: 'web', Size: 300 }]);
  assert.deepEqual(await values(`${objects}; $items | Select-Object * -ExcludeProperty Kind -Last 1`), [{ Name: 'lab', Size: 200 }]);
  assert.deepEqual(await values('1..10 | Select-Object -Skip 8'), [9, 10]);
  assert.deepEqual(await values("'a', 'b', 'a' | Select-Object -Unique"), ['a', 'b']);
  const bad = await run("1 | Select-Object @{ Nope = 1 }");
  assert.equal(bad.errors[0]?.id, 'InvalidCalculatedProperty');
});

test('Sort-Object: by property, descending, script block key, stable', async () => {
  assert.deepEqual(await values(`${objects}; $items | Sort-Object Size | ForEach-Object Name`), ['db', 'lab', 'web']);
  assert.deepEqual(await values(`${objects}; $items | Sort-Object Kind, Size -Descending | ForEach-Object Name`), ['web', 'db', 'lab']);
  assert.deepEqual(await values(`${objects}; $items | Sort-Object Kind, @{e='Size'; Descending=$true} | ForEach-Object Name`), ['lab', 'web', 'db']);
  assert.deepEqual(await values("'ccc', 'a', 'bb' | Sort-Object { $_.Length }"), ['a', 'bb', 'ccc']);
  assert.deepEqual(await values("10, 9, 100 | Sort-Object"), [9, 10, 100]);
});

test('Group-Object: Count, Name, Group; -AsHashTable', async () => {
  const groups = (await values(`${objects}; $items | Group-Object Kind`)) as { Count: number; Name: string; Group: unknown[] }[];
  assert.deepEqual(groups.map((g) => [g.Name, g.Count, g.Group.length]), [['vm', 2, 2], ['pc', 1, 1]]);
  assert.deepEqual(await values(`${objects}; ($items | Group-Object Kind -AsHashTable)['vm'].Count`), [2]);
});

test('Measure-Object: count, sum, average, min, max, property; non-numeric input', async () => {
  assert.deepEqual(await values(`${objects}; $items | Measure-Object Size -Sum -Average -Minimum -Maximum`), [{ Count: 3, Sum: 600, Average: 200, Minimum: 100, Maximum: 300, Property: 'Size' }]);
  assert.deepEqual(await values("'b', 'a', 'c' | Measure-Object -Minimum -Maximum"), [{ Count: 3, Minimum: 'a', Maximum: 'c' }]);
  const bad = await run("1, 'x' | Measure-Object -Sum");
  assert.equal(bad.errors[0]?.id, 'NonNumericInputObject');
  assert.deepEqual(await values('@() | Measure-Object'), [{ Count: 0 }]);
});

test('Format-Table streams rows, cuts wide values with a visible …, and starts a new table on a new shape', async () => {
  // Widths come from the first rows; a later, wider value is cut visibly instead of re-flowing the table.
  const rows = "(1..6 | ForEach-Object { [pscustomobject]@{Name = \"n$_\"; Note = 'x'} }) + [pscustomobject]@{Name = 'a-much-longer-name'; Note = 'y'}";
  const lines = (await values(`${rows} | Format-Table`)) as string[];
  assert.deepEqual(lines.slice(0, 3), ['Name Note', '---- ----', 'n1   x']);
  assert.equal(lines[lines.length - 1], 'a-m… y');
  const wide = (await values(`[pscustomobject]@{Name='${'w'.repeat(300)}'; Note='y'} | Format-Table`)) as string[];
  assert.ok(wide.some((l) => l.includes('…')) && wide.every((l) => l.length <= 120));
  const shapes = (await values("[pscustomobject]@{A=1}, [pscustomobject]@{B=2} | Format-Table")) as string[];
  assert.deepEqual(shapes, ['A', '-', '1', '', 'B', '-', '2']);
  const calc = (await values("[pscustomobject]@{Size=2048} | Format-Table @{n='KB'; e={ $_.Size / 1KB }}")) as string[];
  assert.deepEqual(calc, ['KB', '--', ' 2']);
});

test('Format-List shows every property; Out-String renders what the shell shows', async () => {
  const lines = (await values("[pscustomobject]@{A=1; Bee=2} | Format-List")) as string[];
  assert.deepEqual(lines, ['A   : 1', 'Bee : 2']);
  const text = (await values('[pscustomobject]@{A=1; B=2; C=3; D=4; E=5} | Out-String'))[0] as string;
  assert.match(text, /^A : 1\nB : 2\n/, 'more than four properties: a list');
  const table = (await values('[pscustomobject]@{A=1; B=2} | Out-String'))[0] as string;
  assert.equal(table, 'A B\n- -\n1 2\n');
});

test('ConvertTo-Json: full depth by default; a cut by -Depth warns', async () => {
  const deep = "@{l1=@{l2=@{l3=@{l4=@{l5='bottom'}}}}}";
  assert.deepEqual(JSON.parse((await values(`${deep} | ConvertTo-Json`))[0] as string), { l1: { l2: { l3: { l4: { l5: 'bottom' } } } } });
  const cut = await run(`${deep} | ConvertTo-Json -Depth 1 -Compress`);
  assert.equal(cut.warnings.length, 1);
  assert.match(cut.warnings[0]!, /-Depth 1/);
  assert.deepEqual(cut.data, ['{"l1":{"l2":"System.Collections.Hashtable"}}']);
});

test('ConvertFrom-Json: objects, -AsHashtable, invalid JSON', async () => {
  assert.deepEqual(await values("'{\"a\":{\"b\":[1,2]}}' | ConvertFrom-Json | ForEach-Object { $_.a.b[1] }"), [2]);
  assert.deepEqual(await values("('{\"K\":1}' | ConvertFrom-Json -AsHashtable)['k']"), [1]);
  assert.equal((await run("'{oops' | ConvertFrom-Json")).errors[0]?.id, 'InvalidJson');
});

test('CSV: ConvertTo-Csv quoting, ConvertFrom-Csv, Export-Csv / Import-Csv round trip and -Append', async () => {
  // PowerShell 7 quotes every field by default (ConvertTo-Csv.md, -UseQuotes).
  assert.deepEqual(await values("[pscustomobject]@{A='x\"y'; B='1,2'} | ConvertTo-Csv"), ['"A","B"', '"x""y","1,2"']);
  assert.deepEqual(await values("[pscustomobject]@{A='x\"y'; B='1,2'} | ConvertTo-Csv -UseQuotes AsNeeded"), ['A,B', '"x""y","1,2"']);
  assert.deepEqual(await values("'a;b', '1;2' | ConvertFrom-Csv -Delimiter ';' | ForEach-Object b"), ['2']);
  const cwd = tempDir();
  try {
    await values(`${objects}; $items | Export-Csv items.csv; $items[0] | Export-Csv items.csv -Append`, { cwd });
    assert.equal(readFileSync(join(cwd, 'items.csv'), 'utf8'), '"Name","Size","Kind"\n"web","300","vm"\n"db","100","vm"\n"lab","200","pc"\n"web","300","vm"\n');
    assert.deepEqual(await values("Import-Csv items.csv | Select-Object -Last 1 | ForEach-Object { $_.Name + ':' + $_.Size }", { cwd }), ['web:300']);
    const whatIf = await run("1 | Export-Csv other.csv -WhatIf", { cwd });
    assert.equal(existsSync(join(cwd, 'other.csv')), false);
    assert.match(whatIf.hostText[0]!, /What if/);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('Out-File writes the rendered text; -Append adds', async () => {
  const cwd = tempDir();
  try {
    await values("[pscustomobject]@{A=1} | Out-File o.txt; 'more' | Out-File o.txt -Append", { cwd });
    assert.equal(readFileSync(join(cwd, 'o.txt'), 'utf8'), 'A\n-\n1\nmore\n');
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('Write-Output, Write-Host, Write-Error, Write-Warning', async () => {
  const r = await run("Write-Output 1, 2; Write-Host a b -Separator '-'; Write-Warning 'careful'; Write-Error 'bad' -ErrorId DiskMissing -Category ObjectNotFound -TargetObject sda");
  assert.deepEqual(r.data, [1, 2]);
  assert.deepEqual(r.hostText, ['a-b']);
  assert.deepEqual(r.warnings, ['careful']);
  const e = r.errors[0]!;
  assert.equal(e.fullyQualifiedId, 'DiskMissing,Write-Error');
  assert.equal(e.category, 'ObjectNotFound');
  assert.equal(e.targetObject, 'sda');
  assert.equal(e.span?.startLine, 1);
});

test('Get-Variable / Set-Variable with scopes and wildcards', async () => {
  assert.deepEqual(await values("$img1 = 'a'; $img2 = 'b'; Get-Variable img* | ForEach-Object Name"), ['img1', 'img2']);
  assert.deepEqual(await values("function f { Set-Variable -Name g -Value 7 -Scope Global }; f; $g"), [7]);
  assert.equal((await run('Get-Variable nope')).errors[0]?.id, 'VariableNotFound');
});

test('Get-Date and Start-Sleep', async () => {
  const [d] = await values("Get-Date -Date '2024-01-02T03:04:05' -Format o");
  assert.match(d as string, /^2024-01-02T03:04:05\.0000000[+-]\d\d:\d\d$/);
  const started = Date.now();
  await values('Start-Sleep -Milliseconds 50');
  assert.ok(Date.now() - started >= 45);
  assert.equal((await run('Start-Sleep -Seconds -1')).errors[0]?.id, 'ParameterArgumentValidationError');
});

test('Get-Command: wildcards, -Verb, -Noun, functions, did-you-mean', async () => {
  const names = (await values("Get-Command *-Csv | ForEach-Object Name")) as string[];
  assert.deepEqual(names, ['ConvertFrom-Csv', 'ConvertTo-Csv', 'Export-Csv', 'Import-Csv']);
  assert.deepEqual(await values("function Get-Thing {}; Get-Command -Noun Thing | ForEach-Object { $_.Name + ':' + $_.CommandType }"), ['Get-Thing:Function']);
  const e = (await run('Get-Command Sort-Objct')).errors[0]!;
  assert.match(e.message, /Did you mean Sort-Object/);
});

test('Get-Help: synopsis, syntax, parameters, -Full, -Examples, -Parameter, aliases, unknown', async () => {
  const [help] = (await values('Get-Help Select-Object')) as string[];
  assert.match(help!, /NAME\s+Select-Object/);
  assert.match(help!, /SYNTAX\s+Select-Object \[\[-Property\] <object\[\]>\]/);
  assert.match(help!, /-First\s+Outputs only the first N objects/);
  const [full] = (await values('Get-Help Start-Sleep -Full')) as string[];
  assert.match(full!, /-Seconds <number>[\s\S]*Required\?\s+true[\s\S]*Position\?\s+0[\s\S]*Allowed range\s+0 to 2147483/);
  assert.match(full!, /Start-Sleep \[-Seconds\] <number>.*\n\s+Start-Sleep -Milliseconds <int>/);
  const [param] = (await values('Get-Help where -Parameter FilterS')) as string[];
  assert.match(param!, /^-FilterScript <scriptblock>/);
  const [examples] = (await values('Get-Help ForEach-Object -Examples')) as string[];
  assert.match(examples!, /PS> 1\.\.3 \| ForEach-Object \{ \$_ \* \$_ \}/);
  assert.equal((await run('Get-Help Nope-Thing')).errors[0]?.id, 'HelpNotFound');
});

test('Get-Error shows the latest error records', async () => {
  const r = await run("Get-Nothing; Get-Error | ForEach-Object { $_.ErrorId; $_.Location }");
  assert.deepEqual(r.data, ['CommandNotFound', { File: '<test>', Line: 1, Column: 1, EndLine: 1, EndColumn: 11 }]);
});

test('help lists are aligned: every description starts in one column, however long the longest name', async () => {
  const column = (lines: string[], name: RegExp) => lines.filter((l) => name.test(l)).map((l) => /^\s*\S+\s+/.exec(l)![0].length);
  const commands = ((await values('Get-Help'))[0] as string).split('\n');
  const starts = new Set(column(commands, /^  [A-Z]\w+-\w+ /));
  assert.equal(starts.size, 1, `synopses start at columns ${[...starts].join(', ')}`);
  const help = ((await values('Get-Help Set-DPMulticast'))[0] as string).split('\n');
  const parameters = help.slice(help.indexOf('PARAMETERS') + 1, help.indexOf('', help.indexOf('PARAMETERS')));
  assert.ok(parameters.some((l) => l.includes('-EnableScheduledMulticast')));
  assert.equal(new Set(column(parameters, /^    -/)).size, 1, parameters.join('\n'));
});
