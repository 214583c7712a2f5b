import { defineCmdlet } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'Set-Variable',
  aliases: ['set', 'sv'],
  synopsis: 'Sets a variable, optionally in the global or script scope.',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, validate: { notEmpty: true }, description: 'The variable name (without $).' },
    Value: { type: 'object', position: 1, pipeline: 'value', description: 'The value.' },
    Scope: { type: 'enum', values: ['Global', 'Script', 'Local'], default: 'Local', description: 'Where to set it.' },
    PassThru: { type: 'switch', description: 'Outputs the variable.' },
  },
  outputType: { name: 'PSVariable', view: { properties: ['Name', 'Value'] } },
  examples: [{ title: 'Set then read', code: "Set-Variable -Name size -Value 4MB; $size", output: [4194304] }],
  *process(params, ctx) {
    const value = params.Value ?? null;
    ctx.setVariable(params.Name, value, params.Scope.toLowerCase() as 'global' | 'script' | 'local');
    if (params.PassThru) yield { Name: params.Name, Value: value };
  },
});
