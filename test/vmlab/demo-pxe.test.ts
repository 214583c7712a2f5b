// `mcshell demo --pxe` on a machine without QEMU says what to install and exits 1 (the demo itself is
// flow 1, which bare-metal.test.ts proves with the same code; running it here again would double the
// VM time in CI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin } from './serve.js';

test('mcshell demo --pxe without QEMU says which Debian packages to install and exits 1', (t) => {
  // A PATH with the tools but not QEMU.
  const path = mkdtempSync(join(tmpdir(), 'mcshell-demo-path-'));
  t.after(() => rmSync(path, { recursive: true, force: true }));
  for (const tool of ['sh', 'ip', 'dnsmasq', 'unshare']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found) symlinkSync(found, join(path, tool));
  }
  const run = spawnSync(process.execPath, [bin, 'demo', '--pxe'], { encoding: 'utf8', env: { ...process.env, PATH: path } });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /demo --pxe: running virtual machines needs qemu-system-x86_64.*: apt-get install -y --no-install-recommends qemu-system-x86/);
});

test('mcshell demo --pxe refuses the options of the loopback demo', () => {
  const run = spawnSync(process.execPath, [bin, 'demo', '--pxe', '--clients', '3'], { encoding: 'utf8' });
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /--pxe runs its own lab of four machines and a test OS image: --clients, --size and --encrypt do not apply/);
});
