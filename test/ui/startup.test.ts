// -c, script and stdin runs never load the UI: a module hook in the child lists every module the
// run resolves, and none may come from ink or react (the interactive prompt alone loads them).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/mcshell.js');
const hooks = `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  process._rawDebug('LOADED ' + resolved.url);
  return resolved;
}`;
const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;

function loadedModules(args: string[], input?: string): string[] {
  const result = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, bin, ...args], { encoding: 'utf8', input, env: { ...process.env, MCSHELL_HOME: mkdtempSync(join(tmpdir(), 'mcshell-startup-')) } });
  assert.equal(result.status, 0, result.stderr);
  return result.stderr.split('\n').filter((line) => line.startsWith('LOADED ')).map((line) => line.slice(7));
}

test('-c, script files and stdin scripts load neither ink nor react nor src/ui', () => {
  const script = join(mkdtempSync(join(tmpdir(), 'mcshell-startup-')), 'run.mcs');
  writeFileSync(script, "Get-Command -Verb Watch | Select-Object Name\n");
  for (const [args, input] of [[['-c', 'Get-Command | Select-Object -First 1']], [[script]], [[], "'from stdin'"]] as [string[], string?][]) {
    const loaded = loadedModules(args, input);
    assert.ok(loaded.some((url) => url.includes('/cmdlets/')), `the hook saw the run (${args.join(' ')})`);
    assert.deepEqual(loaded.filter((url) => /\/node_modules\/(ink|react|react-reconciler)\/|\/src\/ui\//.test(url)), [], args.join(' '));
  }
});
