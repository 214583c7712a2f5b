// Captures arriving at the DP: a reference machine uploads a disk image chunk by chunk as it reads
// its disk (src/engine/client/capture.ts), then the index. Until the index arrives and everything
// checks out, the chunks wait in a folder of their own under the content directory,
// `capture-<id>.partial.d/` (`<sha256>.zst`: one verified zstd frame each, named by the SHA-256 of
// its uncompressed bytes, written under a temporary name and renamed once whole), beside
// `capture.json` (the image name, the capturing device). A capture run again under the same name
// resumes: the DP says which chunks it holds, and the client neither compresses nor sends them
// again. The image is assembled (header, index, frames in order) into an import partial, checked
// against the whole-content digest, and only then added to the library through the import's own
// path (addImage): Get-OSImage never shows a half-captured image. A capture folder untouched for
// CAPTURE_STALE_MS is removed (when the DP starts and when any capture starts); a full disk removes
// the capture at once.
import { createHash, randomUUID } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../errors.js';
import { isDiskFull } from '../client/disk.js';
import { CHUNK_BYTES, dataOffsetFor, encodeHeader, HEADER_BYTES, summarize, type DiskIndex } from '../disk/format.js';
import { decompress, decompressUntrusted } from '../disk/zstd.js';
import type { ImageRecord } from '../site/model.js';
import { IMAGE_FILE, type SiteStore } from '../site/store.js';
import { addImage, assertNameFree } from './library.js';
import { partialPath, removeIfInterrupted } from './partials.js';

/** A capture nobody uploaded to for this long is given up and removed. */
export const CAPTURE_STALE_MS = 3 * 24 * 3600_000;
/** The largest zstd frame of one chunk (zstd's bound for CHUNK_BYTES, rounded up). */
export const MAX_FRAME_BYTES = CHUNK_BYTES + (CHUNK_BYTES >> 7) + 4096;

const FOLDER = /^capture-([0-9a-f]{16})\.partial\.d$/;
const FRAME = /^([0-9a-f]{64})\.zst$/;
const META = 'capture.json';

interface CaptureMeta {
  name: string;
  deviceId: string;
  startedAt: string;
}

/** A capture's id: from its image name, so that a capture run again under that name finds its chunks. */
export function captureId(name: string): string {
  return createHash('sha256').update(name.toLowerCase()).digest('hex').slice(0, 16);
}

const folderOf = (store: SiteStore, id: string) => join(store.contentDir, `capture-${id}.partial.d`);

/** Captures being assembled now: a second finish of the same one waits its turn by refusal. */
const finishing = new Set<string>();

/**
 * Starts (or resumes) the capture of `name` by `deviceId`: refuses a name the library has, and one
 * another device is capturing; answers which chunks the DP already holds.
 */
export async function startCapture(store: SiteStore, name: string, deviceId: string): Promise<{ captureId: string; have: string[] }> {
  assertNameFree(store.read(), name);
  await sweepStaleCaptures(store);
  const id = captureId(name);
  const folder = folderOf(store, id);
  const meta = await readMeta(folder);
  if (meta && meta.deviceId !== deviceId) {
    throw new EngineError('CaptureInProgress', 'ResourceExists', `Device ${meta.deviceId} is capturing an image named '${meta.name}' (since ${meta.startedAt}); wait for it, or choose another name (an abandoned capture is removed after ${CAPTURE_STALE_MS / 3600_000} hours without uploads).`, name);
  }
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    if (!meta) await writeFile(join(folder, META), JSON.stringify({ name, deviceId, startedAt: new Date().toISOString() } satisfies CaptureMeta), { mode: 0o600 });
    else await touch(folder);
  } catch (error) {
    throw await diskError(folder, name, error);
  }
  const have = (await readdir(folder)).flatMap((file) => FRAME.exec(file)?.[1] ?? []);
  return { captureId: id, have };
}

/** Keeps one chunk's frame after checking that it decompresses to bytes with the SHA-256 it is named by. */
export async function putChunk(store: SiteStore, id: string, deviceId: string, sha256: string, frame: Buffer): Promise<void> {
  const { folder, meta } = await openCapture(store, id, deviceId);
  let bytes: Buffer;
  try {
    bytes = await decompressUntrusted(frame, CHUNK_BYTES);
  } catch (error) {
    throw new EngineError('ChunkDamaged', 'InvalidArgument', `The chunk ${sha256} of capture '${meta.name}' is not a chunk's zstd frame (${(error as Error).message}); send it again.`, sha256);
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length > CHUNK_BYTES || actual !== sha256) {
    throw new EngineError('ChunkDamaged', 'InvalidArgument', `The chunk sent as ${sha256} of capture '${meta.name}' decompresses to ${bytes.length} bytes with SHA-256 ${actual}; send it again.`, sha256);
  }
  const temporary = join(folder, `${sha256}.${randomUUID()}.tmp`);
  try {
    await writeFile(temporary, frame, { mode: 0o600 });
    await rename(temporary, join(folder, `${sha256}.zst`));
    await touch(folder);
  } catch (error) {
    await rm(temporary, { force: true });
    // The folder went meanwhile (a full disk removed it on another chunk's upload).
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(id);
    throw await diskError(folder, meta.name, error);
  }
}

/**
 * Completes a capture with its index: every chunk it names must be held, and the chunks' bytes in
 * index order must give the index's digest; then the image is written (frames in order of first
 * appearance, as an import lays them out) and added to the library, and the capture folder goes.
 */
export async function finishCapture(store: SiteStore, id: string, deviceId: string, sent: unknown): Promise<ImageRecord> {
  const { folder, meta } = await openCapture(store, id, deviceId);
  if (finishing.has(id)) throw new EngineError('CaptureFinishing', 'InvalidOperation', `Capture '${meta.name}' is being completed already.`, meta.name);
  finishing.add(id);
  const partial = partialPath(store.contentDir);
  const release = removeIfInterrupted(partial);
  try {
    assertNameFree(store.read(), meta.name);
    const index = checkIndex(sent, meta.name);
    const held = new Set((await readdir(folder)).flatMap((file) => FRAME.exec(file)?.[1] ?? []));
    const missing = new Set(index.chunks.map((chunk) => chunk.sha256).filter((sha) => !held.has(sha)));
    if (missing.size > 0) throw new EngineError('CaptureIncomplete', 'InvalidOperation', `Capture '${meta.name}' lacks ${missing.size} of the chunks its index names (e.g. ${[...missing][0]}); run the capture again to send them.`, meta.name);
    // The frames' layout: each distinct chunk once, in order of first appearance.
    const layout = new Map<string, [number, number]>();
    let position = 0;
    for (const chunk of index.chunks) {
      if (!layout.has(chunk.sha256)) {
        const bytes = (await stat(join(folder, `${chunk.sha256}.zst`))).size;
        layout.set(chunk.sha256, [position, bytes]);
        position += bytes;
      }
      chunk.stored = layout.get(chunk.sha256)!;
    }
    index.storedChunkBytes = position;
    const sha256 = await writeImage(folder, index, partial, meta.name);
    await chmod(partial, IMAGE_FILE);
    const image = await addImage(store, partial, { name: meta.name, sha256, description: `captured from device ${deviceId}`, disk: summarize(index) });
    await rm(folder, { recursive: true, force: true });
    return image;
  } catch (error) {
    await rm(partial, { force: true });
    throw isDiskFull((error as NodeJS.ErrnoException).code) ? await diskError(folder, meta.name, error) : error;
  } finally {
    release();
    finishing.delete(id);
  }
}

/** Writes header, index and frames to `partial`, checking the whole-content digest on the way; returns the file's SHA-256. */
async function writeImage(folder: string, index: DiskIndex, partial: string, name: string): Promise<string> {
  const indexBytes = Buffer.from(JSON.stringify(index));
  const dataOffset = dataOffsetFor(indexBytes.length);
  const head = Buffer.alloc(dataOffset);
  encodeHeader(indexBytes).copy(head, 0);
  indexBytes.copy(head, HEADER_BYTES);
  const file = createHash('sha256').update(head);
  const whole = createHash('sha256').update(index.table);
  const output = await open(partial, 'wx', 0o600);
  try {
    await output.write(head, 0, head.length, 0);
    let position = dataOffset;
    const written = new Set<string>();
    for (const chunk of index.chunks) {
      const frame = await readFile(join(folder, `${chunk.sha256}.zst`));
      whole.update(await decompress(frame));
      if (written.has(chunk.sha256)) continue;
      written.add(chunk.sha256);
      await output.write(frame, 0, frame.length, position);
      file.update(frame);
      position += frame.length;
    }
    const digest = whole.digest('hex');
    if (digest !== index.sha256) {
      throw new EngineError('CaptureDigestMismatch', 'InvalidArgument', `Capture '${name}': the chunks in the index's order give SHA-256 ${digest}, but the index says ${index.sha256}; nothing was added (run the capture again).`, name);
    }
    await output.sync();
  } finally {
    await output.close();
  }
  return file.digest('hex');
}

/** The index as the client sent it, checked for what the DP relies on (its chunks' names and sizes); anything else is the apply's to check. */
function checkIndex(sent: unknown, name: string): DiskIndex {
  const index = sent as DiskIndex;
  const bad = (what: string) => new EngineError('CaptureIndexInvalid', 'InvalidArgument', `The index sent for capture '${name}' is not a disk image index: ${what}.`, name);
  if (typeof index !== 'object' || index === null || index.format !== 'mcshell-disk' || index.version !== 1) throw bad('format and version must be mcshell-disk 1');
  if (typeof index.table !== 'string' || typeof index.sha256 !== 'string' || !Array.isArray(index.partitions) || !Number.isSafeInteger(index.diskBytes)) throw bad('table, sha256, partitions and diskBytes are required');
  if (!Array.isArray(index.chunks) || index.chunks.length === 0) throw bad('it names no chunks');
  for (const chunk of index.chunks) {
    if (typeof chunk?.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(chunk.sha256) || !Number.isSafeInteger(chunk.bytes) || chunk.bytes <= 0 || chunk.bytes > CHUNK_BYTES || !Array.isArray(chunk.extents)) throw bad('every chunk needs a SHA-256, a size up to 4 MiB and its extents');
    const extentBytes = chunk.extents.reduce((sum, extent) => sum + (Array.isArray(extent) && Number.isSafeInteger(extent[0]) && Number.isSafeInteger(extent[1]) && extent[0] >= 0 && extent[1] > 0 && extent[0] + extent[1] <= index.diskBytes ? extent[1] : NaN), 0);
    if (extentBytes !== chunk.bytes) throw bad(`chunk ${chunk.sha256}'s extents do not add up to its ${chunk.bytes} bytes on a ${index.diskBytes}-byte disk`);
  }
  return index;
}

async function openCapture(store: SiteStore, id: string, deviceId: string): Promise<{ folder: string; meta: CaptureMeta }> {
  const folder = folderOf(store, id);
  const meta = await readMeta(folder);
  if (!meta || meta.deviceId !== deviceId) throw notFound(id);
  return { folder, meta };
}

const notFound = (id: string) => new EngineError('CaptureNotFound', 'ObjectNotFound', `This device has no capture ${id} under way (it was completed, or removed after a full disk or ${CAPTURE_STALE_MS / 3600_000} hours without uploads); start the capture again.`, id);

async function readMeta(folder: string): Promise<CaptureMeta | null> {
  try {
    return JSON.parse(await readFile(join(folder, META), 'utf8')) as CaptureMeta;
  } catch {
    return null;
  }
}

/** Marks the capture as active now (stale captures are found by this time). */
async function touch(folder: string): Promise<void> {
  const now = new Date();
  await utimes(join(folder, META), now, now);
}

/** Removes capture folders nobody uploaded to for CAPTURE_STALE_MS (and ones without their meta file). */
export async function sweepStaleCaptures(store: SiteStore, now = Date.now()): Promise<void> {
  for (const name of await readdir(store.contentDir).catch(() => [] as string[])) {
    if (!FOLDER.test(name)) continue;
    const folder = join(store.contentDir, name);
    const touched = await stat(join(folder, META)).then((info) => info.mtimeMs, () => 0);
    if (now - touched > CAPTURE_STALE_MS && !finishing.has(FOLDER.exec(name)![1]!)) await rm(folder, { recursive: true, force: true });
  }
}

/** The DP's disk is full (or read-only): the capture is removed, which frees its space, and the error says so. */
async function diskError(folder: string, name: string, error: unknown): Promise<unknown> {
  const code = (error as NodeJS.ErrnoException).code;
  if (!isDiskFull(code)) return error;
  await rm(folder, { recursive: true, force: true });
  return new EngineError('DPDiskFull', 'ResourceUnavailable', `The DP's content library has no space left for capture '${name}' (${code}); the capture was removed to free its space. Free space on the DP (or Remove-OSImage an old image) and capture again.`, name);
}
