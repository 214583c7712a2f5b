// PowerShell wildcards (`*`, `?`, `[a-z]`, backtick escapes) as regular expressions.

const cache = new Map<string, RegExp>();

export function wildcardToRegExp(pattern: string, caseSensitive = false): RegExp {
  const key = `${caseSensitive ? 'c' : 'i'}${pattern}`;
  const cached = cache.get(key);
  if (cached) return cached;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '`' && i + 1 < pattern.length) source += escape(pattern[++i]!);
    else if (ch === '*') source += '[\\s\\S]*';
    else if (ch === '?') source += '[\\s\\S]';
    else if (ch === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) source += '\\[';
      else {
        source += `[${pattern.slice(i + 1, close).replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else source += escape(ch);
  }
  const re = new RegExp(`^${source}$`, caseSensitive ? 'u' : 'iu');
  if (cache.size > 500) cache.clear();
  cache.set(key, re);
  return re;
}

function escape(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

/** Whether the text has a wildcard character that is not escaped with a backtick. */
export function isWildcard(text: string): boolean {
  return /(?:^|[^`])(?:``)*[*?[]/.test(text);
}

export function matchesWildcard(text: string, pattern: string, caseSensitive = false): boolean {
  return wildcardToRegExp(pattern, caseSensitive).test(text);
}
