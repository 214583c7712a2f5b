import { defineCmdlet } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'New-Variable',
  aliases: ['nv'],
  synopsis: 'Creates a variable; one of that name already in the scope is an error unless -Force.',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, validate: { notEmpty: true }, description: 'The variable name (without $).' },
    Value: { type: 'object', position: 1, pipeline: 'value', description: 'Its value (default $null).' },
    Scope: { type: 'enum', values: ['Global', 'Script', 'Local'], default: 'Local', description: 'Where to create it.' },
    Force: { type: 'switch', description: 'Replaces a variable of that name in the scope.' },
    PassThru: { type: 'switch', description: 'Outputs the variable.' },
  },
  outputType: { name: 'PSVariable', view: { properties: ['Name', 'Value'] } },
  examples: [
    { title: 'Create then read', code: 'New-Variable -Name limit -Value 5; $limit', output: [5] },
    { title: 'Not twice', code: 'New-Variable twice 1; New-Variable twice 2', error: 'VariableAlreadyExists' },
  ],
  *process(params, ctx) {
    const scope = params.Scope.toLowerCase() as 'global' | 'script' | 'local';
    if (!params.Force && ctx.hasVariable(params.Name, scope)) {
      ctx.writeError({ id: 'VariableAlreadyExists', category: 'ResourceExists', message: `A variable with name '${params.Name}' already exists.`, target: params.Name });
      return;
    }
    const value = params.Value ?? null;
    ctx.setVariable(params.Name, value, scope);
    if (params.PassThru) yield { Name: params.Name, Value: value };
  },
});
