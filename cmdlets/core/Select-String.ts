import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { regex } from '../../src/runtime/operators.js';
import { DOTNET_TYPE } from '../../src/runtime/dotnet.js';
import { SHOWN_AS_TEXT, toStr } from '../../src/runtime/values.js';
import { fullPath, pathNotFound, resolveItems } from '../filesystem.js';

interface Match {
  Value: string;
  Index: number;
  Length: number;
  Groups: { Name: string; Value: string; Index: number; Length: number; Success: boolean }[];
}

/** PowerShell's MatchInfo: shown as `file:line:text` (or the line, for piped text). */
class MatchInfo {
  readonly [SHOWN_AS_TEXT] = true;
  readonly [DOTNET_TYPE] = 'Microsoft.PowerShell.Commands.MatchInfo';
  constructor(
    readonly IgnoreCase: boolean,
    readonly LineNumber: number,
    readonly Line: string,
    readonly Path: string,
    readonly Pattern: string,
    readonly Matches: Match[],
    private readonly shownPath: string | null,
  ) {}
  get Filename(): string {
    return this.Path === 'InputStream' ? 'InputStream' : this.Path.slice(this.Path.lastIndexOf('/') + 1);
  }
  toString(): string {
    return this.shownPath === null ? this.Line : `${this.shownPath}:${this.LineNumber}:${this.Line}`;
  }
  toJSON(): Record<string, unknown> {
    return { IgnoreCase: this.IgnoreCase, LineNumber: this.LineNumber, Line: this.Line, Filename: this.Filename, Path: this.Path, Pattern: this.Pattern, Matches: this.Matches };
  }
}

function matchOf(m: RegExpExecArray): Match {
  const groups = [...m].map((v, i) => ({ Name: String(i), Value: v ?? '', Index: v === undefined ? 0 : m.index + Math.max(0, m[0].indexOf(v)), Length: v?.length ?? 0, Success: v !== undefined }));
  for (const [name, v] of Object.entries(m.groups ?? {})) groups.push({ Name: name, Value: v ?? '', Index: 0, Length: v?.length ?? 0, Success: v !== undefined });
  return { Value: m[0], Index: m.index, Length: m[0].length, Groups: groups };
}

export default defineCmdlet({
  name: 'Select-String',
  aliases: ['sls'],
  synopsis: 'Finds text matching regular expressions (or plain text with -SimpleMatch) in piped strings or in files.',
  description:
    'Each matching line is a MatchInfo (Line, LineNumber, Path, Filename, Pattern, Matches with Groups), shown as `file:line:text` for files and as the line for piped text. Matching ignores case unless -CaseSensitive. .NET regular expressions are translated to JavaScript\'s.',
  parameters: {
    Pattern: { type: 'string[]', position: 0, mandatory: true, description: 'Regular expressions (or text, with -SimpleMatch) to find.' },
    Path: { type: 'string[]', position: 1, pipeline: 'property', description: 'Files to search (wildcards allowed).', sets: ['File'] },
    LiteralPath: { type: 'string[]', mandatory: true, aliases: ['PSPath', 'LP'], description: 'Files to search, taken exactly as written.', sets: ['LiteralFile'] },
    InputObject: { type: 'object', mandatory: true, pipeline: 'value', allowNull: true, allowEmptyString: true, description: 'Text to search (each piped object as its text).', sets: ['Object'] },
    SimpleMatch: { type: 'switch', description: 'The patterns are plain text, not regular expressions.' },
    CaseSensitive: { type: 'switch', description: 'Case must match.' },
    NotMatch: { type: 'switch', description: 'Outputs the lines that do not match.' },
    AllMatches: { type: 'switch', description: 'Finds every match in a line, not only the first (see .Matches).' },
    List: { type: 'switch', description: 'Only the first matching line of each file or input.' },
    Quiet: { type: 'switch', description: 'Outputs $true when anything matched, else $false.' },
    Raw: { type: 'switch', description: 'Outputs the matching lines as strings instead of MatchInfo objects.' },
  },
  defaultParameterSet: 'File',
  outputType: { name: 'Microsoft.PowerShell.Commands.MatchInfo' },
  examples: [
    { title: 'Piped text', code: "'alpha', 'beta', 'gamma' | Select-String 'ta|ma' -Raw", output: ['beta', 'gamma'] },
    { title: 'Groups of the match', code: "('id=42' | Select-String 'id=(\\d+)').Matches[0].Groups[1].Value", output: ['42'] },
    { title: 'In a file: line numbers', code: "Set-Content log.txt 'ok', 'ERROR disk', 'ok'; (Select-String -Path log.txt -Pattern error).LineNumber", output: [2] },
    { title: 'Anything at all?', code: "'a', 'b' | Select-String z -Quiet", output: [false] },
  ],
  state: () => ({ matched: false, listed: false }),
  async *process(params, ctx) {
    const expressions = params.Pattern.map((p) => {
      try {
        return regex(params.SimpleMatch ? p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : p, params.CaseSensitive, true);
      } catch (e) {
        throw ctx.error({ id: 'InvalidRegex', category: 'InvalidArgument', message: `The string '${p}' is not a valid regular expression: ${(e as Error).message}`, target: p });
      }
    });
    const state = ctx.state;
    const search = function* (line: string, lineNumber: number, path: string, shownPath: string | null): Generator<unknown> {
      let matches: Match[] = [];
      let pattern = params.Pattern[0]!;
      for (const [i, re] of expressions.entries()) {
        re.lastIndex = 0;
        const found = params.AllMatches ? [...line.matchAll(re)] : [re.exec(line)].filter((m): m is RegExpExecArray => m !== null);
        if (found.length) {
          matches = found.map((m) => matchOf(m as RegExpExecArray));
          pattern = params.Pattern[i]!;
          break;
        }
      }
      if ((matches.length > 0) === params.NotMatch) return;
      state.matched = true;
      if (params.Quiet) return;
      yield params.Raw ? line : new MatchInfo(!params.CaseSensitive, lineNumber, line, path, pattern, matches, shownPath);
    };
    if (params.Path === undefined && params.LiteralPath === undefined) {
      if (params.InputObject === undefined || (params.List && state.listed)) return;
      for (const out of search(toStr(params.InputObject), 1, 'InputStream', null)) {
        state.listed = true;
        yield out;
      }
      return;
    }
    const literal = params.LiteralPath !== undefined;
    for (const path of params.LiteralPath ?? params.Path ?? []) {
      const files = await resolveItems(ctx, path, { literal });
      if (files.length === 0) ctx.writeError(pathNotFound(fullPath(ctx, path)));
      for (const file of files) {
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EISDIR') continue;
          throw e;
        }
        const lines = text.split(/\r?\n/);
        if (lines.at(-1) === '') lines.pop();
        const shown = relative(ctx.location, file);
        for (const [i, line] of lines.entries()) {
          let found = false;
          for (const out of search(line, i + 1, file, shown.startsWith('..') ? file : shown)) {
            found = true;
            yield out;
          }
          if (found && params.List) break;
        }
      }
    }
  },
  *end(params, ctx) {
    if (params.Quiet) yield ctx.state.matched;
  },
});
