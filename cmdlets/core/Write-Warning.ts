import { defineCmdlet } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'Write-Warning',
  synopsis: 'Writes a warning (to stderr, prefixed WARNING:); the pipeline is not affected.',
  parameters: {
    Message: { type: 'string', position: 0, mandatory: true, allowEmptyString: true, pipeline: 'value', description: 'The warning text.' },
  },
  examples: [{ title: 'A warning is not pipeline output', code: "$WarningPreference = 'SilentlyContinue'; (Write-Warning 'low disk' | Measure-Object).Count", output: [0] }],
  process(params, ctx) {
    ctx.writeWarning(params.Message);
  },
});
