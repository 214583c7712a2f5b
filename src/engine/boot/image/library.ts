// The site's boot images (ConfigMgr's boot images; the RAM OS is Linux): built into
// `<site home>/boot/<id>/` (vmlinuz, initrd.img, manifest.json — contract 1) and recorded in the
// site's bootImages. The folder is built under a temporary name and gets its id only when whole,
// so an interrupted build leaves no boot image the DP could serve.
import { renameSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import { validKernelArguments } from '../kernel-arguments.js';
import { EngineError } from '../../errors.js';
import { siteIdentity } from '../../site/identity.js';
import type { BootImageRecord, DPPxeSettings, SiteState } from '../../site/model.js';
import { assertNameFree, findRecord, requireName } from '../../site/records.js';
import type { SiteStore } from '../../site/store.js';
import { mcshellRoot, mcshellVersion } from './assets.js';
import { agentFiles, buildBootImage, kernelInputs, type BuildProgress } from './build.js';
import { DEFAULT_DRIVERS, moduleName } from './modules.js';

export interface NewBootImageRequest {
  name: string;
  kernel?: string | undefined;
  modulesPath?: string | undefined;
  /** Drivers added to the default set (DEFAULT_DRIVERS). */
  drivers?: readonly string[] | undefined;
  /** Added to its kernel command line (kernel-arguments.ts). */
  kernelArguments?: readonly string[] | undefined;
  onProgress?: (progress: BuildProgress) => void;
}

export interface NewBootImageResult {
  record: BootImageRecord;
  uncompressedBytes: number;
  warnings: string[];
}

export const bootFolder = (store: SiteStore, id: string) => join(store.home, 'boot', id);

/** BOOT0001 … (four digits, as the contract and P's folder check name them). */
function nextBootImageId(site: SiteState): string {
  const highest = site.bootImages.reduce((max, image) => Math.max(max, Number.parseInt(image.id.slice(4), 10) || 0), 0);
  return `BOOT${String(highest + 1).padStart(4, '0')}`;
}

export function findBootImageRecord(site: SiteState, nameOrId: string): BootImageRecord {
  return findRecord(site.bootImages, nameOrId, 'boot image', 'BootImageNotFound');
}

export async function newBootImage(store: SiteStore, request: NewBootImageRequest): Promise<NewBootImageResult> {
  const name = requireName(request.name, 'boot image');
  const kernelArguments = validKernelArguments(request.kernelArguments ?? []);
  assertNameFree(store.read().bootImages, name, 'boot image', 'BootImageExists', 'choose another -Name, or remove the old one with Remove-BootImage');
  const { kernel, modulesDir } = kernelInputs(request.kernel, request.modulesPath, release());
  const drivers = [...new Set([...DEFAULT_DRIVERS, ...(request.drivers ?? []).map(moduleName)])];
  const identity = await siteIdentity(store);
  await store.ensureExists();
  const root = join(store.home, 'boot');
  await mkdir(root, { recursive: true, mode: 0o700 });
  const building = await mkdtemp(join(root, '.building-'));
  // The DP serves these files to any machine that network-boots: they hold nothing secret.
  await chmod(building, 0o755);
  try {
    const built = await buildBootImage({
      kernel,
      modulesDir,
      drivers,
      site: { fingerprint: identity.fingerprint, signingPublicKey: identity.signingPublicKey },
      agent: agentFiles(mcshellRoot()),
      outDir: building,
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
    });
    const version = mcshellVersion();
    let placed: string | null = null;
    const record = await store.update((site) => {
      assertNameFree(site.bootImages, name, 'boot image', 'BootImageExists', 'choose another -Name');
      const image: BootImageRecord = {
        id: nextBootImageId(site),
        name,
        kernelVersion: built.kernelVersion,
        kernelBytes: built.kernel.bytes,
        initrdBytes: built.initrd.bytes,
        kernelSha256: built.kernel.sha256,
        initrdSha256: built.initrd.sha256,
        drivers: built.modules,
        createdAt: new Date().toISOString(),
        ...(kernelArguments.length > 0 ? { kernelArguments } : {}),
      };
      site.bootImages.push(image);
      // Under the site lock, so that the id and its folder cannot be taken twice.
      writeManifest(building, image, version);
      renameSync(building, (placed = bootFolder(store, image.id)));
      return image;
    }).catch(async (error: unknown) => {
      if (placed) await rm(placed, { recursive: true, force: true });
      throw error;
    });
    return { record, uncompressedBytes: built.uncompressedBytes, warnings: built.warnings };
  } finally {
    await rm(building, { recursive: true, force: true });
  }
}

function writeManifest(folder: string, image: BootImageRecord, mcshellVersion: string): void {
  const manifest = {
    id: image.id,
    name: image.name,
    kernelVersion: image.kernelVersion,
    kernel: { bytes: image.kernelBytes, sha256: image.kernelSha256 },
    initrd: { bytes: image.initrdBytes, sha256: image.initrdSha256 },
    drivers: image.drivers,
    createdAt: image.createdAt,
    mcshellVersion,
  };
  writeFileSync(join(folder, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 });
}

/** The PXE settings (the site's defaults, and each DP's own) that boot machines into boot image `id`. */
function pxeSettingsUsing(site: SiteState, id: string): DPPxeSettings[] {
  return [site.dp.pxe, ...site.distributionPoints.flatMap((dp) => (dp.settings ? [dp.settings.pxe] : []))].filter((pxe) => pxe.bootImageId === id);
}

export async function removeBootImage(store: SiteStore, nameOrId: string, force: boolean): Promise<BootImageRecord> {
  const removed = await store.update((site) => {
    const image = findBootImageRecord(site, nameOrId);
    // A refresh restarts running machines into the boot image: its task sequences would point at nothing.
    const refreshing = site.taskSequences.filter((sequence) => sequence.steps.some((step) => step.type === 'Restart' && step.into === 'BootImage' && step.bootImageId === image.id));
    if (refreshing.length > 0) {
      const names = refreshing.map((sequence) => `${sequence.name} (${sequence.id})`).join(', ');
      throw new EngineError('BootImageInUse', 'InvalidOperation', `Task sequence(s) ${names} restart machines into ${image.name} (${image.id}); change or remove their 'Restart -Into BootImage' step first.`, nameOrId);
    }
    const using = pxeSettingsUsing(site, image.id);
    if (using.length > 0) {
      if (!force) {
        throw new EngineError('BootImageInUse', 'InvalidOperation', `The DP's PXE setting boots machines into ${image.name} (${image.id}); choose another with Set-DPPxe -BootImage first, or use -Force (PXE then has no boot image until one is set).`, nameOrId);
      }
      for (const pxe of using) pxe.bootImageId = null;
    }
    site.bootImages = site.bootImages.filter((candidate) => candidate.id !== image.id);
    return image;
  });
  await rm(bootFolder(store, removed.id), { recursive: true, force: true });
  return removed;
}

/** Renames a boot image (the record and its manifest, which the DP reads), or changes its kernel arguments. */
export async function setBootImage(store: SiteStore, nameOrId: string, change: { newName?: string | undefined; kernelArguments?: readonly string[] | undefined }): Promise<BootImageRecord> {
  const kernelArguments = change.kernelArguments && validKernelArguments(change.kernelArguments);
  let previous = '';
  const image = await store.update((site) => {
    const found = findBootImageRecord(site, nameOrId);
    previous = found.name;
    if (change.newName !== undefined) {
      const name = requireName(change.newName, 'boot image');
      if (name.toLowerCase() !== found.name.toLowerCase()) assertNameFree(site.bootImages, name, 'boot image', 'BootImageExists', 'choose another -NewName');
      found.name = name;
    }
    if (kernelArguments) {
      if (kernelArguments.length > 0) found.kernelArguments = kernelArguments;
      else delete found.kernelArguments;
    }
    return found;
  });
  if (image.name !== previous) {
    const path = join(bootFolder(store, image.id), 'manifest.json');
    const manifest = JSON.parse(await readFile(path, 'utf8')) as { name: string };
    manifest.name = image.name;
    await writeFile(`${path}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 });
    await rename(`${path}.tmp`, path);
  }
  return image;
}
