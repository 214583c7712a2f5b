#!/usr/bin/env node
// `npm test`: build, then run every compiled test file with Node's test runner inside a private
// network namespace (see ../shared/brief/testbed.md). Arguments narrow the run to test paths,
// e.g. `npm test -- test/transport`. With --postgres the tests run on the site database: a
// PostgreSQL server started for the run, a fresh database per test site (test/postgres/).
import { readdirSync, statSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { ensurePrivateNamespace } from './netns-guard.mjs';

ensurePrivateNamespace(import.meta.url);

const root = resolve(new URL('..', import.meta.url).pathname);
process.chdir(root);

const build = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { stdio: 'inherit' });
if (build.status !== 0) {
  console.error('build failed: fix the type errors above');
  process.exit(1);
}
// The same manifest `npm run build` writes, so the tests see what users run.
const manifest = spawnSync(process.execPath, [join(root, 'scripts/build-manifest.mjs')], { stdio: 'inherit' });
if (manifest.status !== 0) process.exit(1);
// The interactive shell loads the UI bundle `npm run build` makes (the tmux test drives it).
const ui = spawnSync(process.execPath, [join(root, 'scripts/build-ui.mjs')], { stdio: 'inherit' });
if (ui.status !== 0) process.exit(1);
// The transport's native receive path (skipped when up to date; falls back to dgram if unbuildable).
const native = spawnSync(process.execPath, [join(root, 'scripts/build-native.mjs')], { stdio: 'inherit' });
if (native.status !== 0) process.exit(1);
// Script runs (`mcshell -c`, a file, stdin) load the shell bundle `npm run build` makes (the CLI tests run it).
const shell = spawnSync(process.execPath, [join(root, 'scripts/build-shell.mjs')], { stdio: 'inherit' });
if (shell.status !== 0) process.exit(1);
// Boot images hold the client agent bundle `npm run build` makes (the boot-image tests build some).
const agent = spawnSync(process.execPath, [join(root, 'scripts/build-agent.mjs')], { stdio: 'inherit' });
if (agent.status !== 0) process.exit(1);

function collect(path, out) {
  if (!existsSync(path)) return out;
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) collect(join(path, entry), out);
  } else if (path.endsWith('.test.js')) {
    out.push(path);
  }
  return out;
}

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const onPostgres = process.argv.includes('--postgres');
const compiled = (paths) => paths.flatMap((p) => collect(join('dist', p.replace(/\.ts$/, '.js')), []));
const files = wanted.length ? compiled(wanted) : collect('dist/test', []);
if (files.length === 0) {
  console.error(`no test files under ${wanted.join(', ') || 'test'}`);
  process.exit(1);
}
/**
 * The suites that exercise the site store, which a whole run (no paths) runs a second time on a
 * site database (issue 19: every cmdlet behaves the same on both stores). --postgres runs the
 * given paths (or these) on it alone.
 */
const STORE_SUITES = ['test/engine/deploy', 'test/engine/content/library.test.ts', 'test/cmdlets/site.test.ts', 'test/cmdlets/boundaries.test.ts', 'test/cmdlets/completion.test.ts', 'test/cmdlets/registry.test.ts', 'test/engine/site/fleet.test.ts'];
// Tests that forget to name a site get a throwaway one, never the user's own; likewise the cache
// where senders keep manifests of images sent before.
const siteHome = mkdtempSync(join(tmpdir(), 'mcshell-test-home-'));
const needsPostgres = onPostgres || wanted.length === 0;
const postgres = needsPostgres ? await startPostgres() : null;

/** The run's PostgreSQL server; a whole run on a machine without PostgreSQL skips the second pass, saying so (CI fails instead, as for the VM tests). */
async function startPostgres() {
  try {
    return (await import(join(root, 'dist/test/postgres/server.js'))).startPostgres();
  } catch (error) {
    if (onPostgres || process.env.CI === 'true') throw error;
    console.log(`# store suites on PostgreSQL skipped: ${error.message}`);
    return null;
  }
}
// Virtual-machine tests (test/vmlab) boot emulated machines, several minutes per file, mostly waiting
// on the emulated machines: they get their own, longer limit and run beside the others (CI's time
// budget), each kind one file at a time. The VM run's report is printed when it ends, so the two
// reports do not interleave. The store suites on PostgreSQL follow the other tests.
const isVmTest = (file) => file.startsWith(join('dist', 'test', 'vmlab') + '/');
const env = { ...process.env, MCSHELL_TEST: '1', MCSHELL_HOME: siteHome, XDG_CACHE_HOME: join(siteHome, 'cache') };
const postgresRun = postgres && { name: 'store suites on PostgreSQL', files: onPostgres && wanted.length ? files : compiled(STORE_SUITES), timeoutMs: 300_000, live: true, env: { ...env, MCSHELL_TEST_POSTGRES: postgres.url } };
const fileRun = !onPostgres && { name: 'tests', files: files.filter((file) => !isVmTest(file)), timeoutMs: 300_000, live: true, env };
// In a network namespace of their own: the bridges and taps of their LANs would otherwise stand in the
// namespace the other tests run in, whose PXE tests refuse to run beside interfaces they did not make.
const vmRun = !onPostgres && { name: 'VM tests', files: files.filter(isVmTest), timeoutMs: 900_000, live: false, env, ownNamespace: true };
const sequence = async (...runs) => {
  let status = 0;
  for (const run of runs.filter((candidate) => candidate && candidate.files.length > 0)) {
    if (run.live && run.name !== 'tests') process.stdout.write(`\n# ${run.name}:\n`);
    const code = await runTests(run);
    status ||= code;
  }
  return status;
};
const statuses = await Promise.all([sequence(fileRun, postgresRun), sequence(vmRun)]);
postgres?.remove();
rmSync(siteHome, { recursive: true, force: true });
process.exit(statuses.find((status) => status !== 0) ?? 0);

function runTests(run) {
  const argv = [process.execPath, '--test', '--test-concurrency=1', `--test-timeout=${run.timeoutMs}`, ...run.files];
  const [command, ...args] = run.ownNamespace ? ['unshare', '-n', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', ...argv] : argv;
  const child = spawn(command, args, {
    stdio: ['ignore', run.live ? 'inherit' : 'pipe', run.live ? 'inherit' : 'pipe'],
    env: run.env,
  });
  const held = [];
  child.stdout?.on('data', (data) => held.push(data));
  child.stderr?.on('data', (data) => held.push(data));
  return new Promise((resolveRun) => {
    child.on('close', (code, signal) => {
      if (!run.live) process.stdout.write(`\n# ${run.name} (${run.files.length} files, run beside the others):\n${Buffer.concat(held).toString()}`);
      resolveRun(code ?? (signal ? 1 : 0));
    });
  });
}
