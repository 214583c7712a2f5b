import { defineCmdlet } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'Write-Output',
  aliases: ['echo', 'write'],
  synopsis: 'Sends objects down the pipeline.',
  description: 'Arrays are enumerated (each element is its own object) unless -NoEnumerate.',
  parameters: {
    InputObject: { type: 'object[]', position: 0, remaining: true, pipeline: 'value', description: 'The objects to output.' },
    NoEnumerate: { type: 'switch', description: 'Outputs an array as one object.' },
  },
  examples: [
    { title: 'Several values', code: 'Write-Output 1 2 3', output: [1, 2, 3] },
    { title: 'An array as one object', code: '(Write-Output @(1, 2) -NoEnumerate | Measure-Object).Count', output: [1] },
  ],
  *process(params, ctx) {
    const items = params.InputObject ?? [];
    if (params.NoEnumerate) yield ctx.expectingInput ? items[0] : items;
    else yield* items.flatMap((i) => (Array.isArray(i) ? i : [i]));
  },
});
