// Debian's kernel for the boot-image tests, from the shared cache (src/vmlab/debian-kernel.ts). The
// tests run in a private network namespace, so they cannot download it: CI (and a developer, once)
// fetches it first with `node dist/src/vmlab/debian-kernel.js`.
import { cachedDebianKernel, type DebianKernel } from '../../../src/vmlab/debian-kernel.js';

export function testKernel(): DebianKernel {
  const kernel = cachedDebianKernel();
  if (!kernel) throw new Error("Debian's kernel is not in the test cache: run `node dist/src/vmlab/debian-kernel.js` once (outside a network namespace; it needs apt's network) before these tests");
  return kernel;
}
