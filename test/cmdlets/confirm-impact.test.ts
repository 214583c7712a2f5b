// The cmdlets that remove or revoke site objects, or stop a session, are ConfirmImpact High, as
// ConfigMgr's Remove-CM*: under the default $ConfirmPreference they ask; -Force or -Confirm:$false
// skips the question, and without a terminal the refusal says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../runtime/harness.js';

const HIGH_IMPACT = ['Remove-OSImage X', 'Remove-TSDeployment DEP00001', 'Stop-MulticastSession MC0001', 'Remove-EnrolledClient pc-01', 'Revoke-EnrollmentToken abc'];

for (const line of HIGH_IMPACT) {
  const name = line.split(' ')[0]!;
  test(`${name} asks by default; -Force skips the question`, async (t) => {
    const cwd = mkdtempSync(join(tmpdir(), 'mcshell-impact-'));
    t.after(() => rmSync(cwd, { recursive: true, force: true }));
    const refused = await run(line, { cwd });
    assert.equal(refused.errors[0]?.fullyQualifiedId, `ConfirmationRequired,${name}`);
    assert.match(refused.errors[0]!.hint!, /-Force or -Confirm:\$false/);
    const asked: string[] = [];
    await run(line, { cwd, confirm: async (q) => (asked.push(q.message), 'No') });
    assert.equal(asked.length, 1, 'asked on a terminal');
    for (const skip of ['-Force', '-Confirm:$false']) {
      const forced = await run(`${line} ${skip}`, { cwd, confirm: async () => assert.fail('asked despite ' + skip) });
      assert.notEqual(forced.errors[0]?.id, 'ConfirmationRequired', `${skip} went ahead (to its own not-found error)`);
    }
  });
}
