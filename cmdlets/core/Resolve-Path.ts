import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { PathInfo, eachItem, fullPath, itemPathParameters, relativePath } from '../filesystem.js';

export default defineCmdlet({
  name: 'Resolve-Path',
  aliases: ['rvpa'],
  synopsis: 'Resolves paths (with wildcards) to the full paths of the existing items they name.',
  description: 'Outputs PathInfo objects (`.Path`; the path itself in text), or with -Relative paths such as ./x relative to the shell\'s location. A path that names nothing is an error.',
  parameters: {
    ...itemPathParameters('The paths to resolve'),
    Relative: { type: 'switch', description: 'Outputs paths relative to the location (./x, ../y).' },
    RelativeBasePath: { type: 'string', description: 'With -Relative: the folder the paths are made relative to, instead of the location.' },
  },
  defaultParameterSet: 'Path',
  outputType: { name: 'System.Management.Automation.PathInfo', view: { properties: ['Path'] } },
  examples: [
    { title: 'Relative to the location', code: "Set-Content a.txt 'x'; Resolve-Path a.txt -Relative", output: ['./a.txt'] },
    { title: 'Wildcards give every match', code: "Set-Content a.log 'x'; Set-Content b.log 'x'; (Resolve-Path *.log -Relative).Count", output: [2] },
    { title: 'Nothing there', code: 'Resolve-Path nothing-here', error: 'PathNotFound' },
  ],
  async *process(params, ctx) {
    const base = params.RelativeBasePath !== undefined ? fullPath(ctx, params.RelativeBasePath) : ctx.location;
    for await (const p of eachItem(ctx, params)) yield params.Relative ? relativePath(base, p) : new PathInfo(p);
  },
});
