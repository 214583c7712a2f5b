import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commands } from '../../cmdlets/index.js';
import { buildManifest, readManifest, writeManifest } from '../../cmdlets/manifest.js';
import { values } from '../runtime/harness.js';

test("the build's manifest agrees with the cmdlet declarations", async () => {
  assert.deepEqual(readManifest(), await buildManifest(commands));
});

test('a missing manifest, or one older than a compiled cmdlet, is not used', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcshell-manifest-'));
  try {
    assert.equal(readManifest(dir), null);
    mkdirSync(join(dir, 'core'));
    const cmdlet = join(dir, 'core', 'Get-Date.js');
    writeFileSync(cmdlet, '');
    const past = new Date(Date.now() - 60_000);
    utimesSync(cmdlet, past, past);
    await writeManifest(commands, dir);
    assert.deepEqual(readManifest(dir), await buildManifest(commands));
    const future = new Date(Date.now() + 60_000);
    utimesSync(cmdlet, future, future);
    assert.equal(readManifest(dir), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Get-Command answers the same from the manifest and from the cmdlets themselves', async () => {
  const withoutManifest = commands.map(({ name, aliases, load }) => ({ name, aliases, load }));
  const list = 'Get-Command | ForEach-Object { "$($_.Name)|$($_.Synopsis)|$($_.Parameters -join \',\')" }';
  const fromCmdlets = await values(list, { commands: withoutManifest });
  assert.equal(fromCmdlets.length, commands.length);
  assert.deepEqual(await values(list), fromCmdlets);
  assert.ok(commands.every((c) => c.brief?.()), 'the build wrote a manifest with every cmdlet');
});
