import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { JOB_OUTPUT, JOB_SELECTORS, selectJobs } from '../jobs.js';

export default defineCmdlet({
  name: 'Stop-Job',
  aliases: ['spjb'],
  synopsis: 'Stops running jobs (their state becomes Stopped); what they wrote before stays to receive.',
  parameters: {
    ...JOB_SELECTORS,
    PassThru: { type: 'switch', description: 'Outputs the jobs.' },
  },
  outputType: JOB_OUTPUT,
  examples: [{ title: 'Stop a long job', code: '$j = Start-Job { Start-Sleep 60 }; Stop-Job $j; $j.State', output: ['Stopped'] }],
  async *process(params, ctx) {
    for (const job of selectJobs(params, ctx) ?? []) {
      await job.stop();
      if (params.PassThru) yield job;
    }
  },
});
