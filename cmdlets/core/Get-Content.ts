import { readFile } from 'node:fs/promises';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'Get-Content',
  aliases: ['gc', 'cat', 'type'],
  synopsis: 'Reads a text file: one string per line, or the whole file with -Raw.',
  parameters: {
    Path: { type: 'string[]', position: 0, complete: 'path', mandatory: true, pipeline: 'property', aliases: ['FullName'], description: 'The files to read.' },
    Raw: { type: 'switch', description: 'Outputs the whole file as one string.' },
    TotalCount: { type: 'int', aliases: ['First', 'Head'], validate: { range: [0, Number.MAX_SAFE_INTEGER] }, description: 'Reads only the first N lines.' },
  },
  examples: [{ title: 'Lines of a file', code: "Set-Content -Path x.txt -Value 'a', 'b'; Get-Content x.txt", output: ['a', 'b'] }],
  async *process(params, ctx) {
    for (const path of params.Path) {
      let text: string;
      try {
        text = await readFile(ctx.resolvePath(path), 'utf8');
      } catch (e) {
        ctx.writeError({ id: 'PathNotFound', category: 'ObjectNotFound', message: `Cannot read "${path}": ${(e as Error).message}`, target: path });
        continue;
      }
      if (params.Raw) {
        yield text;
        continue;
      }
      const lines = text.split(/\r?\n/);
      if (lines[lines.length - 1] === '') lines.pop();
      yield* params.TotalCount !== undefined ? lines.slice(0, params.TotalCount) : lines;
    }
  },
});
