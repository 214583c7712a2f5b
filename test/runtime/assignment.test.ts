// Assignment forms and number printing. Expected values: MicrosoftDocs/PowerShell-Docs
// reference/7.4/Microsoft.PowerShell.Core/About about_Assignment_Operators (§ Assigning multiple
// variables, § The increment and decrement operators, § Assignment operators and variable types),
// about_Variables (§ Types of variables), and .NET's Double.ToString() ("G15" in PowerShell's output).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, values } from './harness.js';

const v = async (source: string) => values(source);

test('$a, $b = 1, 2, 3: one value each, the last takes the rest (about_Assignment_Operators, Assigning multiple variables)', async () => {
  assert.deepEqual(await v("$one, $two = 1, 2, 3; $one; $two -join ','"), [1, '2,3']);
  assert.deepEqual(await v('$a, $b, $c = 1, 2; "[$a][$b][$c]"'), ['[1][2][]']);
});

test('postfix ++ and -- yield the value before, prefix the value after (about_Assignment_Operators, increment and decrement)', async () => {
  assert.deepEqual(await v('$a = 7; $c = $a++; "$c $a"; $c = ++$a; "$c $a"; $c = $a--; "$c $a"'), ['7 8', '9 9', '9 8']);
  // As a statement, $i++ outputs nothing.
  assert.deepEqual(await v('$i = 1; $i++; $i'), [2]);
});

test('[int]$x = … keeps the type: later assignments convert (about_Variables, Types of variables)', async () => {
  assert.deepEqual(await v("[int]$x = '5'; $x + 1; $x = '42'; $x -is [int]; $x"), [6, true, 42]);
  assert.deepEqual(await v("[string]$s = 5; $s = 7; $s -is [string]; $s + 1"), [true, '71']);
  const r = await run("[int]$n = 1; $n = 'abc'");
  assert.equal(r.errors[0]?.id, 'InvalidCastConversion');
});

test('doubles print as PowerShell prints them', async () => {
  assert.deepEqual(await v('"$(0.1 + 0.2)"; "$(1e20)"; "$(1e-7)"; "$(1/3)"; "$(0.0001)"; "$(0.00001)"; "$(1MB)"'), ['0.3', '1E+20', '1E-07', '0.333333333333333', '0.0001', '1E-05', '1048576']);
});
