import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { comparison } from '../../src/runtime/operators.js';
import { getMember, toBool, unwrap } from '../../src/runtime/values.js';

const OPERATORS = ['EQ', 'NE', 'GT', 'GE', 'LT', 'LE', 'Like', 'NotLike', 'Match', 'NotMatch', 'Contains', 'NotContains', 'In', 'NotIn', 'CEQ', 'CNE', 'CLike', 'CMatch'] as const;

const operatorSwitches = Object.fromEntries(
  OPERATORS.map((op) => [op, { type: 'switch', sets: ['Simple'], description: `Keeps objects whose property is -${op.toLowerCase()} the value.` }]),
) as Record<(typeof OPERATORS)[number], { type: 'switch'; sets: ['Simple']; description: string }>;

export default defineCmdlet({
  name: 'Where-Object',
  aliases: ['where', '?'],
  synopsis: 'Keeps the pipeline objects that match a condition.',
  description:
    'With a script block, keeps each object for which the block is true ($_ is the object). The simplified form `Where-Object Prop -gt 3` compares one property with a value; `Where-Object Prop` keeps objects whose property is true.',
  defaultParameterSet: 'ScriptBlock',
  parameters: {
    FilterScript: { type: 'scriptblock', position: 0, mandatory: true, sets: ['ScriptBlock'], description: 'The condition; $_ is the current object.' },
    Property: { type: 'string', position: 0, mandatory: true, sets: ['Simple'], description: 'The property to compare (simplified form).' },
    Value: { type: 'object', position: 1, sets: ['Simple'], description: 'The value to compare the property with.' },
    ...operatorSwitches,
    Not: { type: 'switch', sets: ['Simple'], description: 'Keeps objects whose property is false or missing (`Where-Object -Not Prop`).' },
    InputObject: { type: 'object', pipeline: 'value', description: 'The objects to filter.' },
  },
  examples: [
    { title: 'Even numbers', code: '1..10 | Where-Object { $_ % 2 -eq 0 }', output: [2, 4, 6, 8, 10] },
    { title: 'Simplified form on a property', code: "@{Name='a'; Size=1}, @{Name='b'; Size=5} | ForEach-Object { [pscustomobject]$_ } | Where-Object Size -gt 3 | ForEach-Object Name", output: ['b'] },
    { title: 'Objects without a value', code: "[pscustomobject]@{N='a'; Tag=''}, [pscustomobject]@{N='b'; Tag='x'} | Where-Object -Not Tag | ForEach-Object N", output: ['a'] },
    { title: 'Wildcards', code: "'alpha', 'beta', 'gamma' | Where-Object { $_ -like '*a' }", output: ['alpha', 'beta', 'gamma'] },
  ],
  // Kept objects come as arrays: a generator per object (and a promise per filter run) adds up.
  process(params, ctx) {
    const item = params.InputObject;
    if (params.FilterScript) {
      const output = ctx.invoke(params.FilterScript, { input: item, dotSource: true });
      return Array.isArray(output) ? keptIf(output, item) : keptAfter(output, item);
    }
    const value = getMember(item, params.Property!);
    const op = OPERATORS.find((o) => params[o]);
    if (!op) return toBool(value) !== params.Not ? [item] : [];
    return toBool(comparison(`-${op.toLowerCase()}`, value, params.Value, () => {})) ? [item] : [];
  },
});

/** `[item]` when the filter's output is true. */
function keptIf(output: unknown[], item: unknown): unknown[] {
  return toBool(unwrap(output)) ? [item] : [];
}

/** The same for a filter whose output comes as it runs. */
async function* keptAfter(output: AsyncIterable<unknown>, item: unknown): AsyncGenerator<unknown> {
  const values: unknown[] = [];
  for await (const value of output) values.push(value);
  yield* keptIf(values, item);
}
