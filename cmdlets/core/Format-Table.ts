import { TextFormatter, cmdletTextOptions } from '../../src/format/text.js';
import { defineCmdlet, FORMATTED_TEXT } from '../../src/runtime/cmdlet.js';
import { expandSelectors, parseSelectors, project } from '../../src/runtime/properties.js';

export default defineCmdlet({
  name: 'Format-Table',
  aliases: ['ft'],
  synopsis: 'Formats objects as a table of lines.',
  description:
    'Streams: column widths come from the declared view or the first few objects, so rows appear as objects arrive; a value wider than its column is cut with a visible "…". -AutoSize waits for all objects to size columns exactly. The output is text lines (strings).',
  parameters: {
    Property: { type: 'object[]', position: 0, description: 'Columns: names, wildcards or calculated properties @{ n = …; e = { … } }.' },
    AutoSize: { type: 'switch', description: 'Sizes columns from every row (waits for the last object).' },
    InputObject: { type: 'object', pipeline: 'value', description: 'The objects to format.' },
  },
  outputType: FORMATTED_TEXT,
  examples: [
    { title: 'Chosen columns', code: "[pscustomobject]@{Name='a'; Size=1; Kind='x'} | Format-Table Name, Size", output: ['Name Size', '---- ----', 'a       1'] },
  ],
  state: () => ({ lines: [] as string[], formatter: null as TextFormatter | null }),
  async *process(params, ctx) {
    if (!ctx.expectingInput && params.InputObject === undefined) return;
    let item = params.InputObject;
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
