import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commands } from '../../cmdlets/index.js';
import { compareStrings } from '../../src/runtime/operators.js';

// compareStrings answers printable-ASCII strings itself; ICU's collators are the reference.
const icu = {
  insensitive: new Intl.Collator('en', { sensitivity: 'accent' }),
  sensitive: new Intl.Collator('en', { sensitivity: 'variant', caseFirst: 'lower' }),
};

function assertSameOrder(strings: string[]): void {
  for (const a of strings) {
    for (const b of strings) {
      assert.equal(compareStrings(a, b), icu.insensitive.compare(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      assert.equal(compareStrings(a, b, true), icu.sensitive.compare(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}, case-sensitive`);
    }
  }
}

test('string comparison agrees with ICU for every pair of printable ASCII characters', () => {
  assertSameOrder(Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)));
});

test('string comparison agrees with ICU for short strings, names and non-ASCII text', () => {
  let short = [''];
  for (let length = 0; length < 2; length++) short = [...short, ...short.filter((s) => s.length === length).flatMap((s) => [...' _-.aAbBzZ09$~'].map((c) => s + c))];
  assertSameOrder(short);
  assertSameOrder([...commands.flatMap((c) => [c.name, ...c.aliases]), 'get-date', 'GET-DATE', 'Get-date', 'Get-Date2', 'Get-Date10', 'GetDate', 'Ärger', 'Zebra', 'a\tb', 'a b', 'é', 'e', 'E']);
});
