import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { JOB_SELECTORS, selectJobs } from '../jobs.js';

export default defineCmdlet({
  name: 'Remove-Job',
  aliases: ['rjb'],
  synopsis: 'Removes finished jobs from the session; -Force stops running ones first.',
  parameters: {
    ...JOB_SELECTORS,
    Force: { type: 'switch', description: 'Stops a running job, then removes it.' },
  },
  examples: [{ title: 'Remove all jobs', code: '$null = Start-Job { 1 }; Get-Job | Remove-Job -Force; @(Get-Job).Count', output: [0] }],
  async process(params, ctx) {
    for (const job of selectJobs(params, ctx) ?? []) {
      if (!job.isFinished && !params.Force) {
        ctx.writeError({
          id: 'JobObjectNotFinishedCannotBeRemoved',
          category: 'InvalidOperation',
          target: job,
          message: `The command cannot remove the job with the job ID ${job.Id} because the job is not finished. To remove the job, first stop the job, or use the Force parameter.`,
        });
        continue;
      }
      await job.stop();
      ctx.jobs.remove(job);
    }
  },
});
