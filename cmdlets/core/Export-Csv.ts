import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { csvColumns, csvHeader, csvRow, parseCsvRows } from '../../src/format/csv.js';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'Export-Csv',
  aliases: ['epcsv'],
  synopsis: 'Writes objects to a CSV file.',
  description: 'The header comes from the first object (with -Append, from the existing file).',
  impact: 'medium',
  parameters: {
    Path: { type: 'string', position: 0, complete: 'path', mandatory: true, validate: { notEmpty: true }, description: 'The CSV file to write.' },
    InputObject: { type: 'object', pipeline: 'value', mandatory: true, description: 'The objects to write.' },
    Delimiter: { type: 'string', validate: { pattern: '^.$' }, default: ',', description: 'The field separator (one character).' },
    Append: { type: 'switch', description: 'Adds rows to an existing file.' },
    NoTypeInformation: { type: 'switch', description: 'Accepted for compatibility: no type line is ever written.' },
  },
  examples: [
    { title: 'Export then count the lines', code: "1..3 | ForEach-Object { [pscustomobject]@{N=$_} } | Export-Csv n.csv; (Get-Content n.csv).Count", output: [4] },
  ],
  state: () => ({ items: [] as unknown[] }),
  process(params, ctx) {
    ctx.state.items.push(params.InputObject);
  },
  async end(params, ctx) {
    const items = ctx.state.items;
    if (items.length === 0) return;
    const path = ctx.resolvePath(params.Path);
    if (!(await ctx.shouldProcess(path, 'Write CSV file'))) return;
    const delimiter = params.Delimiter;
    const existing = params.Append ? await readFile(path, 'utf8').catch(() => null) : null;
    // Appended rows follow the existing header's columns.
    const columns = (existing && parseCsvRows(existing, delimiter)[0]) || csvColumns(items[0]);
    const body = items.map((item) => `${csvRow(item, columns, delimiter)}\n`).join('');
    if (existing) await appendFile(path, (existing.endsWith('\n') ? '' : '\n') + body);
    else await writeFile(path, `${csvHeader(columns, delimiter)}\n${body}`);
  },
});
