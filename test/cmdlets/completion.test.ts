import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { complete } from '../../src/runtime/completion.js';
import { run } from '../runtime/harness.js';

test('Tab completes live names from the site: images, collections, task sequences, deployments', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'mcshell-complete-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const setup = await run(
    "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; Import-OSImage a.img -Name 'Win Server' | Out-Null; Import-OSImage a.img -Name Ubuntu | Out-Null;" +
      'New-DeviceCollection Lab1 | Out-Null; New-DeviceCollection Lab2 | Out-Null; New-TaskSequence Kiosk -Image Win11 -Target /dev/sda | Out-Null; New-TSDeployment Kiosk Lab1 | Out-Null',
    { cwd },
  );
  assert.deepEqual(setup.errors.map((e) => e.message), []);
  const candidates = async (line: string) => (await complete(setup.session, line, line.length)).candidates;
  assert.deepEqual(await candidates('Get-OSImage W'), ["'Win Server'", 'Win11']);
  assert.deepEqual(await candidates('Set-ImageMulticast -Name U'), ['Ubuntu']);
  assert.deepEqual(await candidates('New-TSDeployment -TaskSequence K'), ['Kiosk']);
  assert.deepEqual(await candidates('New-TSDeployment Kiosk -Collection La'), ['Lab1', 'Lab2']);
  assert.deepEqual(await candidates('Remove-TSDeployment DEP'), ['DEP00001']);
  assert.deepEqual(await candidates('Get-MulticastSession '), [], 'no DP service runs, so no session ids');
});
