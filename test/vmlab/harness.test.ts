// The VM lab's own safety: it refuses a shared network namespace, it tears everything down when a
// test fails, and without QEMU a VM test is skipped with its reason — except in CI, where it fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { skipUnless, vmLabUnavailable } from './harness.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.js`, import.meta.url));
const lanModule = fileURLToPath(new URL('../../src/vmlab/lan.js', import.meta.url));

/** The environment for a nested `node --test`: without the outer runner's marker, which would make it report to that runner. */
function childEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` is gone within 30 s. */
async function reaped(pid: number): Promise<boolean> {
  for (let tries = 0; tries < 150 && alive(pid); tries++) await new Promise((resolve) => setTimeout(resolve, 200));
  return !alive(pid);
}

test('VM lab: refuses to make its bridge in a namespace that has an interface it did not make', { skip: process.getuid?.() === 0 ? false : 'needs root (unshare -n, a dummy interface)' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcshell-vmlab-guard-'));
  try {
    const script = `import(${JSON.stringify(lanModule)}).then((m) => m.Lan.start({ dir: ${JSON.stringify(dir)} })).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })`;
    const run = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && ip link add eth0 type veth peer name eth1 && exec "$0" --input-type=module -e "$1"', process.execPath, script], { encoding: 'utf8' });
    assert.equal(run.status, 3, run.stderr);
    assert.match(run.stderr, /refusing to make a VM lab on a shared network namespace \(it has eth1, eth0\); run it under unshare -n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('VM lab: a test that fails still kills its VM and DHCP server by PID and removes the bridge, the namespace and the folder', { skip: skipUnless(vmLabUnavailable()) }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mcshell-vmlab-teardown-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'started.json');
  const run = spawnSync(process.execPath, ['--test', fixture('failing-lab')], { encoding: 'utf8', env: childEnv({ VMLAB_FIXTURE_OUT: out }) });
  assert.notEqual(run.status, 0, 'the fixture test fails');
  assert.match(run.stdout, /deliberate failure after starting a VM/);
  assert.ok(existsSync(out), `the fixture started its lab:\n${run.stdout}${run.stderr}`);
  const started = JSON.parse(readFileSync(out, 'utf8')) as { qemu: number; dnsmasq: number; bridge: string; namespace: string; dir: string };
  assert.equal(alive(started.qemu), false, 'QEMU is gone');
  assert.equal(alive(started.dnsmasq), false, 'dnsmasq is gone');
  assert.notEqual(spawnSync('ip', ['link', 'show', started.bridge]).status, 0, 'the bridge is gone');
  assert.ok(!spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.includes(started.namespace), 'the DHCP namespace is gone');
  assert.equal(existsSync(started.dir), false, 'the lab folder is gone');
});

test('VM lab: a test process ended by SIGTERM (as a runner ends a file that overran its time) still kills its VM and DHCP server and removes the bridge and the namespace', { skip: skipUnless(vmLabUnavailable()) }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mcshell-vmlab-sigterm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'started.json');
  const child = spawn(process.execPath, [fixture('failing-lab')], { env: childEnv({ VMLAB_FIXTURE_OUT: out, VMLAB_FIXTURE_HANG: '1' }), stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_, signal) => resolve(signal)));
  while (!existsSync(out)) await new Promise((resolve) => setTimeout(resolve, 200));
  const started = JSON.parse(readFileSync(out, 'utf8')) as { qemu: number; dnsmasq: number; bridge: string; namespace: string };
  assert.ok(alive(started.qemu) && alive(started.dnsmasq), 'the lab runs');
  child.kill('SIGTERM');
  assert.equal(await exited, 'SIGTERM', 'the process still ends by the signal');
  // Killed, they are orphans until init reaps them.
  assert.equal(await reaped(started.qemu), true, 'QEMU is gone');
  assert.equal(await reaped(started.dnsmasq), true, 'dnsmasq is gone');
  assert.notEqual(spawnSync('ip', ['link', 'show', started.bridge]).status, 0, 'the bridge is gone');
  assert.ok(!spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.includes(started.namespace), 'the DHCP namespace is gone');
});

test('VM lab: without QEMU a VM test is skipped with the packages to install; with CI=true it fails instead', () => {
  const emptyPath = mkdtempSync(join(tmpdir(), 'mcshell-vmlab-nopath-'));
  try {
    const env = childEnv({ PATH: emptyPath });
    delete env.CI;
    const developer = spawnSync(process.execPath, ['--test', fixture('needs-vm')], { encoding: 'utf8', env });
    assert.equal(developer.status, 0, developer.stdout);
    assert.match(developer.stdout, /# SKIP .*qemu-system-x86_64.*apt-get install -y --no-install-recommends qemu-system-x86/);
    const ci = spawnSync(process.execPath, ['--test', fixture('needs-vm')], { encoding: 'utf8', env: { ...env, CI: 'true' } });
    assert.equal(ci.status, 1, ci.stdout);
    assert.match(ci.stdout, /CI must run the VM tests: .*qemu-system-x86_64.*apt-get install/);
  } finally {
    rmSync(emptyPath, { recursive: true, force: true });
  }
});
