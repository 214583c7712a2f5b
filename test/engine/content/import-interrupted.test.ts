// An import interrupted by a real signal in a real `mcshell -c` process: one Ctrl+C (SIGINT)
// cancels it cleanly, SIGTERM removes its partial copy on the way out, and the copy SIGKILL leaves
// behind is swept when the site is opened next, while a live import's copy is left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../../bin/mcshell.js', import.meta.url));

const partials = (site: string) => (existsSync(join(site, 'content')) ? readdirSync(join(site, 'content')).filter((name) => name.endsWith('.partial')) : []);

/** A site and a large sparse image: its import takes long enough to be interrupted. */
function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'mcshell-interrupt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const image = join(dir, 'big.img');
  writeFileSync(image, '');
  truncateSync(image, 4 * 1024 ** 3);
  return { site: join(dir, 'site'), image };
}

/** `mcshell -c 'Import-OSImage …'`, once its partial copy exists. */
async function importing(site: string, image: string) {
  const before = partials(site);
  const child = spawn(process.execPath, [bin, '-c', `Import-OSImage '${image}'`], { env: { ...process.env, MCSHELL_HOME: site } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  for (;;) {
    const found = await Promise.race([ended.then(() => 'ended' as const), new Promise((resolve) => setTimeout(resolve, 20)).then(() => (partials(site).some((name) => !before.includes(name)) ? ('found' as const) : null))]);
    if (found === 'ended') assert.fail(`the import ended before its copy appeared: ${stderr}`);
    if (found === 'found') break;
  }
  return { child: child as ChildProcess, ended, output: () => ({ stdout, stderr }) };
}

const images = (site: string) => spawnSync(process.execPath, [bin, '-c', '@(Get-OSImage).Count'], { encoding: 'utf8', env: { ...process.env, MCSHELL_HOME: site } });

test('one SIGINT (Ctrl+C) cancels an import cleanly: a clear message, exit 130, nothing added, no partial copy', async (t) => {
  const { site, image } = setup(t);
  const run = await importing(site, image);
  run.child.kill('SIGINT');
  const { code } = await run.ended;
  const { stdout, stderr } = run.output();
  assert.equal(code, 130, stderr);
  assert.match(stderr, /import cancelled; nothing was added \[ImportCancelled,Import-OSImage\]/);
  assert.doesNotMatch(stderr, /UnexpectedError|aborted/);
  assert.equal(stdout, '');
  assert.deepEqual(partials(site), []);
  assert.equal(images(site).stdout, '0\n');
});

test('SIGTERM during an import removes its partial copy', async (t) => {
  const { site, image } = setup(t);
  const run = await importing(site, image);
  run.child.kill('SIGTERM');
  assert.equal((await run.ended).code, 143);
  assert.deepEqual(partials(site), []);
});

test("SIGKILL's leftover copy is swept when the site opens; a live import's copy is not", async (t) => {
  const { site, image } = setup(t);
  const killed = await importing(site, image);
  const [leftover] = partials(site);
  killed.child.kill('SIGKILL');
  await killed.ended;
  assert.deepEqual(partials(site), [leftover], 'SIGKILL leaves the copy');

  // The next process to open the site (here another import) removes it, and keeps a live copy.
  const live = await importing(site, image);
  t.after(() => live.child.kill('SIGKILL'));
  const [own] = partials(site);
  assert.notEqual(own, leftover);
  assert.equal(images(site).status, 0);
  assert.deepEqual(partials(site), [own], 'the dead import is swept, the live one stays');
  live.child.kill('SIGINT');
  await live.ended;
  assert.deepEqual(partials(site), []);
});
