import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { ITEM_OUTPUT, fullPath, itemOf, pathNotFound, resolveItems } from '../filesystem.js';

export default defineCmdlet({
  name: 'Get-Item',
  aliases: ['gi'],
  synopsis: 'Gets the file or directory at a path (its object: Name, FullName, Length, LastWriteTime, Mode …).',
  description: 'Paths are relative to the location and may hold wildcards (hidden items match with -Force). A path that names nothing is an error.',
  parameters: {
    Path: { type: 'string[]', position: 0, mandatory: true, pipeline: 'both', description: 'The items to get (wildcards allowed).', sets: ['Path'] },
    LiteralPath: { type: 'string[]', mandatory: true, aliases: ['PSPath', 'LP'], pipeline: 'property', description: 'Paths taken exactly as written.', sets: ['LiteralPath'] },
    Force: { type: 'switch', description: 'Wildcards match hidden items too.' },
  },
  defaultParameterSet: 'Path',
  outputType: ITEM_OUTPUT,
  examples: [
    { title: 'A directory', code: "New-Item -ItemType Directory d | Out-Null; $d = Get-Item d; $d.Name; $d.PSIsContainer", output: ['d', true] },
    { title: 'A file that is not there', code: 'Get-Item missing.txt', error: 'PathNotFound' },
  ],
  async *process(params, ctx) {
    const literal = params.LiteralPath !== undefined;
    for (const path of params.LiteralPath ?? params.Path ?? []) {
      const found = await resolveItems(ctx, path, { literal, force: params.Force });
      if (found.length === 0) ctx.writeError(pathNotFound(fullPath(ctx, path)));
      for (const p of found) yield await itemOf(p);
    }
  },
});
