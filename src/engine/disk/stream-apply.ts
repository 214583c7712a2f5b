// Applying a disk image while it is being received: the transport stores the image's bytes in a
// partial file block by block, in whatever order they complete (first pass, repairs, a late join,
// a resume), and tells this applier of each stored range. Once the header and index are held, every
// chunk whose stored bytes are all held is decoded and written to the disk at once; what remains is
// applied from the complete file at the end. A file that is not a disk image is left to the caller.
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { DiskApplier, type ApplyOptions, type ApplyResult } from './apply.js';
import { HEADER_BYTES, headerExtent, parseDiskImage, type DiskImage, type DiskIndex } from './format.js';

export interface StreamApplyOptions extends ApplyOptions {
  /** Told when applying fails while the image is still arriving (the receive can stop at once). */
  onFailed?: (error: unknown) => void;
}

export class DiskStreamApplier {
  /** Stored ranges held so far, merged and sorted: [start, end). */
  private readonly held: [number, number][] = [];
  private kind: 'unknown' | 'flat' | 'disk' = 'unknown';
  private image: DiskImage | null = null;
  private applier: DiskApplier | null = null;
  private file: FileHandle | null = null;
  private pending: number[] = [];
  private work: Promise<void> = Promise.resolve();
  private error: unknown = null;

  /** `partial`: the file the transport writes the image into; `target`: the disk to apply it to. */
  constructor(
    private readonly partial: string,
    private readonly target: string,
    private readonly options: StreamApplyOptions = {},
  ) {}

  /** The transport stored [offset, offset + length) in the partial file. */
  stored(offset: number, length: number): void {
    this.hold(offset, offset + length);
    if (this.kind === 'flat' || this.error) return;
    this.work = this.work
      .then(() => this.pump())
      .catch((error: unknown) => {
        this.error ??= error;
        this.options.onFailed?.(error);
      });
  }

  get index(): DiskIndex | null {
    return this.image?.index ?? null;
  }

  /**
   * Called once the transport verified the whole file, now at `complete`: applies what is left,
   * then verifies and grows. Null when the file is not a disk image (nothing was written).
   * appliedWhileReceiving: the chunks that were applied before the transport finished.
   */
  async finish(complete: string): Promise<(ApplyResult & { appliedWhileReceiving: number }) | null> {
    await this.work;
    try {
      if (this.error) throw this.error;
      const appliedWhileReceiving = this.image ? this.image.index.chunks.length - this.pending.length : 0;
      await this.file?.close();
      this.file = await open(complete, 'r');
      this.hold(0, Number.MAX_SAFE_INTEGER);
      await this.pump();
      if (this.kind !== 'disk') return null;
      return { ...(await this.applier!.finish()), appliedWhileReceiving };
    } finally {
      await this.close();
    }
  }

  /** Ends without finishing (the receive failed). */
  async close(): Promise<void> {
    await this.work.catch(() => undefined);
    await this.file?.close().catch(() => undefined);
    await this.applier?.close().catch(() => undefined);
    this.file = null;
    this.applier = null;
  }

  private async pump(): Promise<void> {
    if (!this.file) {
      try {
        this.file = await open(this.partial, 'r');
      } catch (error) {
        // The transport already finished and renamed it: finish() reads the complete file.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
    }
    if (this.kind === 'unknown') {
      if (!this.covers(0, HEADER_BYTES)) return;
      const header = await this.read(0, HEADER_BYTES);
      const extent = headerExtent(header);
      if (extent === null) {
        this.kind = 'flat';
        return;
      }
      if (!this.covers(0, extent)) return;
      this.image = parseDiskImage(await this.read(0, extent), this.partial);
      this.kind = 'disk';
      this.applier = await DiskApplier.open(this.image.index, this.target, this.options);
      this.pending = [...this.image.index.chunks.keys()];
    }
    if (this.kind !== 'disk') return;
    const { index, dataOffset } = this.image!;
    const waiting: number[] = [];
    for (const number of this.pending) {
      const [at, length] = index.chunks[number]!.stored;
      if (this.covers(dataOffset + at, dataOffset + at + length)) await this.applier!.applyChunk(number, await this.read(dataOffset + at, length));
      else waiting.push(number);
    }
    this.pending = waiting;
    this.options.onProgress?.(index.chunks.length - waiting.length, index.chunks.length);
  }

  private async read(offset: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    const { bytesRead } = await this.file!.read(buf, 0, length, offset);
    return buf.subarray(0, bytesRead);
  }

  private hold(start: number, end: number): void {
    this.held.push([start, end]);
    this.held.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const range of this.held) {
      const last = merged.at(-1);
      if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
      else merged.push([...range]);
    }
    this.held.splice(0, Infinity, ...merged);
  }

  private covers(start: number, end: number): boolean {
    return this.held.some(([from, to]) => from <= start && end <= to);
  }
}
