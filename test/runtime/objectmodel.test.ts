// The object model in the value layer: type names, [ordered], .psobject, hashtable enumeration,
// member enumeration of methods, the .NET types scripts construct, date arithmetic, $null.Count.
// Expected values: PowerShell-Docs reference/7.4/Microsoft.PowerShell.Core/About (about_Hash_Tables,
// about_Member-Access_Enumeration, about_Properties, about_Intrinsic_Members, about_Arithmetic_Operators),
// Get-Member.md and New-Object.md, and .NET's documented formats (TimeSpan.ToString "c").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, values } from './harness.js';

test('GetType().Name / FullName for the common types (about_Hash_Tables: [ordered] is OrderedDictionary)', async () => {
  assert.deepEqual(
    await values("'x'.GetType().FullName; (1).GetType().Name; (2147483648).GetType().Name; (1.5).GetType().Name; $true.GetType().Name; @(1).GetType().FullName; @{}.GetType().FullName; ([ordered]@{}).GetType().FullName; ([pscustomobject]@{}).GetType().FullName; { }.GetType().Name; (Get-Date).GetType().Name"),
    ['System.String', 'Int32', 'Int64', 'Double', 'Boolean', 'System.Object[]', 'System.Collections.Hashtable', 'System.Collections.Specialized.OrderedDictionary', 'System.Management.Automation.PSCustomObject', 'ScriptBlock', 'DateTime'],
  );
  // A type as text is its accelerator's name (MshObject.cs ToStringCodeMethods.Type).
  assert.deepEqual(await values('[int].Name; [int].FullName; [string].FullName; "$((1).GetType())"; "$([System.IO.FileInfo])"'), ['Int32', 'System.Int32', 'System.String', 'int', 'System.IO.FileInfo']);
  const r = await run('$null.GetType()');
  assert.match(r.errors[0]?.message ?? '', /null-valued expression/);
});

test('$null.Count and $null.Length are 0 (about_Properties: scalars and $null have Count)', async () => {
  assert.deepEqual(await values('$null.Count; $null.Length; $x = $null; $x.Count'), [0, 0, 0]);
});

test('.psobject.Properties lists the note properties with Name and Value (about_Intrinsic_Members)', async () => {
  assert.deepEqual(await values("$o = [pscustomobject]@{ a = 1; b = 'x' }; $o.psobject.Properties.Name; $o.psobject.Properties | ForEach-Object { \"$($_.Name)=$($_.Value)\" }; $o.psobject.Properties.MemberType | Select-Object -First 1"), ['a', 'b', 'a=1', 'b=x', 'NoteProperty']);
});

test('hashtable GetEnumerator() gives Key/Value entries for sorting (about_Hash_Tables "Sorting keys and values")', async () => {
  assert.deepEqual(await values("$h = @{ b = 2; a = 3; c = 1 }; $h.GetEnumerator() | Sort-Object Value | ForEach-Object Key; ($h.GetEnumerator() | Sort-Object Name)[0].Value"), ['c', 'b', 'a', 3]);
  assert.deepEqual(await values('$h = [ordered]@{ z = 1; y = 2 }; $h.Keys; $c = $h.Clone(); $c.z = 9; $h.z'), ['z', 'y', 1]);
});

test('member enumeration calls a method on each element (about_Member-Access_Enumeration)', async () => {
  assert.deepEqual(await values("@('a', 'b').ToUpper(); ('x,y', 'z').Split(',').Count"), ['A', 'B', 3]);
  const fixed = await run('$a = 1, 2; $a.Add(3)');
  assert.match(fixed.errors[0]?.message ?? '', /Collection was of a fixed size/);
});

test('ArrayList, List[T], StringBuilder, Guid and exceptions from [type]::new() and New-Object (New-Object.md)', async () => {
  assert.deepEqual(await values('$l = [System.Collections.ArrayList]::new(); $l.Add(\'a\'); $l.Add(\'b\'); $l.Remove(\'a\'); $l.Count; $l.GetType().FullName'), [0, 1, 1, 'System.Collections.ArrayList']);
  assert.deepEqual(await values("$l = [System.Collections.Generic.List[int]]::new(); $l.Add('5'); $l.Add(2); $l.Sort(); $l; ($l[1]).GetType().Name"), [2, 5, 'Int32']);
  assert.deepEqual(await values("$sb = New-Object System.Text.StringBuilder; [void]$sb.Append('a').Append('b'); $sb.Length; $sb.ToString()"), [2, 'ab']);
  assert.deepEqual(await values("$g = [guid]::NewGuid(); $g.GetType().FullName; \"$g\" -match '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'; ([guid]'{0F8FAD5B-D9CB-469F-A165-70867728950E}').Guid"), ['System.Guid', true, '0f8fad5b-d9cb-469f-a165-70867728950e']);
  assert.deepEqual(await values("$e = [System.ArgumentException]::new('bad'); $e.Message; $e.GetType().Name; (New-Object System.InvalidOperationException 'no').Message"), ['bad', 'ArgumentException', 'no']);
  assert.deepEqual(await values('(New-Object DateTime 2024, 2, 29).DayOfYear; ([datetime]::new(2024, 1, 31, 13, 5, 9)).Hour'), [60, 13]);
});

test('date arithmetic gives TimeSpans; TimeSpans compare and print in .NET\'s format (about_Arithmetic_Operators)', async () => {
  assert.deepEqual(
    await values("$d = [datetime]'2024-01-02' - [datetime]'2024-01-01 12:00'; $d.TotalHours; \"$d\"; $d.GetType().Name; ([datetime]'2024-01-01' + [timespan]'1.02:00:00').Hour; [timespan]::FromMinutes(90) -gt [timespan]'01:00:00'; ([timespan]::FromSeconds(3725)).ToString()"),
    [12, '12:00:00', 'TimeSpan', 2, true, '01:02:05'],
  );
  assert.deepEqual(await values("([datetime]'2024-03-01').Subtract([datetime]'2024-02-01').Days; ([datetime]'2024-03-01').AddDays(-1).Day"), [29, 29]);
});

test('Get-Member: one listing per type, sorted by member type then name; -MemberType and -Name filter (Get-Member.md)', async () => {
  const members = (await values("[pscustomobject]@{ Name = 'web'; Size = 300 } | Get-Member")) as { Name: string; MemberType: string; Definition: string; TypeName: string }[];
  assert.deepEqual(members.map((m) => `${m.MemberType} ${m.Name}`), ['Method Equals', 'Method GetHashCode', 'Method GetType', 'Method ToString', 'NoteProperty Name', 'NoteProperty Size']);
  assert.equal(members[0]!.TypeName, 'System.Management.Automation.PSCustomObject');
  assert.deepEqual(await values("'abc' | Get-Member -MemberType Property | ForEach-Object Definition"), ['int Length {get;}']);
  assert.deepEqual(await values("'abc', 'd' | Get-Member -Name To*er | ForEach-Object Name"), ['ToLower', 'ToUpper']);
  assert.deepEqual(await values('Get-Member -InputObject @(1, 2) -Name Count | ForEach-Object TypeName'), ['System.Object[]']);
});

test('AutomationNull: a command that outputs nothing is not $null in @() and pipelines (about_Automatic_Variables § $null)', async () => {
  assert.deepEqual(await values("$r = 1..3 | Where-Object { $_ -gt 5 }; $null -eq $r; @($r).Count; @($null).Count; ($r | Measure-Object).Count; ($null | Measure-Object).Count; function f { }; @(f).Count; $r.Count"), [true, 0, 1, 0, 1, 0, 0]);
});

test('$null arithmetic, methods and indexing (Binders.cs BinaryMultiply; "You cannot call a method on a null-valued expression"; "Cannot index into a null array")', async () => {
  assert.deepEqual(await values('$null -eq ($null * 5); $null + 1; 5 + $null'), [true, 1, 5]);
  assert.match((await run('$x = $null; $x.ToString()')).errors[0]?.message ?? '', /null-valued expression/);
  assert.equal((await run('$x = $null; $x[0]')).errors[0]?.message, 'Cannot index into a null array.');
});

test('[regex], [version] and typed arrays (about_Type_Conversion § Other type conversions; about_Arrays)', async () => {
  assert.deepEqual(await values("$r = [regex]'a|b'; $r.GetType().Name; $r.IsMatch('xbx'); ([regex]::new('\\d+')).Matches('a1b22').Count; [regex]::Replace('a1b2', '\\d', '#'); ([regex]'(?<n>\\d+)').Match('x42').Groups[1].Value"), ['Regex', true, 2, 'a#b#', '42']);
  assert.deepEqual(await values("$v = [version]'1.2.10'; $v.Minor; [version]'1.10' -gt [version]'1.9'; \"$v\""), [2, true, '1.2.10']);
  assert.deepEqual(await values("([int[]]('1', '2')).GetType().Name; ([string[]](1, 2)).GetType().FullName"), ['Int32[]', 'System.String[]']);
});

test('$OFS separates array elements expanded in strings (about_Automatic_Variables § $OFS)', async () => {
  assert.deepEqual(await values('$a = 1, 2, 3; "$a"; $OFS = \'-\'; "$a"; "$(4, 5)"; Remove-Variable OFS; "$a"'), ['1 2 3', '1-2-3', '4-5', '1 2 3']);
});
