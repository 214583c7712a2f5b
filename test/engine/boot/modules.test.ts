import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DRIVERS, modulesDep, resolveModules } from '../../../src/engine/boot/image/modules.js';
import { EngineError } from '../../../src/engine/errors.js';
import { testKernel } from './kernel.js';

const names = (paths: string[]) => paths.map((path) => path.replace(/^.*\//, '').replace(/\.ko$/, ''));

test("Debian's kernel package (no modules.dep): every default driver resolves from the modules' own depends, dependencies first", () => {
  const { modules } = testKernel();
  const { loadOrder, builtIn } = resolveModules(modules, DEFAULT_DRIVERS);
  const order = names(loadOrder);
  for (const driver of DEFAULT_DRIVERS) assert.ok(order.includes(driver) || builtIn.includes(driver), `${driver} missing`);
  const before = (a: string, b: string) => assert.ok(order.indexOf(a) >= 0 && order.indexOf(a) < order.indexOf(b), `${a} must load before ${b}: ${order.join(' ')}`);
  before('virtio', 'virtio_pci');
  before('virtio_ring', 'virtio_net');
  before('net_failover', 'virtio_net');
  before('libahci', 'ahci');
  before('libata', 'ahci');
  before('scsi_mod', 'sd_mod');
  before('nvme-core', 'nvme');
  assert.equal(new Set(order).size, order.length, 'each module once');
});

test('an installed kernel: dependencies come from modules.dep; a missing driver is refused by name', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-modules-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'kernel'), { recursive: true });
  await writeFile(join(dir, 'modules.dep'), ['kernel/c.ko: kernel/b.ko kernel/a.ko', 'kernel/b.ko: kernel/a.ko', 'kernel/a.ko:', 'kernel/d-e.ko:'].join('\n'));
  await writeFile(join(dir, 'modules.builtin'), 'kernel/drivers/net/builtin_nic.ko\n');
  assert.deepEqual(resolveModules(dir, ['c', 'd_e', 'builtin-nic']), { loadOrder: ['kernel/a.ko', 'kernel/b.ko', 'kernel/c.ko', 'kernel/d-e.ko'], builtIn: ['builtin_nic'] });
  assert.equal(modulesDep(dir, ['kernel/a.ko', 'kernel/b.ko']), 'kernel/a.ko:\nkernel/b.ko: kernel/a.ko\n');
  assert.throws(
    () => resolveModules(dir, ['c', 'no_such_nic']),
    (error: unknown) => error instanceof EngineError && error.id === 'DriverNotFound' && /has no module 'no_such_nic' \(asked for as a driver\)/.test(error.message),
  );
});

test('a folder that is no kernel modules folder is refused with what it should be', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-modules-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.throws(() => resolveModules(dir, ['e1000']), (error: unknown) => error instanceof EngineError && error.id === 'ModulesNotFound' && /neither modules.dep nor modules.order/.test(error.message));
});
