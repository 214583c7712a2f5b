import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { JOB_OUTPUT, JOB_SELECTORS, selectJobs } from '../jobs.js';

export default defineCmdlet({
  name: 'Get-Job',
  aliases: ['gjb'],
  synopsis: 'Lists the background jobs of this session, or the ones named.',
  parameters: {
    ...JOB_SELECTORS,
    State: { type: 'enum', values: ['NotStarted', 'Running', 'Completed', 'Failed', 'Stopped'], description: 'Only jobs in this state.' },
  },
  outputType: JOB_OUTPUT,
  examples: [{ title: 'By name', code: "$null = Start-Job { 'x' } -Name copy; (Get-Job -Name copy).Name", output: ['copy'] }],
  process(params, ctx) {
    const jobs = selectJobs(params, ctx) ?? ctx.jobs.list();
    return params.State === undefined ? jobs : jobs.filter((job) => job.State === params.State);
  },
});
