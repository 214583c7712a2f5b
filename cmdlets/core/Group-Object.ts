import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { parseSelectors, selectValue } from '../../src/runtime/properties.js';
import { Hashtable, toStr } from '../../src/runtime/values.js';

export default defineCmdlet({
  name: 'Group-Object',
  aliases: ['group'],
  synopsis: 'Groups objects that have the same value for the given properties.',
  description: 'Outputs one group per distinct key, in order of first appearance: Count, Name (the key) and Group (the objects).',
  parameters: {
    Property: { type: 'object[]', position: 0, description: 'Group keys: names, script blocks or calculated properties.' },
    NoElement: { type: 'switch', description: 'Leaves out the Group property.' },
    AsHashTable: { type: 'switch', description: 'Outputs one hashtable of key → objects.' },
    AsString: { type: 'switch', description: 'With -AsHashTable: the keys are the values as text.' },
    CaseSensitive: { type: 'switch', description: 'Distinguishes keys that differ only in case.' },
    InputObject: { type: 'object', pipeline: 'value', description: 'The objects to group.' },
  },
  outputType: { name: 'GroupInfo', view: { properties: ['Count', 'Name', 'Group'] }, description: 'Count, Name, Group (and Values: the key values).' },
  examples: [
    { title: 'Count by parity', code: "1..5 | Group-Object { $_ % 2 } -NoElement | ForEach-Object { '{0}:{1}' -f $_.Name, $_.Count }", output: ['1:3', '0:2'] },
    { title: 'Group by a property', code: "'apple', 'avocado', 'banana' | Group-Object Length | Select-Object Name, Count", output: [{ Name: '5', Count: 1 }, { Name: '7', Count: 1 }, { Name: '6', Count: 1 }] },
  ],
  state: () => ({ groups: new Map<string, { values: unknown[]; items: unknown[] }>() }),
  async process(params, ctx) {
    if (!ctx.expectingInput) return;
    const item = params.InputObject;
    const selectors = parseSelectors(params.Property ?? []);
    const values = selectors.length ? await Promise.all(selectors.map((s) => selectValue(s, item, ctx))) : [item];
    const name = values.map(toStr).join(', ');
    const key = params.CaseSensitive ? name : name.toLowerCase();
    const group = ctx.state.groups.get(key) ?? { values, items: [] };
    group.items.push(item);
    ctx.state.groups.set(key, group);
  },
  *end(params, ctx) {
    const groups = [...ctx.state.groups.values()];
    if (params.AsHashTable) {
      yield Hashtable.fromEntries(groups.map((g) => [g.values.length === 1 && !params.AsString ? g.values[0] : g.values.map(toStr).join(', '), g.items]));
      return;
    }
    for (const g of groups) {
      const info: Record<string, unknown> = { Count: g.items.length, Name: g.values.map(toStr).join(', ') };
      if (!params.NoElement) info['Group'] = g.items;
      Object.defineProperty(info, 'Values', { value: g.values, enumerable: false });
      yield info;
    }
  },
});
