// PowerShell's statements: switch, for, do, labels, $foreach, $switch. Expected values come from
// MicrosoftDocs/PowerShell-Docs reference/7.4/Microsoft.PowerShell.Core/About (the topic and section
// named in each test) and PowerShell/PowerShell test/powershell/Language/Scripting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, values } from './harness.js';

const v = async (source: string) => values(source);

test('switch: the matching clause runs; several values each run (about_Switch, Examples)', async () => {
  assert.deepEqual(await v('switch (3) { 1 {"It is one."} 2 {"It is two."} 3 {"It is three."} 4 {"It is four."} }'), ['It is three.']);
  assert.deepEqual(
    await v('switch (4, 2) { 1 {"It is one."} 2 {"It is two."} 3 {"It is three."} 4 {"It is four."} 3 {"Three again."} }'),
    ['It is four.', 'It is two.'],
  );
  // Every matching clause runs, not only the first.
  assert.deepEqual(await v('switch (3) { 3 {"a"} 3 {"b"} }'), ['a', 'b']);
});

test('switch: break leaves the switch, continue goes to the next value (about_Switch, Examples)', async () => {
  assert.deepEqual(
    await v('switch (4, 2) { 1 {"It is one."; Break} 2 {"It is two."; Break} 3 {"It is three."; Break} 4 {"It is four."; Break} 3 {"Three again."} }'),
    ['It is four.'],
  );
  assert.deepEqual(await v('switch (1, 2, 3) { 2 { continue } { $true } { "v$_" } }'), ['v1', 'v3']);
});

test('switch: default runs only when nothing else matched; a bare word is a string (about_Switch, Syntax)', async () => {
  assert.deepEqual(await v("switch ('x', 'abc') { abc { 'word' } default { \"no match: $_\" } }"), ['no match: x', 'word']);
  assert.deepEqual(await v("switch ('ABC') { 'abc' { 'insensitive' } }"), ['insensitive']);
});

test('switch: -CaseSensitive, -Wildcard, -Regex with $Matches, -Exact (about_Switch, Parameters)', async () => {
  assert.deepEqual(await v("switch -CaseSensitive ('ABC') { 'abc' { 'lower' } 'ABC' { 'upper' } }"), ['upper']);
  assert.deepEqual(
    await v("$target = 'https://bing.com'; switch -Wildcard ($target) { 'ftp*' { 'ftp' } 'http*' { \"$_ is a web address that uses http\" } }"),
    ['https://bing.com is a web address that uses http'],
  );
  assert.deepEqual(
    await v("switch -Regex ('user@contoso.com') { '^\\w+@(?<domain>\\w+)\\.com$' { \"domain: $($Matches.domain)\" } }"),
    ['domain: contoso'],
  );
  assert.deepEqual(await v("switch -Exact ('a*') { 'a*' { 'literal' } 'ab' { 'no' } }"), ['literal']);
  // The last of -Regex / -Wildcard / -Exact wins.
  assert.deepEqual(await v("switch -Regex -Wildcard ('abc') { 'a*' { 'wild' } }"), ['wild']);
});

test('switch: script-block conditions see $_ (about_Switch, Examples)', async () => {
  assert.deepEqual(await v("switch (5) { { $_ -gt 3 } { 'big' } { $_ -lt 3 } { 'small' } }"), ['big']);
});

test('switch: $switch is the enumerator; MoveNext() consumes the next value (about_Automatic_Variables, $switch)', async () => {
  assert.deepEqual(
    await v("switch ('-n', 'box', 'other') { '-n' { [void]$switch.MoveNext(); \"name=$($switch.Current)\" } default { \"arg=$_\" } }"),
    ['name=box', 'arg=other'],
  );
});

test('switch -File reads the lines of a file (about_Switch, -File)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switch-'));
  writeFileSync(join(dir, 'hosts.txt'), 'pc1\nserver2\npc3\n');
  assert.deepEqual(await values("switch -Wildcard -File hosts.txt { 'pc*' { $_ } }", { cwd: dir }), ['pc1', 'pc3']);
});

test('switch on $null runs once with $null; on an empty array not at all', async () => {
  assert.deepEqual(await v("switch ($null) { $null { 'null' } }"), ['null']);
  assert.deepEqual(await v("switch (@()) { default { 'never' } }; 'after'"), ['after']);
});

test('for: initializer, condition, iterator; each part optional (about_For)', async () => {
  assert.deepEqual(await v('for ($i = 1; $i -le 3; $i++) { $i }'), [1, 2, 3]);
  assert.deepEqual(await v('$i = 0; for (; $i -lt 2;) { $i; $i++ }'), [0, 1]);
  assert.deepEqual(await v("for (;;) { 'once'; break }"), ['once']);
  // continue still runs the iterator.
  assert.deepEqual(await v('for ($i = 0; $i -lt 4; $i++) { if ($i % 2) { continue }; $i }'), [0, 2]);
  assert.deepEqual(await v('for ($i = 0\n$i -lt 2; $i++)\n{ $i }'), [0, 1]);
});

test('do-while and do-until run the body first (about_Do)', async () => {
  assert.deepEqual(await v('$a = 0; do { $a++ } while ($a -lt 5); $a'), [5]);
  assert.deepEqual(await v("$n = 10; do { 'ran' } while ($n -lt 5)"), ['ran']);
  assert.deepEqual(await v('$b = 0; do { $b } until ($b++ -ge 2)'), [0, 1, 2]);
});

test('labels: break and continue name the loop (about_Break, about_Continue)', async () => {
  assert.deepEqual(await v(':outer foreach ($a in 1..3) { foreach ($b in 1..3) { if ($b -eq 2) { continue outer }; "$a$b" } }'), ['11', '21', '31']);
  assert.deepEqual(await v(':outer for ($x = 0; $x -lt 3; $x++) { while ($true) { break outer } }; "x=$x"'), ['x=0']);
  assert.deepEqual(await v(':lbl\nwhile ($true) { switch (1) { 1 { break lbl } } }; "done"'), ['done']);
});

test('$foreach is the running loop enumerator (about_Foreach; about_Automatic_Variables, $foreach)', async () => {
  assert.deepEqual(await v('foreach ($n in 1..5) { if ($n -eq 2) { [void]$foreach.MoveNext(); "skip to $($foreach.Current)" } else { $n } }'), [1, 'skip to 3', 4, 5]);
  // The loop variable stays set after the loop.
  assert.deepEqual(await v('foreach ($n in 1..3) { }; $n'), [3]);
});

test('an unknown switch option is a parse error naming the options', async () => {
  await assert.rejects(run("switch -Fuzzy ('a') { }"), /-Regex, -Wildcard, -Exact, -CaseSensitive and -File/);
});
