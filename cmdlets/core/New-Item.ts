import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { toStr } from '../../src/runtime/values.js';
import { ITEM_OUTPUT, fullPath, isDirectory, itemOf, statOrNull } from '../filesystem.js';

export default defineCmdlet({
  name: 'New-Item',
  aliases: ['ni'],
  synopsis: 'Creates a file (optionally with content), a directory, or a symbolic link, and outputs it.',
  description:
    'A file that exists is an error unless -Force, which replaces it; a directory that exists is an error unless -Force, which returns it. Directories are created with their missing parents; a file needs its directory unless -Force.',
  impact: 'medium',
  parameters: {
    Path: { type: 'string[]', position: 0, pipeline: 'property', description: 'Where to create the item (with -Name: the directory it goes in; default: the location).' },
    Name: { type: 'string', pipeline: 'property', description: 'The name of the new item, inside -Path.' },
    ItemType: { type: 'enum', values: ['File', 'Directory', 'SymbolicLink'], default: 'File', aliases: ['Type'], description: 'What to create.' },
    Value: { type: 'object', pipeline: 'value', aliases: ['Target'], description: "A new file's content, or a link's target." },
    Force: { type: 'switch', description: 'Replaces an existing file, returns an existing directory, creates missing parent directories.' },
  },
  outputType: ITEM_OUTPUT,
  examples: [
    { title: 'A file with content', code: "New-Item notes.txt -Value 'hello' | Out-Null; Get-Content notes.txt", output: ['hello'] },
    { title: 'Nested directories at once', code: "(New-Item -ItemType Directory a/b/c).FullName -like '*a/b/c'", output: [true] },
    { title: 'A file that exists', code: "Set-Content x.txt 'x'; New-Item x.txt", error: 'NewItemIOError' },
  ],
  async *process(params, ctx) {
    const bases = params.Path ?? (params.Name !== undefined ? ['.'] : []);
    if (bases.length === 0) throw ctx.error({ id: 'ArgumentNull', category: 'InvalidArgument', message: 'New-Item needs -Path (or -Name): where to create the item.' });
    for (const base of bases) {
      const path = fullPath(ctx, params.Name !== undefined ? join(base, params.Name) : base);
      const existing = await statOrNull(path);
      const directory = params.ItemType === 'Directory';
      if (existing && directory && (await isDirectory(path, existing))) {
        if (!params.Force) {
          ctx.writeError({ id: 'DirectoryExist', category: 'ResourceExists', message: `An item with the specified name ${path} already exists.`, target: path });
          continue;
        }
        yield await itemOf(path);
        continue;
      }
      if (existing && !params.Force) {
        ctx.writeError({ id: 'NewItemIOError', category: 'WriteError', message: `The file '${path}' already exists.`, target: path });
        continue;
      }
      if (!(await ctx.shouldProcess(`Destination: ${path}`, `Create ${params.ItemType === 'File' ? 'File' : params.ItemType}`))) continue;
      if (directory) await mkdir(path, { recursive: true });
      else {
        const parent = dirname(path);
        if (!(await statOrNull(parent))) {
          if (!params.Force) {
            ctx.writeError({ id: 'NewItemIOError', category: 'WriteError', message: `Could not find a part of the path '${path}'.`, target: path });
            continue;
          }
          await mkdir(parent, { recursive: true });
        }
        if (params.ItemType === 'SymbolicLink') {
          if (params.Value === undefined || params.Value === null) throw ctx.error({ id: 'ArgumentNull', category: 'InvalidArgument', message: 'A symbolic link needs -Value (or -Target): the path it points to.' });
          await symlink(toStr(params.Value), path);
        } else await writeFile(path, params.Value === undefined || params.Value === null ? '' : toStr(params.Value));
      }
      yield await itemOf(path);
    }
  },
});
