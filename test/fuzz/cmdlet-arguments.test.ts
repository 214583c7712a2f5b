// Cmdlet argument fuzz (issue 16): every cmdlet's every parameter, common ones included, gets
// $null, '', a huge name, a huge wildcard, control characters and an empty array, with valid
// values for the cmdlet's other mandatory parameters so its own code runs too. Each cmdlet runs
// in its own copy of a scratch site that has an image, a collection with a member, a task
// sequence, a deployment and a token. Any answer may be an error, none an UnexpectedError (a
// crash turned into a record) nor an exception escaping the session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commands } from '../../cmdlets/index.js';
import { parseScript } from '../../src/language/index.js';
import { COMMON_PARAMETERS, SHOULD_PROCESS_PARAMETERS } from '../../src/runtime/binder.js';
import type { CmdletDeclaration } from '../../src/runtime/cmdlet.js';
import type { ErrorRecord } from '../../src/runtime/errors.js';
import { Session } from '../../src/runtime/session.js';
import { recordingHost, run } from '../runtime/harness.js';

/** Cmdlets left out, and why. */
const SKIPPED: Record<string, string> = {
  'Receive-MulticastImage': 'waits for a multicast sender to announce a session (up to its -SenderTimeout)',
  'Watch-MulticastSession': 'follows sessions until they end or q is pressed: it waits by design',
};

/** Valid values (script text) for the mandatory parameters, so that fuzzing another parameter reaches the cmdlet's code. */
const VALID: Record<string, Record<string, string>> = {
  'ConvertFrom-Csv': { InputObject: "'a,b'" },
  'ConvertFrom-Json': { InputObject: "'{}'" },
  'ConvertTo-Csv': { InputObject: '1' },
  'Export-Csv': { Path: 'out.csv', InputObject: '1' },
  'ForEach-Object': { Process: '{ $_ }' },
  'Get-Content': { Path: 'a.img' },
  'Import-Csv': { Path: 'a.csv' },
  'Out-File': { FilePath: 'out.txt' },
  'Set-Content': { Path: 'out.txt' },
  'Set-Variable': { Name: 'x' },
  'Start-Sleep': { Seconds: '0' },
  'Where-Object': { FilterScript: '{ $true }' },
  'Write-Error': { Message: 'm' },
  'Write-Warning': { Message: 'm' },
  'Disconnect-MulticastClient': { SessionId: 'MC0001', Client: 'pc-01' },
  'Start-MulticastSession': { Image: 'Win11' },
  'Stop-MulticastSession': { Id: 'MC0001' },
  'Add-CollectionMember': { Collection: 'Lab1' },
  'Import-OSImage': { Path: 'a.img' },
  'New-DeviceCollection': { Name: 'Lab2' },
  'New-TSDeployment': { TaskSequence: 'Lab', Collection: 'Lab1' },
  'New-TaskSequence': { Name: 'Lab2', Image: 'Win11', Target: 'target.img' },
  'Remove-CollectionMember': { Collection: 'Lab1', Member: 'pc-01' },
  'Remove-EnrolledClient': { Name: 'pc-01' },
  'Remove-OSImage': { Name: 'Win11' },
  'Remove-TSDeployment': { Id: 'DEP00001' },
  'Revoke-EnrollmentToken': { Id: 'x' },
  'Set-ImageMulticast': { Name: 'Win11' },
  'New-BootImage': { Name: 'Lab' },
  'Remove-BootImage': { Name: 'Lab' },
  'Set-BootImage': { Name: 'Lab', NewName: 'Lab2' },
  'Set-DeviceVariable': { Device: 'pc-01', Variable: 'Room' },
  'New-DistributionPointGroup': { Name: 'Branches' },
  'Add-DistributionPointGroupMember': { Group: 'Branches', DistributionPoint: 'DP-A' },
  'Remove-DistributionPointGroupMember': { Group: 'Branches', DistributionPoint: 'DP-A' },
  'Remove-DistributionPointGroup': { Name: 'Branches' },
  'Start-ContentDistribution': { Image: 'Win11' },
  'Update-ContentDistribution': { Image: 'Win11' },
  'Remove-ContentDistribution': { Image: 'Win11', DistributionPoint: 'DP-A' },
};

const HUGE = 'a'.repeat(70_000);
/** What an attacker or an unlucky paste puts in a name: escapes that set the title and clear the screen, NUL, newlines, a bidi override. */
const CONTROL = '\x1b]0;pwned\x07\x1b[2J\x00\r\n\t\u202e\x7f\x9b';
const VALUES: [string, unknown][] = [
  ['$null', null],
  ["''", ''],
  ['a 70,000-character name', HUGE],
  ['a 70,000-character wildcard', `${'a*'.repeat(35_000)}`],
  ['control characters', CONTROL],
  ['@()', []],
];

async function runWith(source: string, value: unknown, cwd: string): Promise<ErrorRecord[]> {
  const recorded = { errors: [] as ErrorRecord[], warnings: [] as string[], verbose: [] as string[], hostText: [] as string[] };
  const session = new Session({ host: recordingHost(recorded), commands, cwd, site: join(cwd, 'site') });
  session.global.setLocal('v', value);
  await session.run(parseScript(source, '<fuzz>'), { onOutput: () => {} });
  return recorded.errors;
}

test('no cmdlet answers $null, empty, huge or control-character arguments with an UnexpectedError', async () => {
  const template = mkdtempSync(join(tmpdir(), 'mcshell-fuzz-site-'));
  const sites: string[] = [template];
  try {
    writeFileSync(join(template, 'a.img'), 'image');
    writeFileSync(join(template, 'a.csv'), 'A,B\n1,2\n');
    const setup = await run(
      'Import-OSImage a.img -Name Win11 | Out-Null; New-DeviceCollection Lab1 | Out-Null; Add-CollectionMember -Collection Lab1 -Name pc-01 | Out-Null; ' +
        "New-TaskSequence Lab -Image Win11 -Target target.img | Out-Null; New-TSDeployment Lab Lab1 | Out-Null; New-EnrollmentToken 'lab' | Out-Null",
      { cwd: template },
    );
    assert.deepEqual(setup.errors.map((e) => e.message), []);

    const failures: string[] = [];
    let cases = 0;
    for (const entry of commands) {
      if (SKIPPED[entry.name]) continue;
      const decl: CmdletDeclaration = (await entry.load()).default;
      const cwd = mkdtempSync(join(tmpdir(), 'mcshell-fuzz-'));
      sites.push(cwd);
      cpSync(template, cwd, { recursive: true });
      const parameters = [...Object.keys(decl.parameters), ...Object.keys(COMMON_PARAMETERS), ...(decl.impact ? Object.keys(SHOULD_PROCESS_PARAMETERS) : [])];
      for (const parameter of parameters) {
        const others = Object.entries(VALID[decl.name] ?? {}).filter(([name]) => name !== parameter);
        // Confirmation would be asked of no one: a state-changing cmdlet goes ahead, so its code runs.
        const confirm = decl.impact && parameter !== 'Confirm' ? ' -Confirm:$false' : '';
        const source = `${decl.name} ${others.map(([name, value]) => `-${name} ${value}`).join(' ')} -${parameter}:$v${confirm}; Stop-DPService`;
        for (const [label, value] of VALUES) {
          cases++;
          try {
            const errors = await runWith(source, value, cwd);
            for (const e of errors.filter((record) => record.id === 'UnexpectedError')) failures.push(`${decl.name} -${parameter} ${label}: ${e.message}`);
          } catch (error) {
            failures.push(`${decl.name} -${parameter} ${label}: threw ${(error as Error).stack ?? String(error)}`);
          }
        }
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${cases} cases failed`);
  } finally {
    for (const site of sites) rmSync(site, { recursive: true, force: true });
  }
});
