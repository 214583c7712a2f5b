import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { isWildcard, matchesWildcard } from '../../src/runtime/wildcard.js';

export default defineCmdlet({
  name: 'Remove-Variable',
  aliases: ['rv'],
  synopsis: 'Deletes variables (names may be wildcards); afterwards reading them gives $null.',
  parameters: {
    Name: { type: 'string[]', position: 0, mandatory: true, pipeline: 'property', description: 'The variable names (without $; wildcards allowed).' },
    Scope: { type: 'enum', values: ['Global', 'Script', 'Local'], description: 'Only the variable in this scope (default: the nearest one).' },
    Force: { type: 'switch', description: 'Accepted for compatibility (mcshell has no read-only variables).' },
  },
  examples: [
    { title: 'Gone afterwards', code: '$x = 1; Remove-Variable x; $null -eq $x', output: [true] },
    { title: 'A variable that does not exist', code: 'Remove-Variable nothing_here', error: 'VariableNotFound' },
  ],
  process(params, ctx) {
    const scope = params.Scope?.toLowerCase() as 'global' | 'script' | 'local' | undefined;
    for (const name of params.Name) {
      const names = isWildcard(name) ? ctx.listVariables().map((v) => v.name).filter((n) => matchesWildcard(n, name)) : [name];
      let removed = false;
      for (const n of names) removed = ctx.removeVariable(n, scope) || removed;
      if (!removed && !isWildcard(name)) {
        ctx.writeError({ id: 'VariableNotFound', category: 'ObjectNotFound', message: `Cannot find a variable with the name '${name}'.`, target: name });
      }
    }
  },
});
