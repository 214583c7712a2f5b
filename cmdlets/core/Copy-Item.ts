import { cp, mkdir } from 'node:fs/promises';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { destinationOf, eachItem, fullPath, isDirectory, itemOf, itemPathParameters, statOrNull } from '../filesystem.js';

export default defineCmdlet({
  name: 'Copy-Item',
  aliases: ['copy', 'cp', 'cpi'],
  synopsis: 'Copies files and directories (a directory\'s contents only with -Recurse).',
  description:
    'Into an existing directory the item keeps its name; otherwise the destination is the new name. Existing files are overwritten. Without -Recurse a directory is copied without its contents, as in PowerShell.',
  impact: 'medium',
  parameters: {
    ...itemPathParameters('The items to copy'),
    Destination: { type: 'string', position: 1, description: 'Where to copy to: a directory, or the new name (default: the location).' },
    Recurse: { type: 'switch', description: 'Copies directories with their contents.' },
    Force: { type: 'switch', description: 'Wildcards match hidden items too.' },
    PassThru: { type: 'switch', description: 'Outputs the copies.' },
  },
  defaultParameterSet: 'Path',
  examples: [
    { title: 'A file to a new name', code: "Set-Content a.txt 'x'; Copy-Item a.txt b.txt; Get-Content b.txt", output: ['x'] },
    { title: 'Into a directory, with -PassThru', code: "Set-Content a.txt 'x'; New-Item -ItemType Directory d | Out-Null; (Copy-Item a.txt d -PassThru).Name", output: ['a.txt'] },
    { title: 'A tree', code: "New-Item d/e/f.txt -Force -Value 'f' | Out-Null; Copy-Item d d2 -Recurse; Get-Content d2/e/f.txt", output: ['f'] },
  ],
  async *process(params, ctx) {
    const destination = fullPath(ctx, params.Destination ?? '.');
    for await (const source of eachItem(ctx, params, params.Force)) {
      const target = await destinationOf(source, destination);
      if (target === source) {
        ctx.writeError({ id: 'CopyError', category: 'WriteError', message: `Cannot overwrite the item ${source} with itself.`, target: source });
        continue;
      }
      if (!(await ctx.shouldProcess(`Item: ${source} Destination: ${target}`, 'Copy File'))) continue;
      const stats = (await statOrNull(source))!;
      if ((await isDirectory(source, stats)) && !params.Recurse) await mkdir(target, { recursive: true });
      else await cp(source, target, { recursive: true, force: true, verbatimSymlinks: true });
      if (params.PassThru) yield await itemOf(target);
    }
  },
});
