// Compression on every core: zstd at a high level is the slow part of an import (31 MB/s per
// core at level 12), so chunks are compressed by a pool of worker threads, one per core. Kept out
// of the shell bundle (scripts/build-shell.mjs): it finds its worker beside itself.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

interface Job {
  resolve: (frame: Buffer) => void;
  reject: (error: Error) => void;
}

/** One compression worker per core (up to 8). */
export const COMPRESS_WORKERS = Math.max(1, Math.min(availableParallelism(), 8));

export class CompressPool {
  readonly size = COMPRESS_WORKERS;
  private readonly workers: Worker[] = [];
  private readonly jobs = new Map<number, Job>();
  private next = 0;

  constructor() {
    for (let i = 0; i < this.size; i++) {
      const worker = new Worker(new URL('./zstd-worker.js', import.meta.url));
      worker.on('message', (answer: { id: number; frame?: Uint8Array; error?: string }) => {
        const job = this.jobs.get(answer.id)!;
        this.jobs.delete(answer.id);
        if (answer.error !== undefined) job.reject(new Error(answer.error));
        else job.resolve(Buffer.from(answer.frame!.buffer, answer.frame!.byteOffset, answer.frame!.byteLength));
      });
      worker.on('error', (error) => {
        for (const job of this.jobs.values()) job.reject(error);
        this.jobs.clear();
      });
      this.workers.push(worker);
    }
  }

  /** Compresses a copy of `data` on the next worker. */
  compress(data: Uint8Array, level: number): Promise<Buffer> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      this.workers[id % this.size]!.postMessage({ id, data, level });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
