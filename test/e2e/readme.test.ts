// The README is run, not just read: its deployment script is the example file word for word, its
// install step puts `mcshell` on PATH, and its walkthrough runs verbatim — DP in the background,
// clients started at once, `kill` stopping the DP (issue 16, items 2, 3 and 21).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const readme = await readFile(join(root, 'README.md'), 'utf8');

/** The fenced block that follows `marker` in the README. */
function blockAfter(marker: string): string {
  const at = readme.indexOf(marker);
  assert.ok(at >= 0, `the README has no "${marker}"`);
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(block, `no code block follows "${marker}"`);
  return block[1]!;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** True when something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

test("the README's deployment script is examples/deploy-lab.mcs, word for word", async () => {
  assert.equal(blockAfter('`examples/deploy-lab.mcs` does all of them'), await readFile(join(root, 'examples/deploy-lab.mcs'), 'utf8'));
});

test("the README's install step puts mcshell on PATH, and its walkthrough runs verbatim", { timeout: 240_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-readme-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const prefix = join(dir, 'prefix');
  // npm's global prefix is the test's own folder, so the machine's global packages stay untouched.
  const install = spawnSync('bash', ['-euo', 'pipefail', '-c', blockAfter('<!-- install:')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, npm_config_prefix: prefix, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
  });
  assert.equal(install.status, 0, install.stderr);
  const bin = join(prefix, 'bin');
  assert.ok(existsSync(join(bin, 'mcshell')), `the install step put no mcshell in ${bin}`);

  const scratch = join(dir, 'tmp');
  await mkdir(scratch);
  const environment: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, TMPDIR: scratch };
  delete environment.MCSHELL_HOME;
  assert.equal(await listening(8734), false, 'port 8734 is free before the walkthrough');
  const walkthrough = spawnSync('bash', ['-c', blockAfter('<!-- walkthrough:')], { cwd: root, encoding: 'utf8', env: environment, timeout: 200_000 });
  const transcript = `--- stdout\n${walkthrough.stdout}\n--- stderr\n${walkthrough.stderr}`;
  assert.equal(walkthrough.status, 0, transcript);
  assert.doesNotMatch(walkthrough.stderr, /enrollment failed|gave up/, transcript);

  const [lab] = await readdir(scratch);
  assert.ok(lab, 'the walkthrough made its scratch folder');
  const labDir = join(scratch, lab);
  const image = sha256(await readFile(join(labDir, 'lab-os.img')));
  for (const client of ['pc-1', 'pc-2']) {
    const copy = join(labDir, `${client}.img`);
    assert.ok(existsSync(copy), `${client} wrote no ${copy}\n${transcript}`);
    assert.equal(sha256(await readFile(copy)), image, `${client}.img is the image`);
  }
  assert.match(walkthrough.stdout, /Completed/, `the session history shows the completed session\n${transcript}`);
  // `kill $DP` stopped the DP itself (not a wrapper whose child lives on holding the port).
  const deadline = Date.now() + 10_000;
  while ((await listening(8734)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(await listening(8734), false, 'the DP no longer listens after kill $DP');
});
