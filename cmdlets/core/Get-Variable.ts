import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { isWildcard, matchesWildcard } from '../../src/runtime/wildcard.js';

export default defineCmdlet({
  name: 'Get-Variable',
  aliases: ['gv'],
  synopsis: 'Gets the variables visible here, by name (wildcards allowed).',
  parameters: {
    Name: { type: 'string[]', position: 0, pipeline: 'both', description: 'Variable names or wildcard patterns (default: all).' },
    ValueOnly: { type: 'switch', description: 'Outputs only the values.' },
  },
  outputType: { name: 'PSVariable', view: { properties: ['Name', 'Value'] }, description: 'Name and Value.' },
  examples: [{ title: 'One variable', code: '$answer = 42; Get-Variable answer -ValueOnly', output: [42] }],
  *process(params, ctx) {
    const all = ctx.listVariables();
    for (const pattern of params.Name ?? ['*']) {
      const found = all.filter((v) => matchesWildcard(v.name, pattern));
      if (found.length === 0 && !isWildcard(pattern)) {
        ctx.writeError({ id: 'VariableNotFound', category: 'ObjectNotFound', message: `Cannot find a variable with the name '${pattern}'.`, target: pattern });
      }
      for (const v of found) yield params.ValueOnly ? v.value : { Name: v.name, Value: v.value };
    }
  },
});
