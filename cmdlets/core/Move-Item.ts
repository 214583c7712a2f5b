import { cp, rename, rm } from 'node:fs/promises';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { destinationOf, eachItem, fullPath, itemOf, itemPathParameters, statOrNull } from '../filesystem.js';

export default defineCmdlet({
  name: 'Move-Item',
  aliases: ['move', 'mv', 'mi'],
  synopsis: 'Moves or renames files and directories.',
  description: 'Into an existing directory the item keeps its name; otherwise the destination is the new name. An existing file at the destination is an error unless -Force, which replaces it.',
  impact: 'medium',
  parameters: {
    ...itemPathParameters('The items to move'),
    Destination: { type: 'string', position: 1, description: 'Where to move to: a directory, or the new name (default: the location).' },
    Force: { type: 'switch', description: 'Replaces an existing file at the destination; wildcards match hidden items.' },
    PassThru: { type: 'switch', description: 'Outputs the moved items.' },
  },
  defaultParameterSet: 'Path',
  examples: [
    { title: 'Rename', code: "Set-Content a.txt 'x'; Move-Item a.txt b.txt; Test-Path a.txt; Get-Content b.txt", output: [false, 'x'] },
    { title: 'Onto an existing file', code: "Set-Content a.txt 'x'; Set-Content b.txt 'y'; Move-Item a.txt b.txt", error: 'MoveFileInfoItemIOError' },
  ],
  async *process(params, ctx) {
    const destination = fullPath(ctx, params.Destination ?? '.');
    for await (const source of eachItem(ctx, params, params.Force)) {
      const target = await destinationOf(source, destination);
      if ((await statOrNull(target)) && target !== source && !params.Force) {
        ctx.writeError({ id: 'MoveFileInfoItemIOError', category: 'WriteError', message: 'Cannot create a file when that file already exists.', target: source });
        continue;
      }
      if (!(await ctx.shouldProcess(`Item: ${source} Destination: ${target}`, 'Move File'))) continue;
      try {
        await rename(source, target);
      } catch (e) {
        // Across file systems a rename cannot work: copy, then delete the source.
        if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
        await cp(source, target, { recursive: true, force: true, verbatimSymlinks: true });
        await rm(source, { recursive: true });
      }
      if (params.PassThru) yield await itemOf(target);
    }
  },
});
