// Site cmdlets as an admin meets them: what they warn about, refuse and report (issue 16).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../runtime/harness.js';

/** Runs each source in turn in one fresh site directory. */
async function inSite<T>(fn: (cwd: string) => Promise<T>): Promise<T> {
  const cwd = mkdtempSync(join(tmpdir(), 'mcshell-site-cmdlets-'));
  try {
    return await fn(cwd);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

test('Set-DPMulticast -Interface of an interface this host lacks warns at once, naming the ones it has, and saves it', async () => {
  await inSite(async (cwd) => {
    const r = await run('Set-DPMulticast -Interface eth7; (Get-DPMulticast).Interface', { cwd });
    assert.deepEqual(r.errors, []);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /no IPv4 interface eth7 \(it has lo\b/);
    assert.deepEqual(r.data, ['eth7']);
    const here = await run('Set-DPMulticast -Interface lo', { cwd });
    assert.deepEqual(here.warnings, []);
  });
});
