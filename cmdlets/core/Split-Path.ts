import { posix } from 'node:path';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { pathNotFound, resolveItems } from '../filesystem.js';

const { basename, dirname, extname } = posix;

/** The part of `path` one of Split-Path's switches asks for. */
function part(path: string, params: { Leaf: boolean; LeafBase: boolean; Extension: boolean; IsAbsolute: boolean; Qualifier: boolean; NoQualifier: boolean }): string | boolean {
  const p = path.replaceAll('\\', '/');
  if (params.IsAbsolute) return p.startsWith('/') || p.startsWith('~');
  if (params.Qualifier) return p.startsWith('/') ? '/' : '';
  if (params.NoQualifier) return p;
  const trimmed = p.length > 1 ? p.replace(/\/+$/, '') : p;
  const leaf = trimmed === '/' ? '' : basename(trimmed);
  if (params.Leaf) return leaf;
  if (params.LeafBase) return basename(leaf, extname(leaf));
  if (params.Extension) return extname(leaf);
  if (!trimmed.includes('/')) return '';
  return trimmed === '/' ? '' : dirname(trimmed);
}

export default defineCmdlet({
  name: 'Split-Path',
  synopsis: 'Returns a part of a path: its parent (the default), leaf, leaf without extension, extension, or whether it is absolute.',
  parameters: {
    Path: { type: 'string[]', position: 0, mandatory: true, pipeline: 'both', description: 'The paths to split.' },
    Parent: { type: 'switch', description: 'The parent folder (the default).' },
    Leaf: { type: 'switch', description: 'The last element of the path.' },
    LeafBase: { type: 'switch', description: 'The last element without its extension.' },
    Extension: { type: 'switch', description: "The last element's extension, with its dot." },
    Qualifier: { type: 'switch', description: 'The drive or root part (/ for absolute paths).' },
    NoQualifier: { type: 'switch', description: 'The path without its drive part.' },
    IsAbsolute: { type: 'switch', description: 'Outputs $true when the path is absolute.' },
    Resolve: { type: 'switch', description: 'Resolves the path (wildcards expanded) before splitting; it must exist.' },
  },
  outputType: { name: 'System.String' },
  examples: [
    { title: 'Parent, leaf, base name and extension', code: "$p = '/srv/images/win11.wim'; Split-Path $p; Split-Path $p -Leaf; Split-Path $p -LeafBase; Split-Path $p -Extension", output: ['/srv/images', 'win11.wim', 'win11', '.wim'] },
    { title: 'A bare file name has no parent', code: "Split-Path 'file.txt'", output: [''] },
    { title: 'Absolute or not', code: "Split-Path '/etc' -IsAbsolute; Split-Path 'etc' -IsAbsolute", output: [true, false] },
  ],
  async *process(params, ctx) {
    for (const path of params.Path) {
      const paths = params.Resolve ? await resolveItems(ctx, path) : [path];
      if (params.Resolve && paths.length === 0) ctx.writeError(pathNotFound(path));
      for (const p of paths) yield part(p, params);
    }
  },
});
