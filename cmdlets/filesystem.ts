// What the file-system cmdlets share: paths relative to the shell's location (with `~` and
// PowerShell wildcards), the item objects PowerShell's FileSystem provider outputs (FileInfo and
// DirectoryInfo's common properties), PathInfo, and the provider's error records.
import type { Stats } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import type { CmdletContext, OutputType } from '../src/runtime/cmdlet.js';
import type { ErrorInit } from '../src/runtime/errors.js';
import { withTypeName } from '../src/runtime/values.js';
import { isWildcard, matchesWildcard } from '../src/runtime/wildcard.js';

export const FILE_TYPE = 'System.IO.FileInfo';
export const DIRECTORY_TYPE = 'System.IO.DirectoryInfo';

/** The default view of files and directories (PowerShell's `Mode LastWriteTime Length Name`). */
export const ITEM_OUTPUT: OutputType = {
  name: FILE_TYPE,
  alsoFor: [DIRECTORY_TYPE],
  view: { properties: ['Mode', 'LastWriteTime', 'Length', 'Name'] },
};

/** PowerShell's PathInfo: `(Get-Location).Path`, and the path itself where text is wanted (`"$(Get-Location)"`). */
export class PathInfo {
  constructor(readonly Path: string) {}
  toString(): string {
    return this.Path;
  }
  toJSON(): { Path: string } {
    return { Path: this.Path };
  }
}

/** `~` and `~/x` are the home directory, as in PowerShell's FileSystem provider. */
function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/') || path.startsWith('~\\')) return join(homedir(), path.slice(2));
  return path;
}

/** The absolute path of `path` from the shell's location (no wildcard expansion). */
export function fullPath(ctx: CmdletContext, path: string): string {
  return ctx.resolvePath(expandHome(path.replaceAll('\\', '/')));
}

/** PowerShell's ItemNotFoundException record: `Cannot find path '…' because it does not exist.` */
export function pathNotFound(path: string): ErrorInit {
  return { id: 'PathNotFound', category: 'ObjectNotFound', message: `Cannot find path '${path}' because it does not exist.`, target: path };
}

export async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch {
    return null;
  }
}

const isHidden = (name: string) => name.startsWith('.');
const byName = (a: string, b: string) => {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
};

/** A path segment without wildcard escapes (`` a`[1`].txt `` names `a[1].txt`). */
const unescape = (segment: string) => segment.replace(/`(.)/g, '$1');

/**
 * The existing paths `path` names: itself when it has no wildcard (or is literal), else every
 * match, segment by segment, sorted by name. Hidden entries (dot files) match a wildcard only
 * with `force` or a pattern that starts with a dot, as in PowerShell on Unix.
 */
export async function resolveItems(ctx: CmdletContext, path: string, options: { literal?: boolean; force?: boolean } = {}): Promise<string[]> {
  const full = fullPath(ctx, path);
  if (options.literal || !isWildcard(full)) {
    const literal = options.literal ? full : unescape(full);
    return (await statOrNull(literal)) ? [literal] : [];
  }
  let bases: string[] = [sep];
  for (const segment of full.split(sep).filter((s) => s !== '')) {
    if (!isWildcard(segment)) {
      bases = bases.map((b) => join(b, unescape(segment)));
      continue;
    }
    const next: string[] = [];
    for (const base of bases) {
      let names: string[];
      try {
        names = await readdir(base);
      } catch {
        continue;
      }
      const showHidden = options.force || segment.startsWith('.');
      for (const name of names.sort(byName)) {
        if ((showHidden || !isHidden(name)) && matchesWildcard(name, segment)) next.push(join(base, name));
      }
    }
    bases = next;
  }
  const found: string[] = [];
  for (const p of bases) if (await statOrNull(p)) found.push(p);
  return found;
}

/** Whether `path` (its lstat) is a directory or a symbolic link to one (DirectoryInfo either way). */
export async function isDirectory(path: string, stats: Stats): Promise<boolean> {
  if (stats.isDirectory()) return true;
  return stats.isSymbolicLink() && ((await stat(path).catch(() => null))?.isDirectory() ?? false);
}

export interface Entry {
  path: string;
  stats: Stats;
  directory: boolean;
}

/** The parameters of the cmdlets that take items: -Path (wildcards) or -LiteralPath, in two parameter sets. */
export function itemPathParameters(what: string) {
  return {
    Path: { type: 'string[]', position: 0, mandatory: true, pipeline: 'both', description: `${what} (wildcards allowed).`, sets: ['Path'] },
    LiteralPath: { type: 'string[]', mandatory: true, aliases: ['PSPath', 'LP'], pipeline: 'property', description: `${what}, taken exactly as written.`, sets: ['LiteralPath'] },
  } as const;
}

/** Every existing item that -Path or -LiteralPath names; a path that names nothing is a PathNotFound error, and the others go on. */
export async function* eachItem(ctx: CmdletContext, params: { Path?: string[]; LiteralPath?: string[] }, force = false): AsyncGenerator<string> {
  const literal = params.LiteralPath !== undefined;
  for (const path of params.LiteralPath ?? params.Path ?? []) {
    const found = await resolveItems(ctx, path, { literal, force });
    if (found.length === 0) ctx.writeError(pathNotFound(fullPath(ctx, path)));
    yield* found;
  }
}

/** Where Copy-Item / Move-Item put `source`: inside `destination` when that is a directory, else at it. */
export async function destinationOf(source: string, destination: string): Promise<string> {
  const stats = await statOrNull(destination);
  return stats && (await isDirectory(destination, stats)) ? join(destination, basename(source)) : destination;
}

/** The entries of a directory as PowerShell lists them: directories first, then files, each by name. */
export async function listDirectory(dir: string, force: boolean): Promise<Entry[]> {
  const names = (await readdir(dir)).filter((n) => force || !isHidden(n)).sort(byName);
  const entries: Entry[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const stats = await statOrNull(path);
    if (stats) entries.push({ path, stats, directory: await isDirectory(path, stats) });
  }
  return [...entries.filter((e) => e.directory), ...entries.filter((e) => !e.directory)];
}

function unixMode(stats: Stats): string {
  const type = stats.isDirectory() ? 'd' : stats.isSymbolicLink() ? 'l' : '-';
  const bits = 'rwxrwxrwx';
  let text = type;
  for (let i = 0; i < 9; i++) text += stats.mode & (1 << (8 - i)) ? bits[i] : '-';
  return text;
}

/** The FileInfo / DirectoryInfo object of an item (its lstat), with PowerShell's property names. */
export async function itemOf(path: string, stats?: Stats): Promise<Record<string, unknown>> {
  const own = stats ?? (await lstat(path));
  const directory = await isDirectory(path, own);
  const name = path === sep ? sep : basename(path);
  const extension = directory && !name.includes('.') ? '' : extname(name);
  const writable = (own.mode & 0o200) !== 0;
  const mode = `${own.isSymbolicLink() ? 'l' : directory ? 'd' : '-'}-${writable ? '-' : 'r'}${isHidden(name) ? 'h' : '-'}-`;
  const item: Record<string, unknown> = {
    Name: name,
    FullName: path,
    Mode: mode,
    UnixMode: unixMode(own),
    LastWriteTime: own.mtime,
    CreationTime: own.birthtime,
    LastAccessTime: own.atime,
  };
  if (!directory) item.Length = own.size;
  Object.assign(item, {
    Extension: extension,
    BaseName: directory ? name : basename(name, extension),
    PSIsContainer: directory,
    Exists: true,
    LinkType: own.isSymbolicLink() ? 'SymbolicLink' : null,
  });
  if (directory) item.Parent = path === sep ? null : dirname(path);
  else item.DirectoryName = dirname(path);
  return withTypeName(item, directory ? DIRECTORY_TYPE : FILE_TYPE);
}

/** `./x` or `../x`, as Resolve-Path -Relative writes paths. */
export function relativePath(from: string, to: string): string {
  const rel = relative(from, to);
  if (rel === '') return '.';
  return rel.startsWith('..') ? rel : `.${sep}${rel}`;
}
