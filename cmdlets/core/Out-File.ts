import { appendFile, writeFile } from 'node:fs/promises';
import { renderText, cmdletTextOptions } from '../../src/format/text.js';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'Out-File',
  synopsis: 'Writes objects to a file as the text the shell would show.',
  description: 'Renders the input like the shell output (tables, lists, plain values) and writes it as UTF-8 text.',
  impact: 'medium',
  parameters: {
    FilePath: { type: 'string', position: 0, complete: 'path', mandatory: true, aliases: ['Path'], validate: { notEmpty: true }, description: 'The file to write.' },
    Append: { type: 'switch', description: 'Adds to the end of the file instead of replacing it.' },
    NoNewline: { type: 'switch', description: 'Joins the lines without newlines.' },
    Width: { type: 'int', validate: { range: [10, 10000] }, description: 'Line width for tables and lists (default 120).' },
    InputObject: { type: 'object', pipeline: 'value', description: 'The objects to write.' },
  },
  examples: [{ title: 'Write and read back', code: "'one', 'two' | Out-File out.txt; Get-Content out.txt", output: ['one', 'two'] }],
  state: () => ({ items: [] as unknown[] }),
  process(params, ctx) {
    if (ctx.expectingInput || params.InputObject !== undefined) ctx.state.items.push(params.InputObject);
  },
  async end(params, ctx) {
    const path = ctx.resolvePath(params.FilePath);
    if (!(await ctx.shouldProcess(path, 'Write file'))) return;
    const lines = renderText(ctx.state.items, cmdletTextOptions(ctx, params.Width ?? 120));
    const text = params.NoNewline ? lines.join('') : lines.map((l) => `${l}\n`).join('');
    await (params.Append ? appendFile(path, text) : writeFile(path, text));
  },
});
