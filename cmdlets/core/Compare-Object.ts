import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { valuesEqual } from '../../src/runtime/operators.js';
import { parseSelectors, selectValue, type PropertySelector } from '../../src/runtime/properties.js';
import { isPlainObject, withTypeName } from '../../src/runtime/values.js';

type Side = '==' | '=>' | '<=';

export default defineCmdlet({
  name: 'Compare-Object',
  aliases: ['compare', 'diff'],
  synopsis: 'Compares two sets of objects: what only the reference has (<=), only the difference has (=>), and with -IncludeEqual what both have (==).',
  description:
    'Objects compare by value (strings case-insensitively unless -CaseSensitive), or by the given properties. Output order: equal items, then items only in the difference set, then items only in the reference set, each in input order (as in Compare-Object.md\'s examples).',
  parameters: {
    ReferenceObject: { type: 'object[]', position: 0, mandatory: true, allowEmptyCollection: true, description: 'The reference set.' },
    DifferenceObject: { type: 'object[]', position: 1, mandatory: true, allowEmptyCollection: true, pipeline: 'value', description: 'The set compared with it.' },
    Property: { type: 'object[]', description: 'Compare these properties (names or calculated properties) instead of the objects.' },
    IncludeEqual: { type: 'switch', description: 'Also output what both sets have (==).' },
    ExcludeDifferent: { type: 'switch', description: 'Output only what both sets have.' },
    PassThru: { type: 'switch', description: 'Output the objects themselves, with a SideIndicator property added to custom objects.' },
    CaseSensitive: { type: 'switch', description: 'Strings differ by case.' },
    SyncWindow: { type: 'int', description: 'Accepted for compatibility: mcshell always compares the whole sets.' },
  },
  outputType: { name: 'CompareObjectResult', view: { properties: ['InputObject', 'SideIndicator'] } },
  examples: [
    {
      title: 'Two lists of words (Compare-Object.md, example 1)',
      code: "Compare-Object -ReferenceObject 'dog', 'squirrel', 'bird' -DifferenceObject 'cat', 'bird', 'racoon' | ForEach-Object { \"$($_.InputObject) $($_.SideIndicator)\" }",
      output: ['cat =>', 'racoon =>', 'dog <=', 'squirrel <='],
    },
    { title: 'What both have', code: "Compare-Object 1, 2, 3 2, 3, 4 -IncludeEqual -ExcludeDifferent | ForEach-Object InputObject", output: [2, 3] },
  ],
  state: () => ({ difference: [] as unknown[] }),
  process(params, ctx) {
    ctx.state.difference.push(...params.DifferenceObject);
  },
  async *end(params, ctx) {
    const selectors: PropertySelector[] | null = params.Property ? parseSelectors(params.Property) : null;
    const key = async (item: unknown): Promise<unknown[]> => (selectors ? Promise.all(selectors.map((s) => selectValue(s, item, ctx))) : [item]);
    const same = (a: unknown[], b: unknown[]) => a.every((v, i) => valuesEqual(v, b[i], params.CaseSensitive));
    const reference = await Promise.all(params.ReferenceObject.map(async (item) => ({ item, key: await key(item), matched: false })));
    const difference = await Promise.all(ctx.state.difference.map(async (item) => ({ item, key: await key(item), matched: false })));
    for (const d of difference) {
      const r = reference.find((x) => !x.matched && same(x.key, d.key));
      if (r) {
        r.matched = true;
        d.matched = true;
      }
    }
    const result = (entry: { item: unknown; key: unknown[] }, side: Side): unknown => {
      if (params.PassThru) return isPlainObject(entry.item) ? { ...entry.item, SideIndicator: side } : entry.item;
      if (!selectors) return withTypeName({ InputObject: entry.item, SideIndicator: side }, 'CompareObjectResult');
      return Object.fromEntries([...selectors.map((s, i) => [s.label, entry.key[i]] as const), ['SideIndicator', side]]);
    };
    if (params.IncludeEqual || params.ExcludeDifferent) for (const d of difference) if (d.matched) yield result(d, '==');
    if (params.ExcludeDifferent) return;
    for (const d of difference) if (!d.matched) yield result(d, '=>');
    for (const r of reference) if (!r.matched) yield result(r, '<=');
  },
});
