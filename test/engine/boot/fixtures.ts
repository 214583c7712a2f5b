// Helpers for the PXE tests: a boot image as the boot-image builder leaves it (contract 1).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function makeBootImage(home: string, id: string, name: string): Promise<{ kernel: Buffer; initrd: Buffer }> {
  const folder = join(home, 'boot', id);
  await mkdir(folder, { recursive: true });
  const kernel = randomBytes(300_001);
  const initrd = randomBytes(700_003);
  const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  await writeFile(join(folder, 'vmlinuz'), kernel);
  await writeFile(join(folder, 'initrd.img'), initrd);
  const manifest = { id, name, kernelVersion: '6.1.0-test-amd64', kernel: { bytes: kernel.length, sha256: digest(kernel) }, initrd: { bytes: initrd.length, sha256: digest(initrd) }, drivers: [], createdAt: new Date().toISOString(), mcshellVersion: 'test' };
  await writeFile(join(folder, 'manifest.json'), JSON.stringify(manifest));
  return { kernel, initrd };
}
