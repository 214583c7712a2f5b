// Fuzz test of the script parser: random and mutated scripts go through parseScript, and each must
// either parse or throw a ScriptSyntaxError whose span lies inside the text — never another
// exception, never a hang. The corpus is the real scripts: examples/*.mcs, the README's code blocks
// and every cmdlet's declared examples. The PRNG is seeded (MCSHELL_FUZZ_SEED overrides the seed,
// MCSHELL_FUZZ_CASES the number of cases), and a failure prints the seed, the case and the input.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { commands } from '../../cmdlets/index.js';
import { parseScript, ScriptSyntaxError } from '../../src/language/index.js';
import { maxNesting } from '../../src/language/lexer.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const seed = Number(process.env['MCSHELL_FUZZ_SEED'] ?? 20240601);
const cases = Number(process.env['MCSHELL_FUZZ_CASES'] ?? 20000);
/** Far above what any case needs (well under a millisecond for most): a case over it is a near-hang. */
const perCaseLimitMs = 2000;

/** mulberry32: a small, fast, seedable PRNG. */
function prng(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function corpus(): Promise<string[]> {
  const scripts: string[] = [];
  const examples = `${root}examples/`;
  for (const f of readdirSync(examples).filter((f) => f.endsWith('.mcs'))) scripts.push(readFileSync(examples + f, 'utf8'));
  const readme = readFileSync(`${root}README.md`, 'utf8');
  for (const m of readme.matchAll(/```powershell\n([\s\S]*?)```/g)) scripts.push(m[1]!);
  for (const entry of commands) for (const example of (await entry.load()).default.examples) scripts.push(example.code);
  return scripts;
}

/** Fragments that exercise every lexer mode and grammar rule, spliced into scripts. */
const fragments = [
  '{', '}', '(', ')', '[', ']', '@(', '@{', '$(', '"', "'", '`', '`\n', '|', '||', '&&', '&', ';', '\n', '\r\n', ',', '.', '..', '::',
  '=', '+=', '-=', '++', '--', '-eq', '-and', '-not', '!', '-f', '-like', '-Name', '-Name:', '-5', '5', '0x1F', '4MB', '1.5e3',
  '$x', '$_', '${a b}', '$global:x', '@splat', 'if', 'elseif', 'else', 'foreach', 'in', 'while', 'break', 'continue', 'function',
  'param', 'return', 'exit', 'try', 'catch', 'finally', 'throw', '[int]', '[CmdletBinding()]', '[Parameter(Mandatory)]',
  'Get-Command', 'Where-Object', '%', '?', '*.txt', './x.mcs', 'C:\\x', '<#', '#>', '# c', "@'\n", "\n'@", '@"\n', '\n"@',
  '"a $x $(1 + 2) b"', "'it''s'", '{ $_ }', ' ', '\t', '\u00e9', '\u2028',
];

const alphabet = '{}()[]@$"\'`|&;,.=+-*/%!<>#:?\\ \t\n\rabcxyzIEF0159_';

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** One mutation of `text`: delete, duplicate, insert a fragment or character, swap or cut. */
function mutate(random: () => number, text: string): string {
  const at = Math.floor(random() * (text.length + 1));
  const len = Math.floor(random() * Math.min(16, text.length - at + 1));
  switch (Math.floor(random() * 6)) {
    case 0:
      return text.slice(0, at) + text.slice(at + len);
    case 1:
      return text.slice(0, at) + text.slice(at, at + len) + text.slice(at);
    case 2:
      return text.slice(0, at) + pick(random, fragments) + text.slice(at);
    case 3:
      return text.slice(0, at) + pick(random, [...alphabet]) + text.slice(at + 1);
    case 4: {
      const other = Math.floor(random() * (text.length + 1));
      return text.slice(0, Math.min(at, other)) + text.slice(Math.max(at, other));
    }
    default:
      return text.slice(0, at);
  }
}

function randomScript(random: () => number): string {
  let text = '';
  const parts = 1 + Math.floor(random() * 30);
  for (let i = 0; i < parts; i++) text += random() < 0.7 ? pick(random, fragments) : pick(random, [...alphabet]);
  return text;
}

/** Parses `input`; returns a description of what is wrong, or null when it behaved. */
function check(input: string): string | null {
  const started = performance.now();
  try {
    parseScript(input, 'fuzz.mcs');
  } catch (e) {
    if (!(e instanceof ScriptSyntaxError)) return `threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
    const s = e.span;
    const lines = input.split(/\r\n|\n|\r/);
    const valid =
      s.file === 'fuzz.mcs' &&
      Number.isInteger(s.startLine) && s.startLine >= 1 && s.startLine <= lines.length &&
      Number.isInteger(s.startColumn) && s.startColumn >= 1 && s.startColumn <= lines[s.startLine - 1]!.length + 1 &&
      s.startOffset >= 0 && s.startOffset <= input.length && s.endOffset >= s.startOffset && s.endOffset <= input.length + 1 &&
      (s.endLine > s.startLine || (s.endLine === s.startLine && s.endColumn >= s.startColumn - 1));
    if (!valid) return `ScriptSyntaxError "${e.message}" with a span outside the text: ${JSON.stringify(s)}`;
    if (typeof e.format() !== 'string' || e.message === '') return 'ScriptSyntaxError without a message';
  }
  const ms = performance.now() - started;
  return ms > perCaseLimitMs ? `took ${ms.toFixed(0)} ms` : null;
}

test(`script parser fuzz: ${cases} random and mutated scripts parse or fail with a valid span (seed ${seed})`, async () => {
  const scripts = await corpus();
  assert.ok(scripts.length > 50, 'the corpus has the examples and the cmdlet examples');
  for (const script of scripts) assert.equal(check(script), null, `corpus script does not parse cleanly:\n${script}`);
  const random = prng(seed);
  for (let i = 0; i < cases; i++) {
    let input: string;
    if (i % 5 === 4) input = randomScript(random);
    else {
      input = pick(random, scripts);
      const mutations = 1 + Math.floor(random() * 4);
      for (let m = 0; m < mutations; m++) input = mutate(random, input);
    }
    const problem = check(input);
    if (problem !== null) assert.fail(`seed ${seed}, case ${i}: ${problem}\ninput: ${JSON.stringify(input)}`);
  }
});

test('deep nesting is a syntax error with a span, not a stack overflow', () => {
  for (const [open, close] of [['(', ')'], ['{', '}'], ['@(', ')'], ['$(', ')'], ['@{a=', '}'], ['if (1) {', '}'], ['$x[', ']'], ['"$(', ')"']]) {
    const nested = (depth: number) => open!.repeat(depth) + '1' + close!.repeat(depth);
    parseScript(nested(maxNesting));
    // `"$( … )"` is lexed afresh inside each string, so only its stack depth is limited.
    if (open !== '"$(') assert.throws(() => parseScript(nested(maxNesting + 1)), /nested more than 100 levels/);
    assert.equal(check(nested(5000)), null, `5000 levels of ${open}`);
    assert.throws(() => parseScript(nested(5000)), ScriptSyntaxError);
  }
  for (const link of ['-not ', '!', '[int]', ', ']) assert.equal(check(link.repeat(20000) + '1'), null, `a chain of ${link}`);
});
