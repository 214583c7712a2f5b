import { defineCmdlet, type CmdletContext } from '../../src/runtime/cmdlet.js';
import type { Job } from '../../src/runtime/jobs.js';
import { JOB_SELECTORS, selectJobs } from '../jobs.js';

export default defineCmdlet({
  name: 'Receive-Job',
  aliases: ['rcjb'],
  synopsis: "Takes what jobs have written so far: their output, and their errors, warnings and messages on the shell's streams.",
  description:
    'What is received is gone from the job (HasMoreData turns false) unless -Keep. -Wait receives as the job writes until it has finished. ' +
    'Errors written in the job come as non-terminating errors; a job that failed also gives the error that ended it.',
  parameters: {
    ...JOB_SELECTORS,
    Keep: { type: 'switch', description: 'Leaves what is received in the job.' },
    Wait: { type: 'switch', description: 'Waits for the jobs to finish, receiving as they write.' },
    AutoRemoveJob: { type: 'switch', description: 'With -Wait: removes each job once it has finished and everything is received.' },
  },
  examples: [
    { title: 'Output once', code: '$j = Start-Job { 1; 2 }; $null = Wait-Job $j; Receive-Job $j; Receive-Job $j; $j.HasMoreData', output: [1, 2, false] },
    { title: 'Errors of a job', code: "Start-Job { Write-Error 'disk full'; 'after' } | Receive-Job -Wait -ErrorVariable e -ErrorAction SilentlyContinue; \"$e\"", output: ['after', 'disk full'] },
  ],
  async *process(params, ctx) {
    if (params.AutoRemoveJob && !params.Wait) {
      throw ctx.error({ id: 'AutoRemoveCannotBeUsedWithoutWait', category: 'InvalidArgument', message: 'The AutoRemoveJob parameter cannot be used without the Wait parameter.' });
    }
    for (const job of selectJobs(params, ctx) ?? []) {
      if (params.Wait) {
        for (;;) {
          const finished = job.isFinished;
          yield* emit(job, params.Keep, ctx);
          if (finished || ctx.signal.aborted) break;
          await job.changed(ctx.signal);
        }
        if (params.AutoRemoveJob && job.isFinished) ctx.jobs.remove(job);
      } else yield* emit(job, params.Keep, ctx);
    }
  },
});

/** The job's output, to yield; its other streams written on the caller's (as PowerShell: output first, then the others by stream). */
function* emit(job: Job, keep: boolean, ctx: CmdletContext): Generator<unknown> {
  const results = job.receive(keep);
  yield* results.output;
  for (const record of results.errors) ctx.writeError(record);
  for (const record of results.verbose) ctx.writeVerbose(record.Message);
  for (const record of results.debug) ctx.writeDebug(record.Message);
  for (const record of results.warnings) ctx.writeWarning(record.Message);
  for (const record of results.information) ctx.writeInformation(record.MessageData, true);
}
