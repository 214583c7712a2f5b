import { setTimeout as sleep } from 'node:timers/promises';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { PipelineStoppedError } from '../../src/runtime/errors.js';
import type { Job } from '../../src/runtime/jobs.js';
import { JOB_OUTPUT, JOB_SELECTORS, selectJobs } from '../jobs.js';

export default defineCmdlet({
  name: 'Wait-Job',
  aliases: ['wjb'],
  synopsis: 'Waits until the jobs (or, with -Any, one of them) have finished, and outputs them.',
  description: 'Finished means Completed, Failed or Stopped. When -Timeout passes first, nothing is output and the jobs run on. Ctrl+C stops the wait, not the jobs.',
  parameters: {
    ...JOB_SELECTORS,
    Any: { type: 'switch', description: 'Returns when any one job has finished (outputs the finished ones).' },
    Timeout: { type: 'int', default: -1, validate: { range: [-1, 2_147_483_647] }, description: 'Seconds to wait at most (-1: no limit).' },
  },
  outputType: JOB_OUTPUT,
  state: () => ({ jobs: [] as Job[] }),
  examples: [{ title: 'Wait for all', code: '$a = Start-Job { 1 }; $b = Start-Job { 2 }; (Wait-Job $a, $b).State', output: ['Completed', 'Completed'] }],
  process(params, ctx) {
    ctx.state.jobs.push(...(selectJobs(params, ctx) ?? []));
  },
  async *end(params, ctx) {
    const jobs = [...new Set(ctx.state.jobs)];
    if (jobs.length === 0) return;
    const done = params.Any ? Promise.race(jobs.map((job) => job.finished())) : Promise.all(jobs.map((job) => job.finished()));
    const stop = new AbortController();
    const timeout = params.Timeout >= 0 ? sleep(params.Timeout * 1000, 'timeout' as const, { signal: stop.signal }).catch(() => undefined) : new Promise<never>(() => {});
    const cancelled = new Promise<'cancelled'>((resolve) => ctx.signal.addEventListener('abort', () => resolve('cancelled'), { once: true }));
    try {
      const outcome = await Promise.race([done.then(() => 'done' as const), timeout, cancelled]);
      if (outcome === 'cancelled') throw new PipelineStoppedError();
      if (outcome === 'timeout') return;
      yield* jobs.filter((job) => job.isFinished);
    } finally {
      stop.abort();
    }
  },
});
