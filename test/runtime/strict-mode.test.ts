// Set-StrictMode. Expected behaviour: MicrosoftDocs/PowerShell-Docs reference/7.4/
// Microsoft.PowerShell.Core/Set-StrictMode.md (§ Description: what versions 1.0, 2.0 and 3.0
// prohibit; § Examples) and PowerShell/PowerShell test/powershell/Language/Scripting/StrictMode.Tests.ps1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, values } from './harness.js';

test('version 1: a variable that was never set is an error; $null set explicitly is fine', async () => {
  const r = await run("Set-StrictMode -Version 1.0; $set = $null; \"[$set]\"; $neverSet; 'next'");
  assert.deepEqual(r.data, ['[]', 'next']);
  assert.equal(r.errors[0]?.message, "The variable '$neverSet' cannot be retrieved because it has not been set.");
  assert.deepEqual(await values('Set-StrictMode -Version 1.0; 1, 2 | ForEach-Object { $_ }; $true'), [1, 2, true]);
});

test('version 2: a property an object lacks is an error (hashtable keys are not)', async () => {
  const r = await run("Set-StrictMode -Version 2.0; $o = [pscustomobject]@{ A = 1 }; $o.A; $o.B; $h = @{}; \"[$($h.missing)]\"");
  assert.deepEqual(r.data, [1, '[]']);
  assert.equal(r.errors[0]?.id, 'PropertyNotFoundStrict');
});

test('Latest (3): indexing $null and past the end of an array are errors', async () => {
  const r = await run('Set-StrictMode -Version Latest; $a = 1, 2; $a[1]; $a[5]; $n = $null; $n[0]');
  assert.deepEqual(r.data, [2]);
  assert.deepEqual(r.errors.map((e) => e.message), ['Index was outside the bounds of the array.', 'Cannot index into a null array.']);
});

test('strict mode holds in the scope that set it and the scopes it starts; -Off ends it', async () => {
  assert.deepEqual(await values("function f { Set-StrictMode -Version Latest }; f; \"[$unset1]\"; Set-StrictMode -Version 1.0; Set-StrictMode -Off; \"[$unset2]\""), ['[]', '[]']);
  const r = await run('Set-StrictMode -Version 1.0; function g { $inside }; g');
  assert.equal(r.errors[0]?.id, 'VariableIsUndefined');
});
