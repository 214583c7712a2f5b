// A compression worker of CompressPool (zstd-pool.ts): compresses the chunks it is sent.
import { parentPort } from 'node:worker_threads';
import { compress } from './zstd.js';

parentPort!.on('message', (job: { id: number; data: Uint8Array; level: number }) => {
  compress(job.data, job.level).then(
    (frame) => parentPort!.postMessage({ id: job.id, frame }),
    (error: unknown) => parentPort!.postMessage({ id: job.id, error: (error as Error).message }),
  );
});
