import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isWildcard, matchesWildcard } from '../../src/runtime/wildcard.js';

test('wildcards: *, ?, [set], [a-z], backtick escapes, case', () => {
  const cases: [string, string, boolean][] = [
    ['Win11', 'win*', true],
    ['Win11', '*11', true],
    ['Win11', 'W?n1?', true],
    ['Win11', 'W?n1', false],
    ['lab7', 'lab[0-9]', true],
    ['lab12', 'lab[0-9]', false],
    ['labx', 'lab[xyz]', true],
    ['a*b', 'a`*b', true],
    ['axb', 'a`*b', false],
    ['a[b', 'a[b', true],
    ['', '*', true],
    ['', '', true],
    ['abc', '', false],
    ['aXbXc', 'a*b*c', true],
    ['aXbXd', 'a*b*c', false],
    ['ünï', '?n?', true],
  ];
  for (const [text, pattern, expected] of cases) assert.equal(matchesWildcard(text, pattern), expected, `${text} -like ${pattern}`);
  assert.equal(matchesWildcard('WIN', 'win', true), false);
  assert.equal(isWildcard('a*'), true);
  assert.equal(isWildcard('a`*'), false);
  assert.equal(isWildcard('a``*'), true);
  assert.equal(isWildcard('plain'), false);
});

test('any pattern length is matched, never an "Invalid regular expression", and pathological patterns stay linear', () => {
  const huge = 'a'.repeat(70_000);
  for (const pattern of [huge, `${huge}*`, '*'.repeat(70_000), '[a'.repeat(30_000), '[a]'.repeat(30_000), `*${'a*'.repeat(30_000)}b`]) {
    assert.doesNotThrow(() => matchesWildcard('Win11', pattern));
    assert.doesNotThrow(() => matchesWildcard(huge, pattern));
  }
  assert.equal(matchesWildcard(huge, `${huge}*`), true);
  assert.equal(matchesWildcard('a'.repeat(40), `${'a*'.repeat(30)}b`), false);
});
