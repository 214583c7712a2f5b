import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { withTypeName } from '../../src/runtime/values.js';

export default defineCmdlet({
  name: 'Get-History',
  aliases: ['h', 'history', 'ghy'],
  synopsis: 'Lists the command lines entered in this interactive session (Id and CommandLine).',
  description: 'Only the interactive shell has a history: under -c or in a script the list is empty. Earlier sessions\' lines are in the site\'s history file (Ctrl+R searches them).',
  parameters: {
    Id: { type: 'int[]', position: 0, description: 'Only the entries with these ids.' },
    Count: { type: 'int', position: 1, validate: { range: [0, 32767] }, description: 'Only the newest N entries.' },
  },
  outputType: { name: 'Microsoft.PowerShell.Commands.HistoryInfo', view: { properties: ['Id', 'CommandLine'] } },
  examples: [{ title: 'No history outside the interactive shell', code: '(Get-History | Measure-Object).Count', output: [0] }],
  *process(params, ctx) {
    const entries = ctx.history().map((line, i) => withTypeName({ Id: i + 1, CommandLine: line, ExecutionStatus: 'Completed' }, 'Microsoft.PowerShell.Commands.HistoryInfo'));
    const chosen = params.Id ? entries.filter((e) => params.Id!.includes(e.Id)) : entries;
    yield* params.Count !== undefined ? chosen.slice(Math.max(0, chosen.length - params.Count)) : chosen;
  },
});
