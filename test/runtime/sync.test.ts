// Expressions with no command or method inside are evaluated without promises
// (src/runtime/interpreter/sync.ts); these pin that they behave exactly like the general path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, values } from './harness.js';

test('an error in a plain expression statement is reported, $? turns false, and the script goes on', async () => {
  const r = await run("$a = 1 / 'x'; $?; $b = 2; $?; 1 + 'y'; 'after'");
  assert.deepEqual(r.data, [false, true, 'after']);
  assert.equal(r.errors.length, 2);
  assert.equal(r.errors[0]!.span?.startLine, 1);
});

test('assignments to variables, properties and elements, compound and scoped', async () => {
  assert.deepEqual(await values('$h = @{ n = 1 }; $h.n += 2; $h.n'), [3]);
  assert.deepEqual(await values('$a = 1, 2, 3; $a[1] *= 10; $a[-1] = 7; $a'), [1, 20, 7]);
  assert.deepEqual(await values('$i = 5; $i -= 1; $i++; $global:g = $i; $g'), [5]);
  assert.deepEqual(await values("$o = [pscustomobject]@{ Name = 'a' }; $o.Name = $o.Name + 'b'; $o.Name"), ['ab']);
  const r = await run('$a = 1, 2; $a[5] = 1; $a.Count');
  assert.equal(r.errors[0]?.id, 'IndexAssignmentException');
  assert.deepEqual(r.data, [2]);
});

test('-and / -or short-circuit, parens and hashtables of plain expressions', async () => {
  assert.deepEqual(await values("$x = $null; $x -ne $null -and $x.Length -gt 0; ($true -or (1 / 'z'))"), [false, true]);
  assert.deepEqual(await values("$t = @{ a = (1 + 1); b = \"v$(2)\" }; $t.a; $t.b"), [2, 'v2']);
  assert.deepEqual(await values("'abc' -match 'b(c)'; $Matches[1]"), [true, 'c']);
});

test('one-expression filters and blocks: output, errors and scope as with any script block', async () => {
  assert.deepEqual(await values('1..6 | Where-Object { $_ % 3 -eq 0 }'), [3, 6]);
  assert.deepEqual(await values('$n = 0; 1..3 | ForEach-Object { $n += $_ }; $n'), [6]);
  assert.deepEqual(await values('(1, 2, 3).Where({ $_ -gt 1 }); { 1, 2 }.Invoke()'), [2, 3, 1, 2]);
  const r = await run("1..3 | Where-Object { 1 / ($_ - 2) }");
  assert.deepEqual(r.data, [1, 3]);
  assert.equal(r.errors.length, 1);
});
