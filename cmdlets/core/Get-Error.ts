import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { ErrorRecord } from '../../src/runtime/errors.js';

export default defineCmdlet({
  name: 'Get-Error',
  synopsis: 'Shows recent errors in full: id, category, message, target, location and hint.',
  description: 'Errors are shown as one line when they happen; Get-Error gives the full record. With --output json the records are JSON.',
  parameters: {
    Newest: { type: 'int', position: 0, validate: { range: [1, 256] }, default: 1, description: 'How many of the latest errors.' },
    InputObject: { type: 'object', pipeline: 'value', description: 'An error record (e.g. from $Error) to show.' },
  },
  outputType: { name: 'ErrorRecord', description: 'ErrorId, Category, Message, TargetObject, Hint, Location.' },
  examples: [
    { title: 'The last error', code: "Write-Error 'boom' -ErrorId Boom -ErrorAction SilentlyContinue; Get-Error | ForEach-Object ErrorId", output: ['Boom,Write-Error'] },
  ],
  *process(params, ctx) {
    if (ctx.expectingInput) {
      if (params.InputObject instanceof ErrorRecord) yield params.InputObject;
      return;
    }
    const errors = ctx.getVariable('Error') as ErrorRecord[];
    yield* errors.slice(0, params.Newest);
  },
});
