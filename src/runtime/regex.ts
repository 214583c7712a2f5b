// .NET regular expressions in JavaScript's engine, and PowerShell's -split and -replace on them.
// Translated: leading inline options `(?imsnx-imsnx)`, IgnorePatternWhitespace (`x`),
// ExplicitCapture (`n`), `(?'name'…)` groups, the anchors \A \Z \z, and .NET's substitution
// syntax ($0, ${name}, $_, $+). Not translatable, and reported as such: inline options inside the
// pattern (`a(?i)b`, `(?i:…)`), RightToLeft, balancing groups.
import { ConversionError, toStr } from './values.js';

export interface RegexOptions {
  ignoreCase: boolean;
  multiline?: boolean;
  singleline?: boolean;
  ignorePatternWhitespace?: boolean;
  explicitCapture?: boolean;
}

const cache = new Map<string, RegExp>();

/** A JavaScript RegExp (global, so it can find every match) for a .NET pattern. */
export function dotNetRegex(pattern: string, options: RegexOptions): RegExp {
  const key = `${+options.ignoreCase}${+!!options.multiline}${+!!options.singleline}${+!!options.ignorePatternWhitespace}${+!!options.explicitCapture}${pattern}`;
  let re = cache.get(key);
  if (re === undefined) {
    re = translate(pattern, { ...options });
    if (cache.size > 500) cache.clear();
    cache.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

const leadingOptions = /^\(\?([imsnx]*)(?:-([imsnx]*))?\)/;

function translate(pattern: string, options: RegexOptions): RegExp {
  let source = pattern;
  const leading = leadingOptions.exec(source);
  if (leading && (leading[1] || leading[2])) {
    setOptions(options, leading[1] ?? '', true);
    setOptions(options, leading[2] ?? '', false);
    source = source.slice(leading[0].length);
  }
  source = rewrite(source, options);
  const flags = `g${options.ignoreCase ? 'i' : ''}${options.multiline ? 'm' : ''}${options.singleline ? 's' : ''}`;
  try {
    return new RegExp(source, `${flags}u`);
  } catch {
    try {
      return new RegExp(source, flags);
    } catch (e) {
      throw new ConversionError(`The regular expression '${pattern}' is not valid: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}.`);
    }
  }
}

function setOptions(options: RegexOptions, letters: string, on: boolean): void {
  for (const letter of letters) {
    if (letter === 'i') options.ignoreCase = on;
    else if (letter === 'm') options.multiline = on;
    else if (letter === 's') options.singleline = on;
    else if (letter === 'x') options.ignorePatternWhitespace = on;
    else if (letter === 'n') options.explicitCapture = on;
  }
}

/** One pass over the pattern: escapes and classes copied, the .NET-only forms rewritten. */
function rewrite(pattern: string, options: RegexOptions): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      i++;
      if (!inClass && next === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && next === 'z') out += '(?![\\s\\S])';
      else if (!inClass && next === 'Z') out += '(?=\\n?(?![\\s\\S]))';
      else out += c + next;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (pattern[i + 1] === ']') out += pattern[++i]; // `[]a]`: a leading ] is literal in .NET
      continue;
    }
    if (options.ignorePatternWhitespace && /\s/.test(c)) continue;
    if (options.ignorePatternWhitespace && c === '#') {
      while (i + 1 < pattern.length && pattern[i + 1] !== '\n') i++;
      continue;
    }
    if (c === '(') {
      const rest = pattern.slice(i + 1, i + 40);
      const quotedName = /^\?'([A-Za-z_]\w*)'/.exec(rest);
      if (quotedName) {
        out += `(?<${quotedName[1]}>`;
        i += quotedName[0].length;
        continue;
      }
      if (/^\?[imsnx-]+[:)]/.test(rest)) {
        throw new ConversionError(`The regular expression option group '(${/^\?[imsnx-]+[:)]/.exec(rest)![0]}' inside a pattern is not supported: put options at the start of the pattern, e.g. '(?i)…'.`);
      }
      if (options.explicitCapture && rest[0] !== '?') {
        out += '(?:';
        continue;
      }
    }
    out += c;
  }
  return out;
}

/** .NET's substitution syntax: $0 $& $1 ${1} ${name} $$ $` $' $+ $_. */
export function substitute(template: string, match: RegExpExecArray, input: string): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '$' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    const next = template[i + 1]!;
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '&') {
      out += match[0];
      i++;
    } else if (next === '`') {
      out += input.slice(0, match.index);
      i++;
    } else if (next === "'") {
      out += input.slice(match.index + match[0].length);
      i++;
    } else if (next === '_') {
      out += input;
      i++;
    } else if (next === '+') {
      out += match[match.length - 1] ?? '';
      i++;
    } else if (next === '{') {
      const end = template.indexOf('}', i + 2);
      const name = end === -1 ? '' : template.slice(i + 2, end);
      const value = /^\d+$/.test(name) ? match[Number(name)] : match.groups?.[name];
      if (end === -1 || (value === undefined && !(/^\d+$/.test(name) ? Number(name) < match.length : match.groups && name in match.groups))) out += c;
      else {
        out += value ?? '';
        i = end;
      }
    } else if (/\d/.test(next)) {
      // The longest run of digits that names a group.
      let digits = '';
      for (let j = i + 1; j < template.length && /\d/.test(template[j]!); j++) if (Number(digits + template[j]) < match.length) digits += template[j];
      if (digits === '') out += c;
      else {
        out += match[Number(digits)] ?? '';
        i += digits.length;
      }
    } else out += c;
  }
  return out;
}

/** Every match of a global regexp in `text`, zero-length ones included (each position once). */
export function allMatches(re: RegExp, text: string): RegExpExecArray[] {
  const matches: RegExpExecArray[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    matches.push(m);
    if (m[0] === '') re.lastIndex = m.index + 1;
    if (re.lastIndex > text.length) break;
  }
  return matches;
}

/**
 * Splits at matches, keeping captured groups, with PowerShell's max-substrings: 0 all, n > 0 at
 * most n from the left (the last holds the rest), n < 0 at most |n| from the right (about_Split).
 */
export function splitAt(text: string, matches: readonly { index: number; length: number; captures: readonly (string | undefined)[] }[], max: number): string[] {
  let used = matches;
  if (max > 0) used = matches.slice(0, max - 1);
  else if (max < 0) used = matches.slice(Math.max(0, matches.length - (-max - 1)));
  const parts: string[] = [];
  let last = 0;
  for (const m of used) {
    parts.push(text.slice(last, m.index));
    for (const capture of m.captures) if (capture !== undefined) parts.push(capture);
    last = m.index + m.length;
  }
  parts.push(text.slice(last));
  return parts;
}

/** The options string or list of -split: `'SimpleMatch,IgnoreCase'`. */
export interface SplitOptions {
  simpleMatch: boolean;
  regex: RegexOptions;
}

const SPLIT_OPTIONS = ['SimpleMatch', 'RegexMatch', 'IgnoreCase', 'CultureInvariant', 'IgnorePatternWhitespace', 'Multiline', 'Singleline', 'ExplicitCapture'];

export function splitOptions(spec: unknown, caseSensitive: boolean): SplitOptions {
  const names = (Array.isArray(spec) ? spec.map(toStr) : spec === undefined || spec === null ? [] : toStr(spec).split(','))
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const given = new Set<string>();
  for (const name of names) {
    const known = SPLIT_OPTIONS.find((o) => o.toLowerCase() === name.toLowerCase());
    if (known === undefined) throw new ConversionError(`Cannot convert value "${name}" to a split option: use ${SPLIT_OPTIONS.join(', ')}.`);
    given.add(known);
  }
  const simpleMatch = given.has('SimpleMatch');
  if (simpleMatch && [...given].some((o) => o !== 'SimpleMatch' && o !== 'IgnoreCase')) {
    throw new ConversionError('Cannot use the SimpleMatch split option with other options than IgnoreCase.');
  }
  return {
    simpleMatch,
    regex: {
      ignoreCase: !caseSensitive || given.has('IgnoreCase'),
      multiline: given.has('Multiline'),
      singleline: given.has('Singleline'),
      ignorePatternWhitespace: given.has('IgnorePatternWhitespace'),
      explicitCapture: given.has('ExplicitCapture'),
    },
  };
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `text -split pattern, max, options`. */
export function splitByPattern(text: string, pattern: string, max: number, options: SplitOptions): string[] {
  const re = dotNetRegex(options.simpleMatch ? escapeRegex(pattern) : pattern, options.regex);
  const matches = allMatches(re, text).map((m) => ({ index: m.index, length: m[0].length, captures: m.slice(1) }));
  return splitAt(text, matches, max);
}

/** Unary `-split text`: on runs of whitespace, ignoring it at the ends. */
export function splitWhitespace(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [''] : trimmed.split(/\s+/);
}

/** `text` with each match replaced by what `by` makes of it. */
export function replaceMatches(text: string, re: RegExp, by: (match: RegExpExecArray) => string): string {
  let out = '';
  let last = 0;
  for (const m of allMatches(re, text)) {
    out += text.slice(last, m.index) + by(m);
    last = m.index + m[0].length;
  }
  return out + text.slice(last);
}
