import { homedir } from 'node:os';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { PathInfo, fullPath, isDirectory, pathNotFound, resolveItems, statOrNull } from '../filesystem.js';

export default defineCmdlet({
  name: 'Set-Location',
  aliases: ['sl', 'cd', 'chdir'],
  synopsis: "Moves the shell's location: relative paths in later commands resolve against it.",
  description: "Without a path it goes to the home directory. The path must name one directory (wildcards allowed if they match one). The location is the shell's own: it does not change the directory of programs the shell started earlier.",
  parameters: {
    Path: { type: 'string', position: 0, pipeline: 'both', allowEmptyString: true, description: 'The directory to go to (default: home).', sets: ['Path'] },
    LiteralPath: { type: 'string', mandatory: true, aliases: ['PSPath', 'LP'], pipeline: 'property', description: 'The directory, taken exactly as written.', sets: ['LiteralPath'] },
    PassThru: { type: 'switch', description: 'Outputs the new location.' },
  },
  defaultParameterSet: 'Path',
  outputType: { name: 'System.Management.Automation.PathInfo', view: { properties: ['Path'] } },
  examples: [
    { title: 'Into a directory and back up', code: "New-Item -ItemType Directory sub | Out-Null; cd sub; Split-Path $PWD -Leaf; cd ..; Test-Path sub", output: ['sub', true] },
    { title: 'A directory that is not there', code: 'Set-Location no-such-dir', error: 'PathNotFound' },
  ],
  async *process(params, ctx) {
    const literal = params.LiteralPath !== undefined;
    const path = params.LiteralPath ?? params.Path;
    const targets = path === undefined || path === '' ? [homedir()] : await resolveItems(ctx, path, { literal });
    if (targets.length !== 1) {
      if (targets.length === 0) throw ctx.error(pathNotFound(fullPath(ctx, path!)));
      throw ctx.error({ id: 'AmbiguousPath', category: 'InvalidArgument', message: `Cannot resolve path '${path}' to a single item: it matches ${targets.length}.`, target: path });
    }
    const target = targets[0]!;
    const stats = await statOrNull(target);
    if (!stats || !(await isDirectory(target, stats))) throw ctx.error(pathNotFound(target));
    ctx.setLocation(target);
    if (params.PassThru) yield new PathInfo(target);
  },
});
