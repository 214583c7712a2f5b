import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { isWildcard, matchesWildcard } from '../../src/runtime/wildcard.js';

export default defineCmdlet({
  name: 'Clear-Variable',
  aliases: ['clv'],
  synopsis: 'Sets variables to $null, keeping them defined (names may be wildcards).',
  parameters: {
    Name: { type: 'string[]', position: 0, mandatory: true, pipeline: 'property', description: 'The variable names (without $; wildcards allowed).' },
    Scope: { type: 'enum', values: ['Global', 'Script', 'Local'], description: 'Sets the variable in this scope.' },
    PassThru: { type: 'switch', description: 'Outputs the cleared variables.' },
    Force: { type: 'switch', description: 'Accepted for compatibility (mcshell has no read-only variables).' },
  },
  outputType: { name: 'PSVariable', view: { properties: ['Name', 'Value'] } },
  examples: [
    { title: 'Cleared, still defined', code: "$x = 5; Clear-Variable x; $null -eq $x; (Get-Variable x).Name", output: [true, 'x'] },
    { title: 'A variable that does not exist', code: 'Clear-Variable nothing_here', error: 'VariableNotFound' },
  ],
  *process(params, ctx) {
    const scope = params.Scope?.toLowerCase() as 'global' | 'script' | 'local' | undefined;
    const visible = ctx.listVariables().map((v) => v.name);
    for (const name of params.Name) {
      const names = visible.filter((n) => (isWildcard(name) ? matchesWildcard(n, name) : n.toLowerCase() === name.toLowerCase()));
      if (names.length === 0 && !isWildcard(name)) {
        ctx.writeError({ id: 'VariableNotFound', category: 'ObjectNotFound', message: `Cannot find a variable with the name '${name}'.`, target: name });
        continue;
      }
      for (const n of names) {
        ctx.setVariable(n, null, scope);
        if (params.PassThru) yield { Name: n, Value: null };
      }
    }
  },
});
