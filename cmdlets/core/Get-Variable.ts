import { defineCmdlet, variableScope } from '../../src/runtime/cmdlet.js';
import { isWildcard, matchesWildcard } from '../../src/runtime/wildcard.js';

export default defineCmdlet({
  name: 'Get-Variable',
  aliases: ['gv'],
  synopsis: 'Gets the variables visible here, by name (wildcards allowed).',
  parameters: {
    Name: { type: 'string[]', position: 0, pipeline: 'both', description: 'Variable names or wildcard patterns (default: all).' },
    ValueOnly: { type: 'switch', description: 'Outputs only the values.' },
    Scope: { type: 'string', description: 'The scope to look in: Global, Script, Local, or a number (0 this scope, 1 its parent …).' },
  },
  outputType: { name: 'PSVariable', view: { properties: ['Name', 'Value'] }, description: 'Name and Value.' },
  examples: [{ title: 'One variable', code: '$answer = 42; Get-Variable answer -ValueOnly', output: [42] }],
  *process(params, ctx) {
    const scope = params.Scope === undefined ? undefined : variableScope(params.Scope);
    if (scope === null) throw ctx.error({ id: 'InvalidScope', category: 'InvalidArgument', message: `'${params.Scope}' is not a scope: use Global, Script, Local or a number (0 is this scope, 1 its parent).`, target: params.Scope });
    const all = ctx.listVariables(scope);
    for (const pattern of params.Name ?? ['*']) {
      const found = all.filter((v) => matchesWildcard(v.name, pattern));
      if (found.length === 0 && !isWildcard(pattern)) {
        ctx.writeError({ id: 'VariableNotFound', category: 'ObjectNotFound', message: `Cannot find a variable with the name '${pattern}'.`, target: pattern });
      }
      for (const v of found) yield params.ValueOnly ? v.value : { Name: v.name, Value: v.value };
    }
  },
});
