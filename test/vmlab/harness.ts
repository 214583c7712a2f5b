// What the VM tests share: whether VMs can run here, a lab torn down in t.after (also when the test
// fails), the test OS disk, and Debian's kernel from the shared cache.
//
// On a developer machine without QEMU (or the kernel, or root) the VM tests skip, saying why and how
// to install what is missing. CI installs all of it (.ci/run), so with CI=true a missing piece fails
// the test instead of skipping it.
import type { TestContext } from 'node:test';
import { join } from 'node:path';
import { cachedDebianKernel, labCacheDir, type DebianKernel } from '../../src/vmlab/debian-kernel.js';
import { privateNamespaceRefusal, vmToolsMissing } from '../../src/vmlab/host.js';
import { Lab } from '../../src/vmlab/lab.js';
import { buildTestOsDisk, testOsToolsMissing, type TestOsDisk } from '../../src/vmlab/testos.js';

const KERNEL_HINT = `run \`node dist/src/vmlab/debian-kernel.js\` outside the tests' private namespace (it downloads Debian's kernel package once into ${labCacheDir()}; .ci/run does this)`;

/** Why the VM tests cannot run here, or false. */
export function vmLabUnavailable(): string | false {
  return vmToolsMissing() || testOsToolsMissing() || privateNamespaceRefusal() || (cachedDebianKernel() ? false : `no Debian kernel in the cache: ${KERNEL_HINT}`);
}

/** Why the test OS cannot be built here (no VM needed), or false. */
export function testOsUnavailable(): string | false {
  return testOsToolsMissing() || (cachedDebianKernel() ? false : `no Debian kernel in the cache: ${KERNEL_HINT}`);
}

/** For `test(name, { skip: skipUnless(reason) })`: the reason to skip, except in CI, where the test runs and fails with it. */
export function skipUnless(unavailable: string | false): string | false {
  return process.env.CI === 'true' ? false : unavailable;
}

/** Throws the reason when something is missing (CI: the test fails, saying what to install). */
export function requireAvailable(unavailable: string | false): void {
  if (unavailable) throw new Error(`CI must run the VM tests: ${unavailable}`);
}

export function kernel(): DebianKernel {
  const found = cachedDebianKernel();
  if (!found) throw new Error(`no Debian kernel in the cache: ${KERNEL_HINT}`);
  return found;
}

/** A lab (LAN + DHCP server) that t.after tears down: every VM killed by PID, dnsmasq, links, namespace. */
export async function startLab(t: TestContext): Promise<Lab> {
  requireAvailable(vmLabUnavailable());
  const lab = await Lab.start({ keep: process.env.MCSHELL_KEEP_VMLAB === '1' });
  t.after(() => lab.close());
  return lab;
}

/** The test OS disk built into the lab's folder. */
export function testOsDisk(lab: Lab, version = '1', hostname?: string): TestOsDisk {
  return buildTestOsDisk({ kernel: kernel(), version, out: join(lab.dir, `testos-v${version}.img`), ...(hostname ? { hostname } : {}) });
}

/** Seconds since `start`, to one decimal, for the timings the tests report. */
export function secondsSince(start: number): string {
  return ((Date.now() - start) / 1000).toFixed(1);
}
