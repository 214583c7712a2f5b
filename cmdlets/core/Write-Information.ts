import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { toStr } from '../../src/runtime/values.js';

export default defineCmdlet({
  name: 'Write-Information',
  synopsis: 'Writes an informational message for people, shown when $InformationPreference (or -InformationAction) is Continue.',
  description: 'Shown messages go where Write-Host text goes; they never enter the pipeline. -Tags are accepted and not shown.',
  parameters: {
    MessageData: { type: 'object', position: 0, mandatory: true, pipeline: 'value', aliases: ['Msg', 'Message'], description: 'The message (any object, shown as text).' },
    Tags: { type: 'string[]', position: 1, description: 'Tags for filtering (kept, not shown).' },
    InformationAction: { type: 'enum', values: ['Continue', 'SilentlyContinue', 'Ignore'], aliases: ['infa'], description: 'Shows (Continue) or hides the message, whatever $InformationPreference says.' },
  },
  examples: [{ title: 'Shown when asked for, never pipeline output', code: "(Write-Information 'ready' -InformationAction Continue | Measure-Object).Count", output: [0] }],
  process(params, ctx) {
    const action = params.InformationAction ?? toStr(ctx.getVariable('InformationPreference'));
    ctx.writeInformation(params.MessageData, action.toLowerCase() === 'continue');
  },
});
