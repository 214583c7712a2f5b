import { TextFormatter, cmdletTextOptions } from '../../src/format/text.js';
import { defineCmdlet, FORMATTED_TEXT } from '../../src/runtime/cmdlet.js';
import { ErrorRecord } from '../../src/runtime/errors.js';
import { expandSelectors, parseSelectors, project } from '../../src/runtime/properties.js';

export default defineCmdlet({
  name: 'Format-List',
  aliases: ['fl'],
  synopsis: 'Formats each object as a list of "Property : value" lines.',
  description: 'Shows every property (or those given, wildcards allowed) of each object, one per line. `$Error[0] | Format-List *` shows an error record in full. The output is text lines (strings).',
  parameters: {
    Property: { type: 'object[]', position: 0, description: 'Properties to show: names, wildcards or calculated properties. Default: all.' },
    InputObject: { type: 'object', pipeline: 'value', description: 'The objects to format.' },
  },
  outputType: FORMATTED_TEXT,
  examples: [{ title: 'All properties', code: "[pscustomobject]@{Name='a'; Size=10} | Format-List", output: ['Name : a', 'Size : 10'] }],
  state: () => ({ started: false }),
  async *process(params, ctx) {
    if (!ctx.expectingInput && params.InputObject === undefined) return;
    let item = params.InputObject;
    if (item instanceof ErrorRecord) item = item.toJSON();
    const selectors = expandSelectors(parseSelectors(params.Property ?? ['*']), item);
    const projected = await project(item, selectors, ctx);
    // Each object is its own block, showing that object's properties.
    const lines: string[] = ctx.state.started ? [''] : [];
    ctx.state.started = true;
    const formatter = new TextFormatter((l) => lines.push(l), { ...cmdletTextOptions(ctx), layout: 'list', properties: selectors.map((s) => s.label) });
    formatter.add(projected);
    formatter.end();
    yield* lines;
  },
});
