// Regression guard for the PowerShell conformance suite: every case listed in
// expected-passing.txt must still pass. Cases not listed yet (the work still to do) may fail.
// The suite itself (scripts/conformance.mjs) runs each case through the real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(new URL('../../..', import.meta.url).pathname);

interface CaseResult {
  id: string;
  category: string;
  pass: boolean;
  reason: string;
}

const expected = readFileSync(join(root, 'test/conformance/expected-passing.txt'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

const run = spawnSync(process.execPath, [join(root, 'scripts/conformance.mjs'), '--json', '--passing'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const results: CaseResult[] = run.status === 0 ? (JSON.parse(run.stdout) as { results: CaseResult[] }).results : [];

test('the conformance runner completes', () => {
  assert.equal(run.status, 0, run.stderr);
});

const byId = new Map(results.map((r) => [r.id, r]));
const categories = [...new Set(results.map((r) => r.category))];
for (const category of categories) {
  test(`conformance cases that passed keep passing: ${category}`, () => {
    const lost = expected
      .map((id) => byId.get(id))
      .filter((r): r is CaseResult => r !== undefined && r.category === category && !r.pass)
      .map((r) => `${r.id}: ${r.reason}`);
    assert.deepEqual(lost, [], `regressed (run node scripts/conformance.mjs --id <id> --show-failures):\n${lost.join('\n')}`);
  });
}

test('every id in expected-passing.txt names a case', () => {
  assert.deepEqual(expected.filter((id) => !byId.has(id)), []);
});
