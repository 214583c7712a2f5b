// Helpers for the PXE tests: a boot image as the boot-image builder leaves it (contract 1): its
// files under the site home and its record in the site.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SiteStore } from '../../../src/engine/site/store.js';

/** Records a boot image of these bytes under `id`. */
export async function addBootImage(store: SiteStore, id: string, name: string, kernel: Buffer, initrd: Buffer): Promise<{ kernel: Buffer; initrd: Buffer }> {
  const folder = join(store.home, 'boot', id);
  await mkdir(folder, { recursive: true });
  const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  await writeFile(join(folder, 'vmlinuz'), kernel);
  await writeFile(join(folder, 'initrd.img'), initrd);
  const record = { id, name, kernelVersion: '6.1.0-test-amd64', kernelBytes: kernel.length, initrdBytes: initrd.length, kernelSha256: digest(kernel), initrdSha256: digest(initrd), drivers: [], createdAt: new Date().toISOString() };
  await writeFile(join(folder, 'manifest.json'), JSON.stringify({ id, name, kernelVersion: record.kernelVersion, kernel: { bytes: kernel.length, sha256: record.kernelSha256 }, initrd: { bytes: initrd.length, sha256: record.initrdSha256 }, drivers: [], createdAt: record.createdAt, mcshellVersion: 'test' }));
  await store.update((site) => void site.bootImages.push(record));
  return { kernel, initrd };
}

/** A boot image of random bytes. */
export function makeBootImage(store: SiteStore, id: string, name: string): Promise<{ kernel: Buffer; initrd: Buffer }> {
  return addBootImage(store, id, name, randomBytes(300_001), randomBytes(700_003));
}
