// "Did you mean …?" by edit distance (case-insensitive).

export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[t.length]!;
}

/** Up to three candidates close to `word`, nearest first. */
export function suggest(word: string, candidates: Iterable<string>): string[] {
  const limit = Math.max(2, Math.floor(word.length / 3));
  const scored: [string, number][] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c.toLowerCase())) continue;
    seen.add(c.toLowerCase());
    const d = editDistance(word, c);
    if (d <= limit) scored.push([c, d]);
  }
  return scored
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([c]) => c);
}

/** ` Did you mean -Descending?` or the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>, prefix = ''): string {
  const found = suggest(word, candidates);
  if (found.length === 0) return '';
  return ` Did you mean ${found.map((f) => prefix + f).join(', ')}?`;
}
