import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { compareValues, valuesEqual } from '../../src/runtime/operators.js';
import { parseSelectors, selectValue } from '../../src/runtime/properties.js';

export default defineCmdlet({
  name: 'Sort-Object',
  aliases: ['sort'],
  synopsis: 'Sorts objects by property values.',
  description:
    'Sorts by one or more keys: property names, script blocks, or @{ Expression = …; Descending = $true } for a per-key direction. Strings compare case-insensitively unless -CaseSensitive. The sort is stable.',
  parameters: {
    Property: { type: 'object[]', position: 0, description: 'Sort keys: names, script blocks or @{ e = …; Descending = $true }.' },
    Descending: { type: 'switch', description: 'Sorts from largest to smallest.' },
    Unique: { type: 'switch', description: 'Keeps one of each set of equal objects.' },
    CaseSensitive: { type: 'switch', description: 'Compares strings case-sensitively.' },
    Stable: { type: 'switch', description: 'Keeps equal objects in input order (mcshell\'s sort always does).' },
    Top: { type: 'int', validate: { range: [1, 2 ** 31 - 1] }, description: 'Outputs only the first N objects of the sorted order.' },
    Bottom: { type: 'int', validate: { range: [1, 2 ** 31 - 1] }, description: 'Outputs only the last N objects of the sorted order.' },
    InputObject: { type: 'object', pipeline: 'value', description: 'The objects to sort.' },
  },
  examples: [
    { title: 'Numbers, largest first', code: '3, 1, 2 | Sort-Object -Descending', output: [3, 2, 1] },
    {
      title: 'Two keys with their own directions',
      code: "@(@{G='b';N=1}, @{G='a';N=1}, @{G='a';N=2}) | ForEach-Object { [pscustomobject]$_ } | Sort-Object G, @{e='N'; Descending=$true} | ForEach-Object { $_.G + $_.N }",
      output: ['a2', 'a1', 'b1'],
    },
    { title: 'Unique, case-insensitive', code: "'b', 'A', 'a', 'B' | Sort-Object -Unique", output: ['A', 'b'] },
    { title: 'The top and bottom two', code: '5, 1, 4, 2, 3 | Sort-Object -Top 2; 5, 1, 4, 2, 3 | Sort-Object -Bottom 2', output: [1, 2, 4, 5] },
  ],
  state: () => ({ items: [] as unknown[] }),
  process(params, ctx) {
    if (ctx.expectingInput) ctx.state.items.push(params.InputObject);
  },
  async *end(params, ctx) {
    let selectors;
    try {
      selectors = parseSelectors(params.Property ?? []);
    } catch (e) {
      throw ctx.error({ id: 'InvalidCalculatedProperty', category: 'InvalidArgument', message: (e as Error).message });
    }
    const cs = params.CaseSensitive;
    const keyed: { item: unknown; keys: unknown[] }[] = [];
    for (const item of ctx.state.items) {
      const keys = selectors.length ? await Promise.all(selectors.map((s) => selectValue(s, item, ctx))) : [item];
      keyed.push({ item, keys });
    }
    const direction = (i: number) => ((selectors[i]?.descending ?? params.Descending) ? -1 : 1);
    const compare = (a: unknown[], b: unknown[]) => {
      for (let i = 0; i < a.length; i++) {
        const c = compareValues(a[i], b[i], cs);
        if (c !== 0) return c * direction(i);
      }
      return 0;
    };
    keyed.sort((a, b) => compare(a.keys, b.keys));
    let previous: unknown[] | null = null;
    const sorted: unknown[] = [];
    for (const { item, keys } of keyed) {
      if (params.Unique && previous && keys.every((k, i) => valuesEqual(k, previous![i], cs))) continue;
      previous = keys;
      sorted.push(item);
    }
    if (params.Top !== undefined) yield* sorted.slice(0, params.Top);
    else if (params.Bottom !== undefined) yield* sorted.slice(Math.max(0, sorted.length - params.Bottom));
    else yield* sorted;
  },
});
