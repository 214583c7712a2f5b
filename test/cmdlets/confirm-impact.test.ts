// The cmdlets that remove or revoke site objects, or stop a session, are ConfirmImpact High, as
// ConfigMgr's Remove-CM*: under the default $ConfirmPreference they ask; -Force or -Confirm:$false
// skips the question, and without a terminal the refusal says so. Like Remove-CM*, they find their
// object first: one that is not there is a not-found error, and nothing is asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../runtime/harness.js';
import { openSite } from '../../cmdlets/engine.js';
import { enrollClient } from '../../src/engine/site/enrollment.js';

/** A site holding one of everything the five cmdlets act on; returns the token's id. */
async function siteWithEverything(cwd: string): Promise<string> {
  const setup = await run(
    [
      "Set-Content a.img 'a'; Import-OSImage a.img -Name X | Out-Null",
      'New-DeviceCollection Lab | Out-Null; New-TaskSequence TS -Image X -Target /dev/null | Out-Null',
      'New-TSDeployment -TaskSequence TS -Collection Lab | Out-Null',
      "$spare = New-EnrollmentToken spare; $one = New-EnrollmentToken 'pc-01'; $one.Token",
      'Start-DPService -Port 0 | Out-Null; Start-MulticastSession X | Out-Null',
      '$spare.Id',
    ].join('\n'),
    { cwd },
  );
  assert.deepEqual(setup.errors, []);
  const [token, spareId] = setup.output as [string, string];
  await enrollClient(await openSite(join(cwd, 'site')), token, { name: 'pc-01', mac: '02:00:00:00:00:01' });
  return spareId;
}

const HIGH_IMPACT = ['Remove-OSImage X', 'Remove-TSDeployment DEP00001', 'Stop-MulticastSession MC0001', 'Remove-EnrolledClient pc-01', 'Revoke-EnrollmentToken {token}'];

for (const template of HIGH_IMPACT) {
  const name = template.split(' ')[0]!;
  test(`${name} asks by default; -Force skips the question; an unknown object is not found before anything is asked`, async (t) => {
    const cwd = mkdtempSync(join(tmpdir(), 'mcshell-impact-'));
    t.after(async () => {
      await run('Stop-DPService', { cwd });
      rmSync(cwd, { recursive: true, force: true });
    });
    const line = template.replace('{token}', await siteWithEverything(cwd));
    const refused = await run(line, { cwd });
    assert.equal(refused.errors[0]?.fullyQualifiedId, `ConfirmationRequired,${name}`);
    assert.match(refused.errors[0]!.hint!, /-Force or -Confirm:\$false/);
    const asked: string[] = [];
    const declined = await run(line, { cwd, confirm: async (q) => (asked.push(q.message), 'No') });
    assert.equal(asked.length, 1, 'asked on a terminal');
    assert.deepEqual(declined.errors, [], 'No changes nothing and is no error');
    const forced = await run(`${line} -Force`, { cwd, confirm: async () => assert.fail('asked despite -Force') });
    assert.deepEqual(forced.errors, [], '-Force went ahead');
    const unknown = await run(`${name} NoSuchThing`, { cwd, confirm: async () => assert.fail('asked about an object that is not there') });
    assert.match(unknown.errors[0]?.id ?? '', /NotFound$/);
  });
}

test('-Confirm:$false skips the question as -Force does', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'mcshell-impact-'));
  t.after(async () => {
    await run('Stop-DPService', { cwd });
    rmSync(cwd, { recursive: true, force: true });
  });
  await siteWithEverything(cwd);
  const removed = await run('Remove-EnrolledClient pc-01 -Confirm:$false; @(Get-EnrolledClient).Count', { cwd, confirm: async () => assert.fail('asked despite -Confirm:$false') });
  assert.deepEqual([removed.errors, removed.output], [[], [0]]);
});
