import { csvColumns, csvHeader, csvRow } from '../../src/format/csv.js';
import { defineCmdlet, FORMATTED_TEXT } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'ConvertTo-Csv',
  synopsis: 'Converts objects to CSV lines: a header from the first object, then one line per object.',
  parameters: {
    InputObject: { type: 'object', position: 0, pipeline: 'value', mandatory: true, description: 'The objects to convert.' },
    Delimiter: { type: 'string', validate: { pattern: '^.$' }, default: ',', description: 'The field separator (one character).' },
    NoHeader: { type: 'switch', description: 'Leaves out the header line.' },
    NoTypeInformation: { type: 'switch', description: 'Accepted for compatibility: no type line is ever written.' },
  },
  outputType: FORMATTED_TEXT,
  examples: [{ title: 'Objects to CSV', code: "[pscustomobject]@{Name='a,b'; Size=1} | ConvertTo-Csv", output: ['Name,Size', '"a,b",1'] }],
  state: () => ({ columns: null as string[] | null }),
  *process(params, ctx) {
    const item = params.InputObject;
    const delimiter = params.Delimiter;
    if (!ctx.state.columns) {
      ctx.state.columns = csvColumns(item);
      if (!params.NoHeader) yield csvHeader(ctx.state.columns, delimiter);
    }
    yield csvRow(item, ctx.state.columns, delimiter);
  },
});
