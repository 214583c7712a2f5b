import { defineCmdlet } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'Write-Debug',
  synopsis: 'Writes a debug message (DEBUG: on stderr) when $DebugPreference is not SilentlyContinue.',
  description: 'mcshell never stops to ask (PowerShell\'s Inquire): any preference other than SilentlyContinue shows the message and goes on.',
  parameters: {
    Message: { type: 'string', position: 0, mandatory: true, allowEmptyString: true, pipeline: 'value', aliases: ['Msg'], description: 'The message.' },
  },
  examples: [{ title: 'Not pipeline output', code: "$DebugPreference = 'Continue'; (Write-Debug 'x = 1' | Measure-Object).Count", output: [0] }],
  process(params, ctx) {
    ctx.writeDebug(params.Message);
  },
});
