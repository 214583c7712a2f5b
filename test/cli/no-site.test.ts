// Issue 16 item 20: looking creates nothing. Read-only commands run with no site leave a fresh
// home untouched, and a sender given a site home keeps its manifest cache there, not in ~/.cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/mcshell.js', import.meta.url));

/** A fresh user: an empty HOME, no XDG directories and no MCSHELL_HOME. */
function freshUser(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'mcshell-fresh-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const home = join(dir, 'home');
  mkdirSync(home);
  const env: Record<string, string> = { HOME: home, NO_COLOR: '1' };
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !/^(HOME|MCSHELL_HOME|XDG_.*)$/.test(name)) env[name] = value;
  const run = (args: string[], extra: Record<string, string> = {}) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...env, ...extra }, cwd: dir, timeout: 60_000 });
  return { dir, home, run };
}

/** Every path under `dir`, relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1)).sort();
}

test('read-only commands run with no site create nothing: no ~/.config/mcshell, nothing in HOME', (t) => {
  const user = freshUser(t);
  for (const command of ['Get-OSImage', 'Get-DPMulticast | Out-Null', 'Get-DeviceCollection', 'Get-TSDeployment', 'Get-EnrollmentToken', 'Get-MulticastSession -History', 'Get-Help Get-OSImage | Out-Null', 'Get-Command | Out-Null']) {
    const result = user.run(['-c', command]);
    assert.equal(result.status, 0, `${command}: ${result.stderr}`);
    assert.deepEqual(tree(user.home), [], `${command} created files`);
  }
});

test('send with MCSHELL_HOME keeps its manifest cache under the site home, not under ~/.cache', (t) => {
  const user = freshUser(t);
  const image = join(user.dir, 'image.img');
  writeFileSync(image, randomBytes(256 * 1024));
  const site = join(user.dir, 'site');
  // --prepare hashes the image and fills the cache, without a session.
  const result = user.run(['send', image, '--prepare', '--json'], { MCSHELL_HOME: site });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).cacheDir, join(site, 'cache', 'manifests'));
  assert.equal(readdirSync(join(site, 'cache', 'manifests')).filter((name) => name.endsWith('.mcm')).length, 1);
  assert.deepEqual(tree(user.home), []);
});
