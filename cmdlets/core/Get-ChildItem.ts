import { basename, dirname, relative } from 'node:path';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { isWildcard, matchesWildcard } from '../../src/runtime/wildcard.js';
import { ITEM_OUTPUT, fullPath, isDirectory, itemOf, listDirectory, pathNotFound, resolveItems, statOrNull, type Entry } from '../filesystem.js';

export default defineCmdlet({
  name: 'Get-ChildItem',
  aliases: ['gci', 'ls', 'dir'],
  synopsis: 'Lists the files and directories in a directory (the location by default), optionally recursively.',
  description:
    'Directories come first, then files, each by name. Hidden items (names starting with a dot) are listed with -Force. A path with wildcards lists the matching items; a file path outputs that file. -Name outputs names (relative paths with -Recurse) instead of objects.',
  parameters: {
    Path: { type: 'string[]', position: 0, pipeline: 'both', description: 'Directories or files to list (wildcards allowed; default: the location).', sets: ['Items'] },
    LiteralPath: { type: 'string[]', mandatory: true, aliases: ['PSPath', 'LP'], pipeline: 'property', description: 'Paths taken exactly as written.', sets: ['LiteralPath'] },
    Filter: { type: 'string', position: 1, description: 'A wildcard the names must match (e.g. *.wim).' },
    Include: { type: 'string[]', description: 'Only names matching one of these wildcards.' },
    Exclude: { type: 'string[]', description: 'Leaves out names matching one of these wildcards.' },
    Recurse: { type: 'switch', aliases: ['s'], description: 'Lists subdirectories too, all the way down.' },
    Depth: { type: 'int', validate: { range: [0, 2 ** 31 - 1] }, description: 'With recursion: how many levels below the path (implies -Recurse).' },
    File: { type: 'switch', description: 'Only files.' },
    Directory: { type: 'switch', aliases: ['ad'], description: 'Only directories.' },
    Name: { type: 'switch', description: 'Outputs names (relative paths) instead of objects.' },
    Force: { type: 'switch', description: 'Lists hidden items too.' },
  },
  defaultParameterSet: 'Items',
  outputType: ITEM_OUTPUT,
  examples: [
    { title: 'Names in a directory: directories first', code: "Set-Content b.txt 'x'; New-Item -ItemType Directory a | Out-Null; Get-ChildItem -Name", output: ['a', 'b.txt'] },
    { title: 'Recursively, only files, by wildcard', code: "New-Item -ItemType Directory d | Out-Null; Set-Content d/x.wim 'x'; Set-Content y.txt 'y'; Get-ChildItem -Recurse -File -Filter *.wim | ForEach-Object Name", output: ['x.wim'] },
    { title: 'File objects', code: "Set-Content a.txt 'hello'; (Get-ChildItem a.txt).Length", output: [6] },
    { title: 'A path that is not there', code: 'Get-ChildItem nothing-here', error: 'PathNotFound' },
  ],
  async *process(params, ctx) {
    const literal = params.LiteralPath !== undefined;
    const paths = params.LiteralPath ?? params.Path ?? ['.'];
    const maxDepth = params.Depth ?? (params.Recurse ? Infinity : 0);
    /** With -Recurse a wildcard leaf (`*.txt`) is a filter applied at every level, as in PowerShell. */
    let leafFilter: string | undefined;
    const keep = (entry: Entry): boolean => {
      const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
      if (leafFilter && !matchesWildcard(name, leafFilter)) return false;
      if (params.File && entry.directory) return false;
      if (params.Directory && !entry.directory) return false;
      if (params.Filter && !matchesWildcard(name, params.Filter)) return false;
      if (params.Include && !params.Include.some((p) => matchesWildcard(name, p))) return false;
      if (params.Exclude?.some((p) => matchesWildcard(name, p))) return false;
      return true;
    };
    async function* emit(entry: Entry, base: string) {
      if (keep(entry)) yield params.Name ? relative(base, entry.path) || entry.path.slice(entry.path.lastIndexOf('/') + 1) : await itemOf(entry.path, entry.stats);
    }
    async function* walk(dir: string, base: string, depth: number): AsyncGenerator<unknown> {
      const entries = await listDirectory(dir, params.Force);
      for (const entry of entries) yield* emit(entry, base);
      if (depth >= maxDepth) return;
      // Recursion does not follow links to directories (no cycles), as in PowerShell without -FollowSymlink.
      for (const entry of entries) if (entry.directory && !entry.stats.isSymbolicLink()) yield* walk(entry.path, base, depth + 1);
    }
    for (const given of paths) {
      let path = given;
      leafFilter = undefined;
      if (params.Recurse && !literal && isWildcard(basename(path))) {
        leafFilter = basename(path);
        path = dirname(path);
      }
      const found = await resolveItems(ctx, path, { literal, force: params.Force });
      if (found.length === 0) {
        ctx.writeError(pathNotFound(fullPath(ctx, path)));
        continue;
      }
      const wildcardMatches = found.length > 1 || found[0] !== fullPath(ctx, path);
      for (const match of found) {
        const stats = (await statOrNull(match))!;
        const directory = await isDirectory(match, stats);
        if (directory && !wildcardMatches) yield* walk(match, match, 0);
        else {
          yield* emit({ path: match, stats, directory }, ctx.location);
          if (directory && params.Recurse) yield* walk(match, ctx.location, 1);
        }
      }
    }
  },
});
