import { cp, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { fullPath, isDirectory, itemOf, pathNotFound, resolveItems, statOrNull } from '../filesystem.js';

export default defineCmdlet({
  name: 'Move-Item',
  aliases: ['move', 'mv', 'mi'],
  synopsis: 'Moves or renames files and directories.',
  description: 'Into an existing directory the item keeps its name; otherwise the destination is the new name. An existing file at the destination is an error unless -Force, which replaces it.',
  impact: 'medium',
  parameters: {
    Path: { type: 'string[]', position: 0, mandatory: true, pipeline: 'both', description: 'The items to move (wildcards allowed).', sets: ['Path'] },
    LiteralPath: { type: 'string[]', mandatory: true, aliases: ['PSPath', 'LP'], pipeline: 'property', description: 'Paths taken exactly as written.', sets: ['LiteralPath'] },
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
    const literal = params.LiteralPath !== undefined;
    const destination = fullPath(ctx, params.Destination ?? '.');
    for (const path of params.LiteralPath ?? params.Path ?? []) {
      const found = await resolveItems(ctx, path, { literal, force: params.Force });
      if (found.length === 0) {
        ctx.writeError(pathNotFound(fullPath(ctx, path)));
        continue;
      }
      for (const source of found) {
        const destStats = await statOrNull(destination);
        const target = destStats && (await isDirectory(destination, destStats)) ? join(destination, basename(source)) : destination;
        const existing = await statOrNull(target);
        if (existing && target !== source && !params.Force) {
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
    }
  },
});
