// The content library: imported OS images, stored content-addressed as `<sha256>.img` under the
// site's content directory. An import copies and hashes in one pass into a temporary file and
// renames it only when complete, then records the image in the site store; if recording fails,
// the copy is removed again, so a failed import leaves neither a record nor a file. A raw disk (a
// file with a partition table) is converted into the disk image format (src/engine/disk) on the
// way; any other file is stored as it is (a flat image).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EngineError } from '../errors.js';
import { isDiskFull } from '../client/disk.js';
import { rethrowDiskError } from '../site/disk.js';
import type { DeploymentRecord, ImageMulticastSettings, ImageRecord, SiteState } from '../site/model.js';
import { assertNameFree as assertUnique, findRecord, nextId, requireName } from '../site/records.js';
import { IMAGE_FILE, type SiteStore } from '../site/store.js';
import { partialPath, removeIfInterrupted } from './partials.js';
import { localDPName, markHeld } from './distribution.js';
import { convertDisk } from '../disk/convert.js';
import { isDiskImageFile, MAGIC, readDiskImage, summarize, type DiskSummary } from '../disk/format.js';
import { readPartitionTable, type PartitionTable } from '../disk/probe.js';
import { shrinkLastPartition } from '../disk/shrink.js';
import { sizeOfBlockDevice } from '../disk/block-device.js';
import { sha256OfFile } from '../file-hash.js';

export interface ImportProgress {
  bytesDone: number;
  bytesTotal: number;
}

export interface ImportRequest {
  path: string;
  /** Defaults to the file name without its extension. */
  name?: string;
  version?: string;
  description?: string;
  /** The path is a disk (a block device or a raw disk file): it must have a partition table (capture). */
  fromDisk?: boolean;
  /** Capture shrinkable: the last partition's filesystem is stored shrunk to its minimum (ext2/3/4), so the image fits smaller disks. */
  shrinkable?: boolean;
  /** zstd level for a raw disk's chunks (default: format.ts DEFAULT_LEVEL). */
  compressionLevel?: number;
  /** Told what an admin should know that does not fail the import (a partition kept whole, and why). */
  onNote?: (message: string) => void;
  /** Encrypt its multicast sessions (ConfigMgr's "Encrypt multicast packages"). */
  encrypt?: boolean;
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
}

export async function importImage(store: SiteStore, request: ImportRequest): Promise<ImageRecord> {
  const name = requireName(request.name ?? basename(request.path).replace(/\.[^.]*$/, ''), 'image');
  assertNameFree(store.read(), name);
  const source = await stat(request.path).catch(() => null);
  const device = request.fromDisk === true && source?.isBlockDevice() === true;
  if (!source?.isFile() && !device) {
    throw new EngineError(
      'ImageFileNotFound',
      'ObjectNotFound',
      request.fromDisk ? `Path '${request.path}' is neither a block device nor a readable file; give a disk (/dev/sdX, /dev/loopN) or a raw disk file.` : `Path '${request.path}' is not a readable file; give the path of an image file (.img, .wim, .raw …), or a disk with -FromDisk.`,
      request.path,
    );
  }
  await store.ensureExists();
  const table = await diskTable(request.path);
  if ((request.fromDisk || request.shrinkable) && !table) {
    throw new EngineError('DiskHasNoPartitionTable', 'InvalidArgument', `${request.path} has no GPT or MBR partition table that sfdisk can read; -FromDisk and -Shrinkable are for partitioned disks (import a plain file without them).`, request.path);
  }
  const sourceBytes = device ? sizeOfBlockDevice(request.path) : source!.size;
  const partial = partialPath(store.contentDir);
  const scratch = partialPath(store.contentDir);
  const shrinkCopy = partialPath(store.contentDir);
  const release = removeIfInterrupted(partial);
  const releaseScratch = removeIfInterrupted(scratch);
  const releaseShrinkCopy = removeIfInterrupted(shrinkCopy);
  let sha256: string;
  let disk: DiskSummary | undefined;
  try {
    if (table) {
      const shrunk = request.shrinkable ? await shrinkLastPartition(request.path, table, shrinkCopy) : undefined;
      const index = await convertDisk(request.path, sourceBytes, table, partial, {
        shrunk,
        level: request.compressionLevel,
        onNote: request.onNote,
        signal: request.signal,
        scratch,
        onProgress: request.onProgress && ((bytesDone, bytesTotal) => request.onProgress!({ bytesDone, bytesTotal })),
      });
      disk = summarize(index);
      sha256 = await sha256OfFile(partial, { signal: request.signal });
    } else {
      sha256 = await copyAndHash(request.path, partial, sourceBytes, request);
      if (isDiskImageFile(partial)) disk = summarize(readDiskImage(partial).index);
    }
    // Read-only: an image written to while a session sends it no longer matches its manifest.
    await chmod(partial, IMAGE_FILE);
  } catch (error) {
    await unlink(partial).catch(() => undefined);
    if (request.signal?.aborted) throw new EngineError('ImportCancelled', 'InvalidOperation', 'import cancelled; nothing was added', request.path);
    // Only the content library's disk is named: a source that cannot be read reports itself.
    const code = (error as NodeJS.ErrnoException).code;
    if (isDiskFull(code) || code === 'EROFS') await rethrowDiskError(`Importing ${request.path}`, store.contentDir, error);
    throw error;
  } finally {
    await unlink(shrinkCopy).catch(() => undefined);
    releaseShrinkCopy();
    releaseScratch();
    release();
  }
  return addImage(store, partial, { name, sha256, version: request.version, description: request.description, encrypt: request.encrypt, disk });
}

/** What the site records of a new image besides its content. */
export interface NewImage {
  name: string;
  sha256: string;
  version?: string | undefined;
  description?: string | undefined;
  encrypt?: boolean | undefined;
  disk?: DiskSummary | undefined;
}

/**
 * Adds a complete, verified, read-only content file (`partial`, in the content directory) to the
 * library as `<sha256>.img` and records the image; if recording fails (its name taken meanwhile),
 * an unreferenced copy is removed again.
 */
export async function addImage(store: SiteStore, partial: string, facts: NewImage): Promise<ImageRecord> {
  const { name, sha256, disk } = facts;
  const file = `${sha256}.img`;
  const sizeBytes = (await stat(partial)).size;
  await rename(partial, join(store.contentDir, file));
  try {
    return await store.update((site) => {
      assertNameFree(site, name);
      const image: ImageRecord = {
        id: nextId('IMG', site.images),
        name,
        version: facts.version ?? '1.0',
        description: facts.description ?? '',
        file,
        sizeBytes,
        sha256,
        importedAt: new Date().toISOString(),
        multicast: { allow: true, encrypt: facts.encrypt ?? false, multicastOnly: false },
        ...(disk ? { disk } : {}),
      };
      site.images.push(image);
      // The content is on this machine's DP: the site knows where it lives, and distributes it from there.
      const local = localDPName(site);
      if (local) markHeld(site, image, local);
      return image;
    });
  } catch (error) {
    // Another image may hold the same content; only an unreferenced copy is removed.
    if (!store.read().images.some((image) => image.file === file)) await unlink(join(store.contentDir, file)).catch(() => undefined);
    throw error;
  }
}

/** Full path of an image's content: always `<content dir>/<sha256>.img`, whatever the record says. */
export function imagePath(store: SiteStore, image: ImageRecord): string {
  if (!/^[0-9a-f]{64}\.img$/.test(image.file)) {
    throw new EngineError('ImageFileInvalid', 'InvalidOperation', `Image ${image.id} names the content file '${image.file}', which is not a content-library name; re-import the image.`, image.id);
  }
  return join(store.contentDir, image.file);
}

export function findImage(site: SiteState, nameOrId: string): ImageRecord {
  return findRecord(site.images, nameOrId, 'image', 'ImageNotFound');
}

/** Deployments whose task sequence applies the image. */
export function deploymentsUsing(site: SiteState, imageId: string): DeploymentRecord[] {
  const sequences = new Set(site.taskSequences.filter((sequence) => sequence.steps.some((step) => step.type === 'ApplyImage' && step.imageId === imageId)).map((sequence) => sequence.id));
  return site.deployments.filter((deployment) => sequences.has(deployment.taskSequenceId));
}

/**
 * Changes an image's multicast settings. Multicast-only needs multicast allowed, and (ConfigMgr's
 * rule) every deployment of the image must download content locally when needed.
 */
export async function setImageMulticast(store: SiteStore, nameOrId: string, change: Partial<ImageMulticastSettings>): Promise<ImageRecord> {
  return store.update((site) => {
    const image = findImage(site, nameOrId);
    const settings = { ...image.multicast, ...change };
    if (settings.multicastOnly && !settings.allow) {
      throw new EngineError('MulticastOnlyNeedsMulticast', 'InvalidArgument', `Image '${image.name}' cannot be multicast-only while multicast is not allowed; use -Allow with -MulticastOnly.`, image.id);
    }
    if (settings.multicastOnly) {
      const conflicting = deploymentsUsing(site, image.id).filter((deployment) => deployment.option !== 'DownloadWhenNeeded');
      if (conflicting.length > 0) {
        throw new EngineError('MulticastOnlyNeedsDownload', 'InvalidOperation', `Image '${image.name}' cannot be multicast-only: deployment(s) ${conflicting.map((d) => d.id).join(', ')} do not use -DeploymentOption DownloadWhenNeeded.`, image.id);
      }
    }
    image.multicast = settings;
    return image;
  });
}

/** Removes an image; refuses while a deployment uses it unless `force`. Returns the removed record. */
export async function removeImage(store: SiteStore, nameOrId: string, force: boolean): Promise<ImageRecord> {
  const removed = await store.update((site) => {
    const image = findImage(site, nameOrId);
    const deployments = deploymentsUsing(site, image.id);
    if (deployments.length > 0 && !force) {
      throw new EngineError('ImageInUse', 'InvalidOperation', `Image '${image.name}' is used by deployment(s) ${deployments.map((d) => d.id).join(', ')}; remove them first, or use -Force.`, image.id);
    }
    site.images = site.images.filter((candidate) => candidate.id !== image.id);
    // Its content status goes with it; each DP's puller deletes its copy (content-puller.ts).
    site.contentDistributions = site.contentDistributions.filter((status) => status.imageId !== image.id);
    return image;
  });
  if (!store.read().images.some((image) => image.file === removed.file)) {
    await unlink(join(store.contentDir, removed.file)).catch(() => undefined);
  }
  return removed;
}

export function assertNameFree(site: SiteState, name: string): void {
  assertUnique(site.images, name, 'image', 'ImageExists', 'choose another -Name or remove the old one with Remove-OSImage');
}

/**
 * The partition table of a raw disk, or null for any other file (stored flat). Only a file with the
 * MBR signature (0x55AA at byte 510: every MBR and every GPT's protective MBR) is asked to sfdisk.
 */
async function diskTable(path: string): Promise<PartitionTable | null> {
  const head = Buffer.alloc(512);
  const handle = await open(path, 'r');
  try {
    const { bytesRead } = await handle.read(head, 0, 512, 0);
    if (bytesRead < 512 || head.readUInt16BE(510) !== 0x55aa || head.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  } finally {
    await handle.close();
  }
  return readPartitionTable(path);
}

async function copyAndHash(from: string, to: string, total: number, request: ImportRequest): Promise<string> {
  const hash = createHash('sha256');
  let done = 0;
  let lastReport = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      done += chunk.length;
      const now = Date.now();
      if (request.onProgress && now - lastReport >= 100) {
        lastReport = now;
        request.onProgress({ bytesDone: done, bytesTotal: total });
      }
      callback(null, chunk);
    },
  });
  await pipeline(createReadStream(from, { highWaterMark: 1 << 20 }), meter, createWriteStream(to, { flags: 'wx', mode: 0o600 }), { signal: request.signal });
  request.onProgress?.({ bytesDone: done, bytesTotal: total });
  return hash.digest('hex');
}
