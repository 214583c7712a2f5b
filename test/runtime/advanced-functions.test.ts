// [CmdletBinding(SupportsShouldProcess, ConfirmImpact = …)] and $PSCmdlet.ShouldProcess() in
// functions and scripts. Expected behaviour: MicrosoftDocs/PowerShell-Docs reference/7.4/
// Microsoft.PowerShell.Core/About about_Functions_CmdletBindingAttribute (§ SupportsShouldProcess,
// § ConfirmImpact), about_Functions_Advanced_Methods (§ ShouldProcess), about_Preference_Variables
// ($ConfirmPreference, $WhatIfPreference).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, values } from './harness.js';

const removeThing = "function Remove-Thing { [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')] param([string]$Name) if ($PSCmdlet.ShouldProcess($Name, 'Remove')) { \"removed $Name\" } }";

test('-WhatIf on an advanced function describes the operation instead of doing it', async () => {
  const r = await run(`${removeThing}; Remove-Thing a; Remove-Thing b -WhatIf`);
  assert.deepEqual(r.data, ['removed a']);
  assert.deepEqual(r.hostText, ['What if: Performing the operation "Remove" on target "b".']);
});

test('ConfirmImpact at or above $ConfirmPreference asks; -Confirm:$false goes ahead; without a terminal it refuses', async () => {
  const hi = "function Hi { [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')] param() if ($PSCmdlet.ShouldProcess('x')) { 'did' } }";
  assert.deepEqual(await values(`${hi}; Hi -Confirm:$false`), ['did']);
  assert.equal((await run(`${hi}; Hi`)).errors[0]?.id, 'ConfirmationRequired');
  const asked: string[] = [];
  const r = await run(`${hi}; Hi`, { confirm: async (q) => (asked.push(q.message), 'Yes') });
  assert.deepEqual([r.data, asked], [['did'], ['Are you sure you want to perform this action?\nPerforming the operation "Hi" on target "x".']]);
});

test('a function without SupportsShouldProcess has no -WhatIf', async () => {
  const r = await run('function Plain { [CmdletBinding()] param() 1 }; Plain -WhatIf');
  assert.equal(r.errors[0]?.id, 'NamedParameterNotFound');
});

test('-WhatIf reaches the commands an advanced function runs ($WhatIfPreference)', async () => {
  const r = await run(`${removeThing}; function Outer { [CmdletBinding(SupportsShouldProcess)] param() Remove-Thing inner }; Outer -WhatIf`);
  assert.deepEqual([r.data, r.hostText], [[], ['What if: Performing the operation "Remove" on target "inner".']]);
});

test('a .mcs script with [CmdletBinding(SupportsShouldProcess)] takes -WhatIf', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'whatif-'));
  writeFileSync(join(cwd, 'clean.mcs'), "[CmdletBinding(SupportsShouldProcess)]\nparam([string]$Path)\nif ($PSCmdlet.ShouldProcess($Path, 'Clean')) { \"cleaned $Path\" }\n");
  const r = await run('./clean.mcs -Path /tmp/x -WhatIf; ./clean.mcs -Path /tmp/y', { cwd });
  assert.deepEqual([r.data, r.hostText], [['cleaned /tmp/y'], ['What if: Performing the operation "Clean" on target "/tmp/x".']]);
});
