// PowerShell 7's operators ?: ?? ??= ?. ?[] and the bitwise operators. Expected values:
// MicrosoftDocs/PowerShell-Docs reference/7.4/Microsoft.PowerShell.Core/About about_Operators
// (§ Ternary operator, § Null-coalescing operator ??, § Null-coalescing assignment operator ??=,
// § Null-conditional operators ?. and ?[]), about_Arithmetic_Operators (§ Bitwise operators), and
// PowerShell/PowerShell test/powershell/Language/Operators/TernaryOperator.Tests.ps1,
// NullConditional.Tests.ps1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { values } from './harness.js';

const v = async (source: string) => values(source);

test('ternary: condition ? a : b, falsy values, nesting (about_Operators, Ternary operator)', async () => {
  assert.deepEqual(await v("$true ? 1 : 2; 0 ? 'y' : 'n'; '' ? 'y' : 'n'; @() ? 'y' : 'n'"), [1, 'n', 'n', 'n']);
  assert.deepEqual(await v("$false ? 'a' : $true ? 'b' : 'c'"), ['b']);
  // Below the comparison operators: (5 -gt 3) ? … : …
  assert.deepEqual(await v("$x = 5 -gt 3 ? 'Core' : 'Desktop'; $x"), ['Core']);
  // `$ok?` is a variable name in PowerShell 7 (TernaryOperator.Tests.ps1: variable names with '?').
  assert.deepEqual(await v('${true}?1:2; $true? ?1 :2'), [1, 2]);
});

test('?? returns the left side unless it is $null; ??= assigns only to $null (about_Operators)', async () => {
  assert.deepEqual(await v("$x = $null; $x ?? 100; $y = 1; $y ?? 100; $null ?? $null ?? 'last'"), [100, 1, 'last']);
  assert.deepEqual(await v('$z ??= 5; $z; $z ??= 6; $z'), [5, 5]);
  // The right side of ??= is not evaluated when the left is set.
  assert.deepEqual(await v("$n = 1; $calls = 0; $n ??= ($calls = 1); $calls"), [0]);
  // Precedence: below arithmetic, above comparison (NullCoalescing tests).
  assert.deepEqual(await v("$true -and $null ?? $true; 2 + $null ?? 3; $null -eq $null ?? 'x'"), [true, 2, false]);
  assert.deepEqual(await v("'' ?? 'x'; 0 ?? 1"), ['', 0]);
});

test('?. and ?[] give $null on $null instead of failing (about_Operators, Null-conditional operators)', async () => {
  assert.deepEqual(await v("$o = [pscustomobject]@{ name = 'value' }; ${o}?.name; $n = $null; ${n}?.name; ${n}?.ToUpper(); ${n}?[0]; $a = 1, 2; ${a}?[1]"), ['value', null, null, null, 2]);
});

test('bitwise operators (about_Arithmetic_Operators, Bitwise operators)', async () => {
  assert.deepEqual(await v('10 -band 3; 10 -bor 3; 10 -bxor 3; -bnot 10; 102 -shl 2; 102 -shr 1'), [2, 11, 9, -11, 408, 51]);
  assert.deepEqual(await v('21 -shr 32; 21 -shr 33; [int]::MaxValue -shr 1; -21 -shr 1; -bnot [int]::MaxValue'), [21, 10, 1073741823, -11, -2147483648]);
  assert.deepEqual(await v("0x100000000 -bor 1; '12' -band 10; ($flags = 5) -band 4"), [4294967297, 8, 4]);
});
