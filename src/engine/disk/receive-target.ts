// Where a multicast receiver puts an image that may be a disk image: the transport's output (the
// stored bytes, resumable) and the disk the image is applied to while it arrives.
//  - A file target: the transport writes `<out>.mcpart` as for any image; a disk image is applied to
//    `<out>.mcdisk` (sparse; an existing `<out>` gives its size, so a larger file grows the disk),
//    which replaces `<out>` once verified (a resumed receive finds there what it applied before).
//    A flat image ends as `<out>`, as before.
//  - A block device: the transport writes a spool file (the device is the disk), and a flat image
//    is copied from the spool onto the device at the end.
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { partialOutputFiles } from '../transport/receiver.js';
import type { ApplyResult } from './apply.js';
import type { DiskIndex } from './format.js';
import { DiskStreamApplier, type StreamApplyOptions } from './stream-apply.js';

export class DiskReceive {
  private readonly applier: DiskStreamApplier;

  private constructor(
    readonly out: string,
    /** Where the transport writes. */
    readonly transportOut: string,
    private readonly device: boolean,
    private readonly working: string,
    options: StreamApplyOptions,
  ) {
    this.applier = new DiskStreamApplier(partialOutputFiles(transportOut).part, working, options);
  }

  /** `spool`: where a block device's transport output goes (default: the temporary directory). */
  static async prepare(out: string, options: StreamApplyOptions & { spool?: string } = {}): Promise<DiskReceive> {
    const existing = await stat(out).catch(() => null);
    if (existing?.isBlockDevice()) {
      return new DiskReceive(out, options.spool ?? join(tmpdir(), `mcshell-receive-${basename(out)}.spool`), true, out, options);
    }
    // An existing file is a disk of its size; its content is not kept (the image replaces it whole).
    const newFileBytes = existing?.isFile() && existing.size > 0 ? existing.size : undefined;
    return new DiskReceive(out, out, false, `${out}.mcdisk`, { ...options, newFileBytes });
  }

  /** The disk image's index, once its start arrived (null for a flat image). */
  get index(): DiskIndex | null {
    return this.applier.index;
  }

  /** For ReceiveOptions.onBlockStored. */
  readonly onBlockStored = (offset: number, length: number): void => this.applier.stored(offset, length);

  /**
   * After the transport verified the image: a disk image is applied and verified (then replaces the
   * stored file at a file target); a flat one is put in place. Null for a flat image.
   */
  async finish(): Promise<(ApplyResult & { appliedWhileReceiving: number }) | null> {
    const result = await this.applier.finish(this.transportOut);
    if (result) {
      if (this.device) await unlink(this.transportOut);
      else await rename(this.working, this.out);
    } else if (this.device) {
      await pipeline(createReadStream(this.transportOut, { highWaterMark: 1 << 20 }), createWriteStream(this.out, { flags: 'r+' }));
      await unlink(this.transportOut);
    }
    return result;
  }

  /** The receive failed: stop applying (what was applied stays, for a later run to skip). */
  abandon(): Promise<void> {
    return this.applier.close();
  }
}
