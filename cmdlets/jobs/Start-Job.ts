import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { JOB_OUTPUT } from '../jobs.js';

export default defineCmdlet({
  name: 'Start-Job',
  aliases: ['sajb'],
  synopsis: 'Runs a script block in the background, in this process, and returns its job at once.',
  description:
    'The job runs beside the shell (as PowerShell 7\'s Start-ThreadJob: no second process) in a session of its own: it sees the site and the location, ' +
    'not your variables or functions: pass values with -ArgumentList or `$using:name` (taken when the job starts). ' +
    'Its output, errors, warnings and messages wait in the job for Receive-Job. Ctrl+C stops the command in front, not the jobs (Stop-Job does); ' +
    'a script that ends stops its jobs, as PowerShell\'s process exit does.',
  parameters: {
    ScriptBlock: { type: 'scriptblock', position: 0, mandatory: true, aliases: ['Command'], description: 'The code to run in the background.' },
    Name: { type: 'string', description: 'A name for the job (default: Job<Id>).' },
    ArgumentList: { type: 'object[]', aliases: ['Args'], description: "The block's arguments ($args, or its param() block)." },
  },
  outputType: JOB_OUTPUT,
  examples: [
    { title: 'Run, wait, take the output', code: '$job = Start-Job { 1 + 1 }; $job | Wait-Job | Receive-Job', output: [2] },
    { title: 'Arguments and $using:', code: '$n = 3; Start-Job { param($a) $a * $using:n } -ArgumentList 5 | Receive-Job -Wait -AutoRemoveJob', output: [15] },
  ],
  process(params, ctx) {
    return [ctx.startJob(params.ScriptBlock, { name: params.Name, args: params.ArgumentList ?? [] })];
  },
});
