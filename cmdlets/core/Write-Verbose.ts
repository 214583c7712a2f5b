import { defineCmdlet } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'Write-Verbose',
  synopsis: 'Writes a verbose message (VERBOSE: on stderr) when $VerbosePreference is Continue or -Verbose is given.',
  parameters: {
    Message: { type: 'string', position: 0, mandatory: true, allowEmptyString: true, pipeline: 'value', aliases: ['Msg'], description: 'The message.' },
  },
  examples: [
    { title: 'Not pipeline output', code: "(Write-Verbose 'step 1' -Verbose | Measure-Object).Count", output: [0] },
  ],
  process(params, ctx) {
    ctx.writeVerbose(params.Message);
  },
});
