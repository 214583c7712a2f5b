import { appendFile, writeFile } from 'node:fs/promises';
import { cmdletTextOptions, renderText } from '../../src/format/text.js';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'Tee-Object',
  aliases: ['tee'],
  synopsis: 'Passes objects down the pipeline and also saves them to a file (as the shell shows them) or a variable.',
  parameters: {
    FilePath: { type: 'string', position: 0, aliases: ['Path'], description: 'The file to write (replaced unless -Append).', sets: ['File'] },
    Append: { type: 'switch', description: 'Adds to the file instead of replacing it.', sets: ['File'] },
    Variable: { type: 'string', mandatory: true, description: 'The variable (without $) that receives the objects.', sets: ['Variable'] },
    InputObject: { type: 'object', pipeline: 'value', description: 'The objects to pass on and save.' },
  },
  defaultParameterSet: 'File',
  examples: [
    { title: 'Into a variable, and on', code: '1..3 | Tee-Object -Variable seen | Measure-Object | ForEach-Object Count; $seen.Count', output: [3, 3] },
    { title: 'Into a file, and on', code: "'a', 'b' | Tee-Object out.txt | Out-Null; Get-Content out.txt", output: ['a', 'b'] },
  ],
  state: () => ({ items: [] as unknown[] }),
  *process(params, ctx) {
    if (!ctx.expectingInput && params.InputObject === undefined) return;
    ctx.state.items.push(params.InputObject);
    yield params.InputObject;
  },
  async end(params, ctx) {
    if (params.Variable !== undefined) {
      ctx.setVariable(params.Variable, ctx.state.items);
      return;
    }
    if (params.FilePath === undefined) throw ctx.error({ id: 'ArgumentNull', category: 'InvalidArgument', message: 'Tee-Object needs -FilePath or -Variable: where to save the objects.' });
    const text = renderText(ctx.state.items, cmdletTextOptions(ctx, 120)).map((l) => `${l}\n`).join('');
    const path = ctx.resolvePath(params.FilePath);
    await (params.Append ? appendFile(path, text) : writeFile(path, text));
  },
});
