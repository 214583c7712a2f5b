import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScript } from '../../src/language/index.js';
import { run, values } from './harness.js';

/** Each line's value as "<text> <type name>", the way the conformance cases print numbers. */
async function typed(lines: string[]): Promise<string[]> {
  const r = await run(lines.map((line) => `$v = ${line}; "$v $($v.GetType().Name)"`).join('\n'));
  assert.deepEqual(r.errors.map((e) => e.message), []);
  return r.output as string[];
}

test('literals: type suffixes, multipliers, hex and binary sign bits, widening (Parser.Tests.ps1 numerical notations)', async () => {
  assert.deepEqual(await typed(['-2147483648', '2147483648', '123456789012345678', '9223372036854775808', '1.0', '1e2', '0x80000000', '0xFFFFFFFFFFFFFFFF', '0b11111111', '0b11111111u']), [
    '-2147483648 Int32',
    '2147483648 Int64',
    '123456789012345678 Int64',
    '9223372036854775808 Decimal',
    '1 Double',
    '100 Double',
    '-2147483648 Int32',
    '-1 Int64',
    '-1 Int32',
    '255 UInt32',
  ]);
  assert.deepEqual(await typed(['0xFFy', '0xFFuy', '3.72s', '-2.5l', '1lkb', '0xFFFFFFFFFFu', '10n', '1.50d', '1.5kb']), [
    '-1 SByte',
    '255 Byte',
    '4 Int16',
    '-2 Int64',
    '1024 Int64',
    '1099511627775 UInt64',
    '10 BigInteger',
    '1.50 Decimal',
    '1536 Double',
  ]);
  assert.throws(() => parseScript('256uy'), /numeric constant 256uy is not valid/);
});

test('arithmetic widens as PowerShell does: Int32 overflow is a Double, Decimal wins, signed and unsigned mix', async () => {
  assert.deepEqual(
    await typed([
      '[int]::MaxValue + 1',
      '[long]::MaxValue + 1',
      '6 / 3',
      '7 / 2',
      '1d + 2.5',
      '1.1d * 3',
      '[int32]::MinValue + [uint32]::MaxValue',
      '[uint32]5 + 1',
      '9223372036854775807ul + 2',
      '[byte]200 + [byte]100',
      '[bigint]1 / 1.9',
      '10l % 3',
      '-[int]::MinValue',
    ]),
    [
      '2147483648 Double',
      '9.22337203685478E+18 Double',
      '2 Int32',
      '3.5 Double',
      '3.5 Decimal',
      '3.3 Decimal',
      '2147483647 Int64',
      '6 UInt32',
      '9223372036854775809 UInt64',
      '300 Int32',
      '1 BigInteger',
      '1 Int64',
      '2147483648 Double',
    ],
  );
  assert.deepEqual(await typed(['1d / 3', '[decimal]10 / 4']), ['0.3333333333333333333333333333 Decimal', '2.5 Decimal']);
  assert.match((await run('[decimal]::MaxValue + 1')).errors[0]?.message ?? '', /too large or too small for a Decimal/);
});

test('casts convert with .NET rounding and refuse values outside the type', async () => {
  assert.deepEqual(await typed(["[byte]42.1", "[decimal]'0.10'", "[long]'0x10'", '[int]2.5', '[int]3.5', "[bigint]'123456789012345678901234567890'", '[double]5', '[float]0.1']), [
    '42 Byte',
    '0.10 Decimal',
    '16 Int64',
    '2 Int32',
    '4 Int32',
    '123456789012345678901234567890 BigInteger',
    '5 Double',
    '0.1 Single',
  ]);
  assert.match((await run('[byte]300')).errors[0]?.message ?? '', /too large or too small for an unsigned byte/);
});

test('comparison is exact across types; bitwise operators keep the operand type', async () => {
  assert.deepEqual(await values('9007199254740993l -eq 9007199254740992l; 1 -eq 1.0; 2d -gt 1.5; [long]::MaxValue -gt [long]::MaxValue - 1'), [false, true, true, true]);
  assert.deepEqual(await typed(['0x100000000 -bor 1', '1l -shl 40', '-bnot [byte]0', '-bnot [uint32]0', '[uint32]1 -shl 31']), [
    '4294967297 Int64',
    '1099511627776 Int64',
    '-1 Int32',
    '4294967295 UInt32',
    '2147483648 UInt32',
  ]);
});

test('enums: members, casts from names and flag lists, arithmetic that keeps the enum, Math.Round modes', async () => {
  assert.deepEqual(
    await values(`
      $blue = [ConsoleColor]::Blue
      "$($blue + 3) $([int]$blue) $($blue -eq 'blue') $($blue.GetType().FullName)"
      $a = [System.IO.FileAttributes]::ReadOnly -bor [System.IO.FileAttributes]::Hidden
      "$a / $([int]$a) / $([System.IO.FileAttributes]'Hidden, ReadOnly')"
      [bool][ConsoleColor]::Black
      [Math]::Round(2.5, [MidpointRounding]::AwayFromZero)
      [Math]::Round(2.5)
      'ABC'.Equals('abc', [StringComparison]::OrdinalIgnoreCase)
    `),
    ['Red 9 True System.ConsoleColor', 'ReadOnly, Hidden / 3 / ReadOnly, Hidden', false, 3, 2, true],
  );
  assert.match((await run("[ConsoleColor]'Purple'")).errors[0]?.message ?? '', /Specify one of the following enumerator names.*DarkBlue/);
});

test('in argument mode a number with a type suffix stays text (durations such as 30d, 10s); in expressions it is a number', async () => {
  assert.deepEqual(await values('Write-Output 30d 10s 4kb; (30d).GetType().Name'), ['30d', '10s', 4096, 'Decimal']);
});
