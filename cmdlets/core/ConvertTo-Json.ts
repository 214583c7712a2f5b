import { toJson } from '../../src/format/json.js';
import { defineCmdlet, FORMATTED_TEXT } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'ConvertTo-Json',
  synopsis: 'Converts objects to JSON text, at full depth.',
  description:
    'Unlike Windows PowerShell, nested data is never cut silently: the default depth is unlimited. With -Depth N, values nested deeper than N become their string form and a warning says so. Several input objects become one JSON array (or one JSON text each with -AsArray off and a single object).',
  parameters: {
    InputObject: { type: 'object', position: 0, pipeline: 'value', description: 'The objects to convert.' },
    Depth: { type: 'int', validate: { range: [0, 1000] }, description: 'Levels of nesting to keep (default: all).' },
    Compress: { type: 'switch', description: 'Writes JSON without indentation.' },
    AsArray: { type: 'switch', description: 'Always writes a JSON array, even for one object.' },
  },
  outputType: FORMATTED_TEXT,
  examples: [
    { title: 'An object', code: "[pscustomobject]@{Name='img'; Tags=@('a','b')} | ConvertTo-Json -Compress", output: ['{"Name":"img","Tags":["a","b"]}'] },
    { title: 'Deep data is kept', code: "@{a=@{b=@{c=@{d=1}}}} | ConvertTo-Json -Compress", output: ['{"a":{"b":{"c":{"d":1}}}}'] },
    { title: 'Several objects become an array', code: '1, 2 | ConvertTo-Json -Compress', output: ['[1,2]'] },
  ],
  state: () => ({ items: [] as unknown[] }),
  process(params, ctx) {
    if (ctx.expectingInput || params.InputObject !== undefined) ctx.state.items.push(params.InputObject);
  },
  *end(params, ctx) {
    const items = ctx.state.items;
    const value = items.length === 1 && !params.AsArray ? items[0] : items;
    yield toJson(value, {
      depth: params.Depth,
      compress: params.Compress,
      onTruncated: (depth) => ctx.writeWarning(`ConvertTo-Json: values nested deeper than -Depth ${depth} were written as strings.`),
    });
  },
});
