import { TextFormatter, cellText, cmdletTextOptions } from '../../src/format/text.js';
import { defineCmdlet, FORMATTED_TEXT } from '../../src/runtime/cmdlet.js';
import { expandSelectors, parseSelectors, project, selectValue } from '../../src/runtime/properties.js';

export default defineCmdlet({
  name: 'Format-Table',
  aliases: ['ft'],
  synopsis: 'Formats objects as a table of lines.',
  description:
    'Streams: column widths come from the declared view or the first few objects, so rows appear as objects arrive; a value wider than its column is cut with a visible "…". -AutoSize waits for all objects to size columns exactly. The output is text lines (strings).',
  parameters: {
    Property: { type: 'object[]', position: 0, description: 'Columns: names, wildcards or calculated properties @{ n = …; e = { … } }.' },
    AutoSize: { type: 'switch', description: 'Sizes columns from every row (waits for the last object).' },
    Wrap: { type: 'switch', description: 'Continues long values on further lines instead of cutting them.' },
    GroupBy: { type: 'object', description: 'A property (name, script block or calculated property): a new table with a heading starts whenever its value changes.' },
    InputObject: { type: 'object', pipeline: 'value', description: 'The objects to format.' },
  },
  outputType: FORMATTED_TEXT,
  examples: [
    { title: 'Chosen columns', code: "[pscustomobject]@{Name='a'; Size=1; Kind='x'} | Format-Table Name, Size", output: ['Name Size', '---- ----', 'a       1'] },
    {
      title: 'A table per group',
      code: "[pscustomobject]@{N='a'; K='x'}, [pscustomobject]@{N='b'; K='y'} | Format-Table N -GroupBy K",
      output: ['', '   K: x', '', 'N', '-', 'a', '', '   K: y', '', 'N', '-', 'b'],
    },
  ],
  state: () => ({ lines: [] as string[], formatter: null as TextFormatter | null, group: undefined as string | undefined }),
  async *process(params, ctx) {
    if (!ctx.expectingInput && params.InputObject === undefined) return;
    let item = params.InputObject;
    if (params.GroupBy !== undefined && params.GroupBy !== null) {
      const [selector] = parseSelectors([params.GroupBy]);
      const value = cellText(await selectValue(selector!, item, ctx));
      if (value !== ctx.state.group) {
        // As Format-Table -GroupBy: each run of equal values is its own table under a heading.
        ctx.state.formatter?.end();
        ctx.state.formatter = null;
        ctx.state.group = value;
        ctx.state.lines.push('', `   ${selector!.label}: ${value}`, '');
      }
    }
    let properties: string[] | undefined;
    if (params.Property) {
      const selectors = expandSelectors(parseSelectors(params.Property), item);
      item = await project(item, selectors, ctx);
      properties = selectors.map((s) => s.label);
    }
    ctx.state.formatter ??= new TextFormatter((l) => ctx.state.lines.push(l), {
      ...cmdletTextOptions(ctx),
      layout: 'table',
      properties,
      autoSize: params.AutoSize,
      wrap: params.Wrap,
      sampleRows: 5,
    });
    ctx.state.formatter.add(item);
    yield* ctx.state.lines.splice(0);
  },
  *end(_params, ctx) {
    ctx.state.formatter?.end();
    yield* ctx.state.lines.splice(0);
  },
});
