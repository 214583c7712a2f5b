import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { pathNotFound, resolveItems } from '../filesystem.js';

/** Joins two path parts with one separator between them, as PowerShell's provider does. */
function joinTwo(parent: string, child: string): string {
  if (child === '') return parent;
  if (parent === '') return child;
  return `${parent.replace(/[\\/]+$/, '')}/${child.replace(/^[\\/]+/, '')}`;
}

/** .NET's Path.ChangeExtension: the last extension replaced by `extension` (a dot added when missing), or removed by ''. */
function withExtension(path: string, extension: string): string {
  const name = path.lastIndexOf('/') + 1;
  const dot = path.lastIndexOf('.');
  const stem = dot >= name ? path.slice(0, dot) : path;
  return extension === '' ? stem : `${stem}${extension.startsWith('.') ? '' : '.'}${extension}`;
}

export default defineCmdlet({
  name: 'Join-Path',
  synopsis: 'Joins a path and child paths into one path, with one separator between the parts.',
  description: 'The parts are joined as text (the path need not exist); -Resolve resolves the result against the shell\'s location and requires it to exist.',
  parameters: {
    Path: { type: 'string[]', position: 0, mandatory: true, pipeline: 'both', allowEmptyString: true, aliases: ['PSPath'], description: 'The parent paths (each gets the child paths).' },
    ChildPath: { type: 'string[]', position: 1, allowEmptyString: true, allowEmptyCollection: true, description: 'The child paths to append, in order.' },
    AdditionalChildPath: { type: 'string[]', remaining: true, description: 'More parts to append, in order.' },
    Resolve: { type: 'switch', description: 'Outputs the existing items the joined path names (wildcards expanded).' },
    Extension: { type: 'string', allowEmptyString: true, description: "Replaces (or adds) the last part's extension; '' removes it." },
  },
  outputType: { name: 'System.String' },
  examples: [
    { title: 'Two parts', code: "Join-Path 'images' 'win11.wim'", output: ['images/win11.wim'] },
    { title: 'Separators at the seam are not doubled', code: "Join-Path 'a/' '/b' 'c' 'd'", output: ['a/b/c/d'] },
    { title: 'Each parent path gets the child', code: "Join-Path -Path 'x', 'y' -ChildPath 'z'", output: ['x/z', 'y/z'] },
    { title: 'Another extension', code: "Join-Path 'logs' 'deploy.txt' -Extension '.log'", output: ['logs/deploy.log'] },
  ],
  async *process(params, ctx) {
    for (const parent of params.Path) {
      const children = [...(params.ChildPath ?? []), ...(params.AdditionalChildPath ?? [])];
      const path = children.reduce(joinTwo, parent);
      const joined = params.Extension === undefined ? path : withExtension(path, params.Extension);
      if (!params.Resolve) {
        yield joined;
        continue;
      }
      const found = await resolveItems(ctx, joined);
      if (found.length === 0) ctx.writeError(pathNotFound(joined));
      yield* found;
    }
  },
});
