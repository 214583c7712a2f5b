import { readFile } from 'node:fs/promises';
import { parseCsv } from '../../src/format/csv.js';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'Import-Csv',
  aliases: ['ipcsv'],
  synopsis: 'Reads a CSV file as objects (all values are strings).',
  parameters: {
    Path: { type: 'string', position: 0, complete: 'path', mandatory: true, validate: { notEmpty: true }, description: 'The CSV file.' },
    Delimiter: { type: 'string', validate: { pattern: '^.$' }, default: ',', description: 'The field separator (one character).' },
    Header: { type: 'string[]', description: 'Column names, when the file has no header line.' },
  },
  examples: [
    {
      title: 'Round trip through a file',
      code: "[pscustomobject]@{Host='pc1'; Mac='aa:bb'} | Export-Csv hosts.csv; Import-Csv hosts.csv | ForEach-Object Host",
      output: ['pc1'],
    },
  ],
  async *process(params, ctx) {
    const text = await readFile(ctx.resolvePath(params.Path), 'utf8');
    yield* parseCsv(text, params.Delimiter, params.Header);
  },
});
