// Capturing a disk to the DP (ConfigMgr's "Capture Operating System Image"): the disk's partition
// table and used blocks are read and chunked as an import does (disk/convert.ts), and each distinct
// chunk is compressed and uploaded as soon as it is made, over the pinned HTTPS channel with the
// machine's own credential; the index goes last. Nothing but a few chunks is ever held here (a
// reference machine in a boot image has little memory and no spare disk). Run again under the same
// name after an interruption, it asks the DP which chunks it holds already (by the SHA-256 of their
// uncompressed bytes) and neither compresses nor sends those again (content/capture.ts).
import { stat } from 'node:fs/promises';
import { chunkDisk, type ChunkStore } from '../disk/convert.js';
import { DEFAULT_LEVEL, type DiskSummary } from '../disk/format.js';
import { readPartitionTable } from '../disk/probe.js';
import { sizeOfBlockDevice } from '../disk/block-device.js';
import { CompressPool } from '../disk/zstd-pool.js';
import { ClientError, type DPConnection, type DPWait } from './connection.js';

export interface CaptureProgress {
  /** Bytes of the disk read so far, of those to read (the used blocks). */
  bytesDone: number;
  bytesTotal: number;
  /** Distinct chunks uploaded now, and found on the DP already (an earlier, interrupted capture). */
  chunksSent: number;
  chunksHeld: number;
}

export interface CaptureRequest {
  /** A disk (block device) or a raw disk image file. */
  disk: string;
  /** The new image's name on the site. */
  name: string;
  /** The deployment whose CaptureImage step allows this capture (default: any available to this device). */
  deploymentId?: string | undefined;
  /** zstd level (default: format.ts DEFAULT_LEVEL). */
  level?: number | undefined;
  onProgress?: ((progress: CaptureProgress) => void) | undefined;
  /** Told what the admin should know that does not fail the capture (a partition kept whole, and why). */
  onNote?: ((message: string) => void) | undefined;
  /** How long to wait for a DP that does not answer (restarting, a dropped link) before giving up. */
  wait: DPWait;
  signal?: AbortSignal | undefined;
}

export interface CaptureResult {
  image: { id: string; name: string; sizeBytes: number; sha256: string; disk: DiskSummary };
  /** Distinct chunks of the image, those uploaded by this run, and those the DP held already. */
  chunks: number;
  chunksSent: number;
  chunksHeld: number;
  /** Compressed bytes this run uploaded. */
  sentBytes: number;
  seconds: number;
}

/** Captures `request.disk` into a new image on the DP `dp` connects to (with the device's credential). */
export async function captureToDP(dp: DPConnection, request: CaptureRequest): Promise<CaptureResult> {
  const started = performance.now();
  const source = await stat(request.disk).catch(() => null);
  if (!source?.isFile() && !source?.isBlockDevice()) throw new ClientError('DiskNotFound', `${request.disk} is neither a disk (block device) nor a raw disk image file`);
  const diskBytes = source.isBlockDevice() ? sizeOfBlockDevice(request.disk) : source.size;
  const table = await readPartitionTable(request.disk);
  if (!table) throw new ClientError('DiskHasNoPartitionTable', `${request.disk} has no GPT or MBR partition table that sfdisk can read: only a partitioned disk is captured`);
  const start = await dp.untilAnswered(() => dp.post<{ captureId: string; have: string[] }>('/v1/capture', { name: request.name, ...(request.deploymentId ? { deploymentId: request.deploymentId } : {}) }), request.wait);
  const pool = new CompressPool();
  try {
    const uploads = new ChunkUploads(dp, start.captureId, new Set(start.have), pool, request);
    const index = await chunkDisk(request.disk, diskBytes, table, uploads, {
      level: request.level,
      onNote: request.onNote,
      signal: request.signal,
      onProgress: (bytesDone, bytesTotal) => {
        uploads.bytes = [bytesDone, bytesTotal];
        uploads.report();
      },
    });
    const image = await dp.untilAnswered(() => dp.post<CaptureResult['image']>(`/v1/capture/${start.captureId}/finish`, index), request.wait);
    return { image, chunks: uploads.sent + uploads.held, chunksSent: uploads.sent, chunksHeld: uploads.held, sentBytes: uploads.sentBytes, seconds: (performance.now() - started) / 1000 };
  } finally {
    await pool.close();
  }
}

/** The capture's chunk store: a chunk the DP holds is skipped; any other is compressed on the pool and uploaded. */
class ChunkUploads implements ChunkStore {
  sent = 0;
  held = 0;
  sentBytes = 0;
  bytes: [number, number] = [0, 0];
  private failure: unknown;

  constructor(
    private readonly dp: DPConnection,
    private readonly captureId: string,
    private readonly have: ReadonlySet<string>,
    private readonly pool: CompressPool,
    private readonly request: CaptureRequest,
  ) {}

  async keep(sha256: string, data: Buffer): Promise<[number, number]> {
    if (this.have.has(sha256)) {
      this.held++;
      return [0, 0];
    }
    // Compressed at once (the pool copies `data`, which the reader reuses).
    const compressed = this.pool.compress(data, this.request.level ?? DEFAULT_LEVEL);
    let frame: Buffer;
    try {
      frame = await compressed;
      await this.dp.untilAnswered(() => this.dp.put(`/v1/capture/${this.captureId}/chunks/${sha256}`, frame), this.request.wait);
    } catch (error) {
      // Uploads run side by side: the first failure is the cause (a full DP removes the capture, and
      // the uploads under way then find it gone), whichever chunk's failure is looked at first.
      this.failure ??= error;
      throw this.failure;
    }
    this.sent++;
    this.sentBytes += frame.length;
    this.report();
    return [0, frame.length];
  }

  report(): void {
    this.request.onProgress?.({ bytesDone: this.bytes[0], bytesTotal: this.bytes[1], chunksSent: this.sent, chunksHeld: this.held });
  }
}
