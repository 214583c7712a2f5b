// PowerShell wildcards (`*`, `?`, `[a-z]`, backtick escapes), matched without regular
// expressions: a pattern of any length (a 70,000-character name) compiles to a token list, and
// matching takes at most (text length × pattern length) steps, whatever the input.

type Token = { kind: 'star' } | { kind: 'one' } | { kind: 'char'; ch: string } | { kind: 'class'; ranges: [string, string][] };

const cache = new Map<string, Token[]>();

/** Case-insensitive patterns are compiled lower-cased; text is lower-cased before matching. */
function compile(pattern: string, caseSensitive: boolean): Token[] {
  const key = `${caseSensitive ? 'c' : 'i'}${pattern}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const chars = Array.from(caseSensitive ? pattern : pattern.toLowerCase());
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '`' && i + 1 < chars.length) tokens.push({ kind: 'char', ch: chars[++i]! });
    else if (ch === '*') {
      // `**` matches what `*` matches: one star keeps the matching linear.
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (ch === '?') tokens.push({ kind: 'one' });
    else if (ch === '[' && chars.indexOf(']', i + 1) > i + 1) {
      const close = chars.indexOf(']', i + 1);
      const ranges: [string, string][] = [];
      for (let j = i + 1; j < close; j++) {
        if (chars[j + 1] === '-' && j + 2 < close) {
          ranges.push([chars[j]!, chars[j + 2]!]);
          j += 2;
        } else ranges.push([chars[j]!, chars[j]!]);
      }
      tokens.push({ kind: 'class', ranges });
      i = close;
    } else tokens.push({ kind: 'char', ch });
  }
  if (cache.size > 500) cache.clear();
  cache.set(key, tokens);
  return tokens;
}

function matchesOne(token: Token, ch: string): boolean {
  switch (token.kind) {
    case 'one':
      return true;
    case 'char':
      return token.ch === ch;
    case 'class':
      return token.ranges.some(([from, to]) => from <= ch && ch <= to);
    case 'star':
      return false;
  }
}

export function matchesWildcard(text: string, pattern: string, caseSensitive = false): boolean {
  const tokens = compile(pattern, caseSensitive);
  const chars = Array.from(caseSensitive ? text : text.toLowerCase());
  // Greedy, going back only to the last star: an earlier star never needs to take more.
  let t = 0;
  let p = 0;
  let star = -1;
  let starAt = 0;
  while (t < chars.length) {
    const token = tokens[p];
    if (token && token.kind !== 'star' && matchesOne(token, chars[t]!)) {
      t++;
      p++;
    } else if (token?.kind === 'star') {
      star = p++;
      starAt = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++starAt;
    } else return false;
  }
  while (tokens[p]?.kind === 'star') p++;
  return p === tokens.length;
}

/** Whether the text has a wildcard character that is not escaped with a backtick. */
export function isWildcard(text: string): boolean {
  return /(?:^|[^`])(?:``)*[*?[]/.test(text);
}
