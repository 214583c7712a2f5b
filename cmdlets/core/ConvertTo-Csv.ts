import { QUOTING_PARAMETERS, csvColumns, csvHeader, csvRow } from '../../src/format/csv.js';
import { defineCmdlet, FORMATTED_TEXT } from '../../src/runtime/cmdlet.js';

const quoting = (params: { UseQuotes: 'Always' | 'AsNeeded' | 'Never'; QuoteFields?: string[] }) => ({ mode: params.UseQuotes, fields: params.QuoteFields });

export default defineCmdlet({
  name: 'ConvertTo-Csv',
  synopsis: 'Converts objects to CSV lines: a header from the first object, then one line per object.',
  parameters: {
    InputObject: { type: 'object', position: 0, pipeline: 'value', mandatory: true, description: 'The objects to convert.' },
    Delimiter: { type: 'string', validate: { pattern: '^.$' }, default: ',', description: 'The field separator (one character).' },
    NoHeader: { type: 'switch', description: 'Leaves out the header line.' },
    NoTypeInformation: { type: 'switch', description: 'Accepted for compatibility: no type line is ever written.' },
    ...QUOTING_PARAMETERS,
  },
  outputType: FORMATTED_TEXT,
  examples: [
    { title: 'Objects to CSV, every field quoted (PowerShell 7)', code: "[pscustomobject]@{Name='a,b'; Size=1} | ConvertTo-Csv", output: ['"Name","Size"', '"a,b","1"'] },
    { title: 'Quotes only where needed', code: "[pscustomobject]@{Name='a,b'; Size=1} | ConvertTo-Csv -UseQuotes AsNeeded", output: ['Name,Size', '"a,b",1'] },
    { title: 'Quotes for some columns', code: "[pscustomobject]@{Name='a'; Size=1} | ConvertTo-Csv -QuoteFields Name", output: ['"Name",Size', '"a",1'] },
  ],
  state: () => ({ columns: null as string[] | null }),
  *process(params, ctx) {
    const item = params.InputObject;
    const delimiter = params.Delimiter;
    if (!ctx.state.columns) {
      ctx.state.columns = csvColumns(item);
      if (!params.NoHeader) yield csvHeader(ctx.state.columns, delimiter, quoting(params));
    }
    yield csvRow(item, ctx.state.columns, delimiter, quoting(params));
  },
});
