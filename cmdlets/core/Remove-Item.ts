import { readdir, rm } from 'node:fs/promises';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { matchesWildcard } from '../../src/runtime/wildcard.js';
import { eachItem, isDirectory, itemPathParameters, statOrNull } from '../filesystem.js';

export default defineCmdlet({
  name: 'Remove-Item',
  aliases: ['ri', 'rm', 'rmdir', 'del', 'erase', 'rd'],
  synopsis: 'Deletes files and directories (a directory with contents only with -Recurse).',
  description:
    'Paths are relative to the location and may hold wildcards (hidden items match with -Force). A path that names nothing is an error. A directory that has contents is refused without -Recurse (PowerShell asks instead; mcshell never deletes contents it was not told to).',
  impact: 'medium',
  parameters: {
    ...itemPathParameters('The items to delete'),
    Recurse: { type: 'switch', aliases: ['r'], description: 'Deletes directories with everything in them.' },
    Force: { type: 'switch', description: 'Wildcards match hidden items too.' },
    Include: { type: 'string[]', description: 'Only names matching one of these wildcards.' },
    Exclude: { type: 'string[]', description: 'Leaves out names matching one of these wildcards.' },
  },
  defaultParameterSet: 'Path',
  examples: [
    { title: 'Delete a file', code: "Set-Content a.txt 'x'; Remove-Item a.txt; Test-Path a.txt", output: [false] },
    { title: 'A directory with its contents', code: "New-Item -ItemType Directory d/e | Out-Null; Remove-Item d -Recurse; Test-Path d", output: [false] },
    { title: 'Nothing there', code: 'Remove-Item nothing-here', error: 'PathNotFound' },
  ],
  async process(params, ctx) {
    for await (const target of eachItem(ctx, params, params.Force)) {
      const name = target.slice(target.lastIndexOf('/') + 1);
      if (params.Include && !params.Include.some((p) => matchesWildcard(name, p))) continue;
      if (params.Exclude?.some((p) => matchesWildcard(name, p))) continue;
      const stats = (await statOrNull(target))!;
      const directory = !stats.isSymbolicLink() && (await isDirectory(target, stats));
      if (directory && !params.Recurse && (await readdir(target)).length > 0) {
        ctx.writeError({
          id: 'DirectoryNotEmpty',
          category: 'WriteError',
          message: `The item at ${target} has children and the Recurse parameter was not specified.`,
          target,
          hint: 'Add -Recurse to delete the directory with everything in it.',
        });
        continue;
      }
      if (!(await ctx.shouldProcess(target, directory ? 'Remove Directory' : 'Remove File'))) continue;
      await rm(target, { recursive: directory, force: false });
    }
  },
});
