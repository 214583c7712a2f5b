import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { parseSelectors, project } from '../../src/runtime/properties.js';
import { ScriptBlock } from '../../src/runtime/scriptblock.js';
import { enumerate, getMember, hasProperty, toPlainData } from '../../src/runtime/values.js';

export default defineCmdlet({
  name: 'Select-Object',
  aliases: ['select'],
  synopsis: 'Selects properties of objects, or the first, last or unique objects.',
  description:
    'With -Property, makes new objects with the named properties (wildcards allowed) and calculated properties @{ Name = …; Expression = { … } }. -ExpandProperty outputs a property\'s value itself. -First stops the commands before it once it has enough objects.',
  parameters: {
    Property: { type: 'object[]', position: 0, description: 'Property names, wildcards or calculated properties @{ n = …; e = { … } }.' },
    ExcludeProperty: { type: 'string[]', description: 'Properties to leave out.' },
    ExpandProperty: { type: 'string', description: 'Outputs the value of this property (arrays are enumerated).' },
    First: { type: 'int', validate: { range: [0, Number.MAX_SAFE_INTEGER] }, description: 'Outputs only the first N objects, then stops the upstream commands.' },
    Last: { type: 'int', validate: { range: [0, Number.MAX_SAFE_INTEGER] }, description: 'Outputs only the last N objects.' },
    Skip: { type: 'int', validate: { range: [0, Number.MAX_SAFE_INTEGER] }, description: 'Skips the first N objects.' },
    SkipLast: { type: 'int', validate: { range: [0, Number.MAX_SAFE_INTEGER] }, description: 'Leaves out the last N objects.' },
    Index: { type: 'int[]', description: 'Outputs only the objects at these 0-based positions (in input order).' },
    SkipIndex: { type: 'int[]', description: 'Leaves out the objects at these 0-based positions.' },
    Unique: { type: 'switch', description: 'Drops duplicate objects (text compared case-sensitively, as PowerShell does).' },
    CaseInsensitive: { type: 'switch', description: 'With -Unique: text differing only in case counts as the same.' },
    InputObject: { type: 'object', pipeline: 'value', description: 'The objects to select from.' },
  },
  examples: [
    { title: 'The first three', code: '1..100 | Select-Object -First 3', output: [1, 2, 3] },
    { title: 'A calculated property', code: "[pscustomobject]@{Name='img'; Size=2048} | Select-Object Name, @{n='KB'; e={ $_.Size / 1024 }}", output: [{ Name: 'img', KB: 2 }] },
    { title: 'The value of one property', code: "[pscustomobject]@{Tags='a','b'} | Select-Object -ExpandProperty Tags", output: ['a', 'b'] },
    { title: 'Last, skip and unique', code: '1, 1, 2, 3, 3, 4 | Select-Object -Unique | Select-Object -Skip 1 -Last 2', output: [3, 4] },
    { title: 'First and last together', code: '1..10 | Select-Object -First 2 -Last 2', output: [1, 2, 9, 10] },
    { title: 'By position', code: "'a', 'b', 'c', 'd' | Select-Object -Index 3, 1; 'a', 'b', 'c' | Select-Object -SkipIndex 0 -SkipLast 1", output: ['b', 'd', 'b'] },
  ],
  state: () => ({ seen: 0, emitted: 0, last: [] as unknown[], held: [] as unknown[], unique: new Set<string>() }),
  async *process(params, ctx) {
    const state = ctx.state;
    if (!ctx.expectingInput && params.InputObject === undefined) return;
    const position = state.seen++;
    if (params.Skip !== undefined && state.seen <= params.Skip) return;
    if (params.SkipIndex?.includes(position)) return;
    if (params.Index) {
      if (!params.Index.includes(position)) {
        // Past the last wanted position nothing more is needed: stop the commands before.
        if (position > Math.max(...params.Index)) ctx.stopUpstream();
        return;
      }
    }
    const item = params.InputObject;
    let outputs: unknown[];
    if (params.ExpandProperty !== undefined) {
      if (!hasProperty(item, params.ExpandProperty)) {
        ctx.writeError({ id: 'ExpandPropertyNotFound', category: 'InvalidArgument', message: `Property "${params.ExpandProperty}" cannot be found.`, target: item });
        return;
      }
      outputs = enumerate(getMember(item, params.ExpandProperty));
    } else if (params.Property !== undefined || params.ExcludeProperty !== undefined) {
      let selectors;
      try {
        selectors = parseSelectors(params.Property ?? ['*']);
      } catch (e) {
        throw ctx.error({ id: 'InvalidCalculatedProperty', category: 'InvalidArgument', message: (e as Error).message });
      }
      // A property must have a name: an empty script block has none (PowerShell's EmptyScriptBlockAndNoName).
      if (selectors.some((s) => s.expression instanceof ScriptBlock && s.label === '')) {
        throw ctx.error({ id: 'EmptyScriptBlockAndNoName', category: 'InvalidArgument', message: 'A script block property is empty and has no name: give it a body, or a name with @{ Name = …; Expression = { … } }.' });
      }
      outputs = [await project(item, selectors, ctx, params.ExcludeProperty ?? [])];
    } else outputs = [item];
    for (const out of outputs) {
      if (params.Unique) {
        const json = JSON.stringify(toPlainData(out));
        const key = params.CaseInsensitive ? json.toLowerCase() : json;
        if (state.unique.has(key)) continue;
        state.unique.add(key);
      }
      // -SkipLast holds back the newest N objects; an object older than those is output.
      let ready: unknown[] = [out];
      if (params.SkipLast !== undefined) {
        state.held.push(out);
        ready = state.held.length > params.SkipLast ? [state.held.shift()] : [];
      }
      for (const item of ready) {
        if (params.Last !== undefined) {
          // With -First too, the first N go out at once and -Last keeps from what follows them.
          if (params.First !== undefined && state.emitted < params.First) {
            state.emitted++;
            yield item;
            continue;
          }
          state.last.push(item);
          if (state.last.length > params.Last) state.last.shift();
          continue;
        }
        if (params.First !== undefined && state.emitted >= params.First) ctx.stopUpstream();
        state.emitted++;
        yield item;
      }
    }
    if (params.First !== undefined && params.Last === undefined && state.emitted >= params.First) ctx.stopUpstream();
  },
  *end(params, ctx) {
    if (params.Last !== undefined) yield* ctx.state.last;
  },
});
