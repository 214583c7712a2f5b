// The boot images PXE serves: the site's records (New-BootImage, contract 1) and their files in
// `<site home>/boot/<BootImageId>/`. Only the id of a record names a folder, so nothing a client
// sends becomes a path.
import { join } from 'node:path';
import type { BootImageRecord } from '../site/model.js';
import type { SiteStore } from '../site/store.js';

export interface BootImageFiles {
  id: string;
  name: string;
  kernelPath: string;
  initrdPath: string;
  kernelArguments: readonly string[];
}

function filesOf(store: SiteStore, image: BootImageRecord): BootImageFiles {
  const folder = join(store.home, 'boot', image.id);
  return { id: image.id, name: image.name, kernelPath: join(folder, 'vmlinuz'), initrdPath: join(folder, 'initrd.img'), kernelArguments: image.kernelArguments ?? [] };
}

/** The boot image the site records under `id`, with its files' paths; undefined when there is none. */
export function bootImageById(store: SiteStore, id: string): BootImageFiles | undefined {
  const image = store.read().bootImages.find((candidate) => candidate.id === id);
  return image && filesOf(store, image);
}

