import { appendFile, writeFile } from 'node:fs/promises';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { toStr } from '../../src/runtime/values.js';

export default defineCmdlet({
  name: 'Set-Content',
  synopsis: 'Writes values to a text file, one per line (the values as strings, not formatted).',
  impact: 'medium',
  parameters: {
    Path: { type: 'string', position: 0, complete: 'path', mandatory: true, validate: { notEmpty: true }, description: 'The file to write.' },
    Value: { type: 'object[]', position: 1, pipeline: 'value', description: 'The values to write.' },
    Append: { type: 'switch', description: 'Adds to the end of the file (Add-Content).' },
  },
  examples: [{ title: 'Write two lines', code: "Set-Content -Path y.txt -Value 'x', 'y'; (Get-Content y.txt -Raw).Length", output: [4] }],
  state: () => ({ lines: [] as string[] }),
  process(params, ctx) {
    ctx.state.lines.push(...(params.Value ?? []).map(toStr));
  },
  async end(params, ctx) {
    const path = ctx.resolvePath(params.Path);
    if (!(await ctx.shouldProcess(path, 'Write file'))) return;
    const text = ctx.state.lines.map((l) => `${l}\n`).join('');
    await (params.Append ? appendFile(path, text) : writeFile(path, text));
  },
});
