// The boot images PXE serves, as the boot-image builder leaves them (contract 1): a folder
// `<site home>/boot/<BootImageId>/` holding `vmlinuz`, `initrd.img` and `manifest.json`. The DP
// only reads them; it finds them by their manifests, so nothing here depends on how the site
// records them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../errors.js';

export interface BootImageFiles {
  id: string;
  name: string;
  kernelVersion: string;
  kernelPath: string;
  initrdPath: string;
}

/** Only ids name a boot image folder: nothing a client sends becomes a path. */
export const BOOT_IMAGE_ID = /^BOOT\d{4,}$/;

export function bootRoot(home: string): string {
  return join(home, 'boot');
}

/** The boot images under the site home that have a readable manifest, by id. */
export function listBootImages(home: string): BootImageFiles[] {
  let entries: string[];
  try {
    entries = readdirSync(bootRoot(home));
  } catch {
    return [];
  }
  return entries.filter((entry) => BOOT_IMAGE_ID.test(entry)).sort().flatMap((id) => {
    const folder = join(bootRoot(home), id);
    try {
      const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { id?: unknown; name?: unknown; kernelVersion?: unknown };
      if (manifest.id !== id) return [];
      return [{ id, name: typeof manifest.name === 'string' ? manifest.name : id, kernelVersion: String(manifest.kernelVersion ?? ''), kernelPath: join(folder, 'vmlinuz'), initrdPath: join(folder, 'initrd.img') }];
    } catch {
      return [];
    }
  });
}

/** The boot image with this id or name (case-insensitive); the error lists what there is. */
export function findBootImage(home: string, nameOrId: string): BootImageFiles {
  const wanted = nameOrId.trim().toLowerCase();
  const images = listBootImages(home);
  const image = images.find((candidate) => candidate.id.toLowerCase() === wanted || candidate.name.toLowerCase() === wanted);
  if (!image) {
    throw new EngineError('BootImageNotFound', 'ObjectNotFound', `No boot image named or with id '${nameOrId}' (boot images: ${images.map((candidate) => `${candidate.name} (${candidate.id})`).join(', ') || 'none yet; build one with New-BootImage'}).`, nameOrId);
  }
  return image;
}
