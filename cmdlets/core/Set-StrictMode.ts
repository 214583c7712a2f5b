import { defineCmdlet } from '../../src/runtime/cmdlet.js';

const VERSIONS: Record<string, number> = { '1': 1, '1.0': 1, '2': 2, '2.0': 2, '3': 3, '3.0': 3, latest: 3 };

export default defineCmdlet({
  name: 'Set-StrictMode',
  synopsis: 'Turns on rules that make common scripting mistakes errors, in this scope and the scopes it starts.',
  description:
    'Version 1 makes reading a variable that was never set an error; 2 adds reading a property an object does not have; 3 (Latest) adds indexing $null and indexing past the end of an array. -Off turns the rules off.',
  defaultParameterSet: 'Version',
  parameters: {
    Version: { type: 'string', position: 0, mandatory: true, sets: ['Version'], validate: { set: ['1.0', '2.0', '3.0', 'Latest', '1', '2', '3'] }, description: 'The rules to apply: 1.0, 2.0, 3.0 or Latest.' },
    Off: { type: 'switch', mandatory: true, sets: ['Off'], description: 'Turns strict mode off.' },
  },
  examples: [
    { title: 'A variable that was never set is an error', code: 'Set-StrictMode -Version Latest; try { $neverSet } catch { $_.FullyQualifiedErrorId }', output: ['VariableIsUndefined'] },
    { title: 'Turn it off again', code: 'Set-StrictMode -Version 1.0; Set-StrictMode -Off; "[$neverSet]"', output: ['[]'] },
  ],
  process(params, ctx) {
    ctx.setStrictMode(params.Off ? 0 : VERSIONS[params.Version.toLowerCase()]!);
  },
});
