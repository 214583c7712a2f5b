// Tab completion for the interactive shell: command names, script files, parameter names, enum and
// validated values, a parameter's own value completer (live names from the engine), file paths
// and variables. The command line is split into words by hand: completion must work on
// half-typed, unparsable text.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ParameterDeclaration } from './cmdlet.js';
import type { Session } from './session.js';

export interface Completion {
  /** Offsets in the line of the text the candidates replace. */
  start: number;
  end: number;
  candidates: string[];
}

interface Word {
  text: string;
  start: number;
}

/** Characters that end a command (so the next word is a command name again). */
const COMMAND_BREAKS = new Set(['|', ';', '{', '(', '\n']);

/** The words of the command the cursor is in, up to the cursor (quotes kept). */
function commandWords(text: string): Word[] {
  let words: Word[] = [];
  let current: Word | null = null;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      current!.text += ch;
      continue;
    }
    if (COMMAND_BREAKS.has(ch)) {
      words = [];
      current = null;
    } else if (/\s/.test(ch)) {
      current = null;
    } else {
      if (!current) {
        current = { text: '', start: i };
        words.push(current);
      }
      if (ch === "'" || ch === '"') quote = ch;
      current.text += ch;
    }
  }
  // After a space the cursor starts a new, empty word.
  if (!current || text.length === 0) words.push({ text: '', start: text.length });
  return words;
}

const unquote = (text: string) => text.replace(/^['"]/, '').replace(/['"]$/, '');
const quoteIfNeeded = (text: string) => (/[\s'"$;|(){}]/.test(text) ? `'${text.replace(/'/g, "''")}'` : text);
const startsWith = (candidate: string, prefix: string) => candidate.toLowerCase().startsWith(prefix.toLowerCase());

function resolveParameter(parameters: Record<string, ParameterDeclaration>, typed: string): [string, ParameterDeclaration] | undefined {
  const lower = typed.toLowerCase();
  const entries = Object.entries(parameters);
  const exact = entries.find(([name, p]) => name.toLowerCase() === lower || p.aliases?.some((a) => a.toLowerCase() === lower));
  if (exact) return exact;
  const prefixed = entries.filter(([name]) => name.toLowerCase().startsWith(lower));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** Candidates for the word before `cursor` in `line`. */
export async function complete(session: Session, line: string, cursor: number): Promise<Completion> {
  const words = commandWords(line.slice(0, cursor));
  const word = words[words.length - 1]!;
  const result = (candidates: Iterable<string>, prefix: string): Completion => ({
    start: word.start,
    end: cursor,
    candidates: [...new Set([...candidates].filter((c) => startsWith(c, prefix)))].sort((a, b) => a.localeCompare(b)),
  });

  if (word.text.startsWith('$')) return result(session.global.list().map((v) => `$${v.name}`), word.text);
  // A first word that is a path names a script: directories and .mcs files.
  if (words.length === 1 && /^['"]?\.|\//.test(word.text)) {
    const paths = await completePath(session.cwd, unquote(word.text), (name, isDirectory) => isDirectory || name.endsWith('.mcs'));
    return result(paths.map(quoteIfNeeded), '');
  }
  if (words.length === 1) {
    const functions = session.global.listFunctions().map((f) => f.name);
    return result([...session.commandEntries.map((e) => e.name), ...functions], word.text);
  }

  const entry = session.findCmdlet(words[0]!.text);
  if (!entry) return result([], word.text);
  const { parameters } = await session.loadCmdlet(entry);
  if (word.text.startsWith('-')) return result(Object.keys(parameters).map((name) => `-${name}`), word.text);

  // Which parameter this value belongs to: the named one before it, or the next free position.
  const bound: Record<string, unknown> = {};
  let position = 0;
  let target: ParameterDeclaration | undefined;
  for (let i = 1; i < words.length; i++) {
    const text = words[i]!.text;
    const named = text.startsWith('-') ? resolveParameter(parameters, text.slice(1)) : undefined;
    if (named) {
      if (named[1].type === 'switch') {
        bound[named[0]] = true;
        continue;
      }
      if (i + 1 === words.length - 1) target = named[1];
      else if (i + 1 < words.length) bound[named[0]] = unquote(words[i + 1]!.text);
      i++;
      continue;
    }
    if (i === words.length - 1) {
      target ??= Object.values(parameters).find((p) => p.position === position);
      break;
    }
    const positional = Object.entries(parameters).find(([, p]) => p.position === position);
    if (positional) bound[positional[0]] = unquote(text);
    position++;
  }
  if (!target) return result([], word.text);
  const prefix = unquote(word.text);
  const values = [...(target.values ?? []), ...(target.validate?.set ?? [])];
  if (target.complete === 'path') values.push(...(await completePath(session.cwd, prefix, () => true)));
  else if (target.complete) values.push(...(await target.complete({ prefix, boundParameters: bound, site: session.site })));
  return result(values.filter((v) => startsWith(v, prefix)).map(quoteIfNeeded), '');
}

/**
 * Paths that complete `typed` (relative to `cwd`), those `wanted`
 * keeps; directories end with '/'. Hidden entries only when the typed name starts with a dot.
 */
async function completePath(cwd: string, typed: string, wanted: (name: string, isDirectory: boolean) => boolean): Promise<string[]> {
  const directory = typed.slice(0, typed.lastIndexOf('/') + 1);
  const name = typed.slice(directory.length);
  const where = resolve(cwd, directory || '.');
  const entries: Dirent[] = await readdir(where, { withFileTypes: true }).catch(() => []);
  const found = await Promise.all(
    entries
      .filter((entry) => startsWith(entry.name, name) && (name.startsWith('.') || !entry.name.startsWith('.')))
      .map(async (entry) => {
        // A link to a directory completes as one.
        const isDirectory = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(resolve(where, entry.name)).then((s) => s.isDirectory(), () => false)));
        return wanted(entry.name, isDirectory) ? `${directory}${entry.name}${isDirectory ? '/' : ''}` : null;
      }),
  );
  return found.filter((path) => path !== null);
}

/** A candidate as it goes into the line: a space after it, except after a directory (more may follow). */
export const completedWord = (candidate: string): string => (/\/'?$/.test(candidate) ? candidate : `${candidate} `);

/** The longest prefix all candidates share (case-insensitively), in the first candidate's spelling. */
export function commonPrefix(candidates: readonly string[]): string {
  if (candidates.length === 0) return '';
  let length = candidates[0]!.length;
  for (const candidate of candidates) {
    let i = 0;
    while (i < length && i < candidate.length && candidate[i]!.toLowerCase() === candidates[0]![i]!.toLowerCase()) i++;
    length = i;
  }
  return candidates[0]!.slice(0, length);
}
