import { defineCmdlet } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'Out-Null',
  synopsis: 'Discards its input (for commands run only for their effect).',
  description: 'Consumes every object piped to it and outputs nothing; errors and warnings still show.',
  parameters: {
    InputObject: { type: 'object', pipeline: 'value', description: 'The objects to discard.' },
  },
  examples: [{ title: 'Keep a pipeline quiet', code: '1..3 | Out-Null; (1..3 | Out-Null | Measure-Object).Count', output: [0] }],
  process() {},
});
