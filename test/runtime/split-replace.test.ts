// -split, -join and -replace with PowerShell's semantics, and .NET regex options translated.
// Expected values: MicrosoftDocs/PowerShell-Docs reference/7.4/Microsoft.PowerShell.Core/About
// about_Split (§ Parameters: Max-substrings, Options, ScriptBlock; § Unary split), about_Join,
// about_Comparison_Operators (§ Replacement operator, § Substitutions in regular expressions,
// § Replacement with a script block), and PowerShell/PowerShell
// test/powershell/Language/Operators/SplitOperator.Tests.ps1, ReplaceOperator.Tests.ps1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, values } from './harness.js';

const v = async (source: string) => values(source);
const join = (parts: unknown) => (parts as string[]).join('|');

test('-split max-substrings: positive from the left, negative from the right (about_Split, Max-substrings)', async () => {
  assert.deepEqual(await v("('a b c d' -split ' ', 2) -join '|'; ('a b c d' -split ' ', -2) -join '|'; ('a b c d' -split ' ', -1) -join '|'"), ['a|b c d', 'a b c|d', 'a b c d']);
  assert.deepEqual(await v("('a1b3c4d' -split '\\d', 2) -join '|'; ('a2b3c4d' -split '\\d', -2) -join '|'"), ['a|b3c4d', 'a2b3c|d']);
  assert.equal(join((await v("$c = 'Mercury,Venus,Earth,Mars,Jupiter,Saturn,Uranus,Neptune'; $c -split ',', 5"))), 'Mercury|Venus|Earth|Mars|Jupiter,Saturn,Uranus,Neptune');
});

test('-split options: SimpleMatch, IgnoreCase, Singleline, Multiline, IgnorePatternWhitespace, ExplicitCapture (about_Split, Options)', async () => {
  assert.deepEqual(await v("('a.b' -split '.', 0, 'SimpleMatch') -join '|'; ('abcBd' -csplit 'B', 0, 'IgnoreCase') -join '|'; ('abcBd' -csplit 'B') -join '|'"), ['a|b', 'a|c|d', 'abc|d']);
  assert.deepEqual(await v("$t = \"a12a`nb34b`nc56c\"; ($t -split 'b.+c').Count; ($t -split 'b.+c', 0, 'Singleline').Count; ($t -split '^b', 0, 'Multiline').Count"), [1, 2, 2]);
  assert.deepEqual(await v("('a: b:c' -split ': ', 0, 'IgnorePatternWhitespace') -join '|'; ('a:b' -split '(:)') -join '|'; ('a:b' -split '(:)', 0, 'ExplicitCapture') -join '|'"), ['a| b|c', 'a|:|b', 'a|b']);
  const r = await run("'abc' -split 'B', 0, 'RegexMatch,SimpleMatch'");
  assert.match(r.errors[0]?.message ?? '', /SimpleMatch/);
});

test('-split with a script block tests each character (about_Split, ScriptBlock)', async () => {
  assert.deepEqual(await v("('a::b::c::d' -split { $_ -eq 'b' -or $_ -eq 'C' }) -join '|'; ('a b c d' -split { $_ -eq ' ' }, -2) -join '|'"), ['a::|::|::d', 'a b c|d']);
});

test('unary -split and -join bind tighter than the comma (about_Split, Unary split; about_Join)', async () => {
  assert.deepEqual(await v("(-split \" a b`tc \") -join '|'; $r = -split 'a b', 'c d'; $r.Count; -join ('a', 'b', 'c'); (-join 'a', 'b').Count"), ['a|b|c', 2, 'abc', 2]);
});

test('-replace: $0, numbered and named groups, $$, no substitute (about_Comparison_Operators, Substitutions)', async () => {
  assert.deepEqual(
    await v("'domain.example' -replace '^(\\w+)\\.(?<tld>\\w+)$', \"Tld of '`$0' is - '`${tld}'\"; 'abc' -replace 'b', '$$'; 'abc' -replace 'b'; 'John D' -replace '(\\w+) (\\w+)', '$2, $1'"),
    ["Tld of 'domain.example' is - 'example'", 'a$c', 'ac', 'D, John'],
  );
  assert.deepEqual(await v("'ABC' -replace 'b', 'x'; 'ABC' -creplace 'b', 'x'; ('ab', 'cb') -replace 'b', 'X'"), ['AxC', 'ABC', ['aX', 'cX']].flat());
});

test('-replace with a script block: $_ is the match (about_Comparison_Operators, Replacement with a script block)', async () => {
  assert.deepEqual(await v("'ID ABC123' -replace '\\b[A-C]+', { 'X' * $_.Value.Length }; 'a1b22' -replace '\\d+', { [int]$_.Groups[0].Value * 2 }"), ['ID XXX123', 'a2b44']);
});

test('.NET inline options at the start of a pattern are translated; inside a pattern they are reported', async () => {
  assert.deepEqual(await v("\"a`nb\" -replace '(?s)a.b', 'X'; 'ABC x' -replace '(?-i)abc', 'y'; 'AbC' -match '(?i)abc'"), ['X', 'ABC x', true]);
  const r = await run("'ab' -match 'a(?i)b'");
  assert.match(r.errors[0]?.message ?? '', /not supported/);
});
