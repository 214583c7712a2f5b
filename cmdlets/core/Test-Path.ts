import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { getEnvironment, onDrive } from '../../src/runtime/drives.js';
import { isDirectory, resolveItems, statOrNull } from '../filesystem.js';

export default defineCmdlet({
  name: 'Test-Path',
  synopsis: 'Tells whether a path exists ($true or $false), optionally only as a file (Leaf) or directory (Container).',
  description:
    'Paths are relative to the shell\'s location and may hold wildcards: the answer is $true when anything matches. An empty path is $false; a null one is an error (Test-Path.Tests.ps1). With -IsValid it only checks that the path could name a file.',
  parameters: {
    Path: { type: 'string[]', position: 0, mandatory: true, allowEmptyString: true, allowEmptyCollection: true, pipeline: 'both', description: 'The paths to test (wildcards allowed).', sets: ['Path'] },
    LiteralPath: { type: 'string[]', mandatory: true, aliases: ['PSPath', 'LP'], pipeline: 'property', description: 'Paths taken exactly as written (no wildcards).', sets: ['LiteralPath'] },
    PathType: { type: 'enum', values: ['Any', 'Container', 'Leaf'], default: 'Any', aliases: ['Type'], description: 'Any item, a directory (Container) or a file (Leaf).' },
    IsValid: { type: 'switch', description: 'Tests only that the path is well formed, not that it exists.' },
    NewerThan: { type: 'date', description: 'Only items written after this time count.' },
    OlderThan: { type: 'date', description: 'Only items written before this time count.' },
  },
  defaultParameterSet: 'Path',
  outputType: { name: 'System.Boolean' },
  examples: [
    { title: 'A file that exists and one that does not', code: "Set-Content a.txt 'x'; Test-Path a.txt; Test-Path missing.txt", output: [true, false] },
    { title: 'Only directories count', code: "New-Item -ItemType Directory d | Out-Null; Test-Path d -PathType Container; Test-Path d -PathType Leaf", output: [true, false] },
    { title: 'Wildcards: any match', code: "Set-Content x.log 'x'; Test-Path *.log", output: [true] },
  ],
  async *process(params, ctx) {
    const literal = params.LiteralPath !== undefined;
    const paths = params.LiteralPath ?? params.Path ?? [];
    if (paths.length === 0) yield false;
    for (const path of paths) {
      if (path === '') {
        yield false;
        continue;
      }
      if (params.IsValid) {
        yield !path.includes('\0');
        continue;
      }
      // env:NAME and variable:name: whether that environment variable or shell variable exists.
      const drive = onDrive(path);
      if (drive) {
        yield drive.drive === 'env' ? getEnvironment(drive.name) !== null : ctx.listVariables().some((v) => v.name.toLowerCase() === drive.name.toLowerCase());
        continue;
      }
      let found = false;
      for (const match of await resolveItems(ctx, path, { literal, force: true })) {
        const stats = await statOrNull(match);
        if (!stats) continue;
        if (params.PathType !== 'Any' && (await isDirectory(match, stats)) !== (params.PathType === 'Container')) continue;
        if (params.NewerThan && !(stats.mtime > params.NewerThan)) continue;
        if (params.OlderThan && !(stats.mtime < params.OlderThan)) continue;
        found = true;
        break;
      }
      yield found;
    }
  },
});
