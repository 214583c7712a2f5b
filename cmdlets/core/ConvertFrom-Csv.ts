import { parseCsv } from '../../src/format/csv.js';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { toStr } from '../../src/runtime/values.js';

export default defineCmdlet({
  name: 'ConvertFrom-Csv',
  synopsis: 'Converts CSV lines to objects (all values are strings).',
  parameters: {
    InputObject: { type: 'string[]', position: 0, mandatory: true, allowEmptyString: true, pipeline: 'value', description: 'The CSV lines (the first is the header unless -Header is given).' },
    Delimiter: { type: 'string', validate: { pattern: '^.$' }, default: ',', description: 'The field separator (one character).' },
    Header: { type: 'string[]', description: 'Column names, when the text has no header line.' },
  },
  examples: [{ title: 'CSV to objects', code: "'Name,Size', 'a,1', 'b,2' | ConvertFrom-Csv | ForEach-Object { $_.Name + $_.Size }", output: ['a1', 'b2'] }],
  state: () => ({ lines: [] as string[] }),
  process(params, ctx) {
    ctx.state.lines.push(...params.InputObject.map(toStr));
  },
  *end(params, ctx) {
    yield* parseCsv(ctx.state.lines.join('\n'), params.Delimiter, params.Header);
  },
});
