#!/usr/bin/env node
// PowerShell conformance suite: runs every case in test/conformance/cases/*.txt through the real
// binary (`mcshell -o text -c …`, or `mcshell main.mcs` for script cases) in a throwaway directory,
// compares what it prints with PowerShell 7's output, and prints the pass rate per category.
// Case format: test/conformance/README.md. Run `npm run build` first.
//
// Usage: node scripts/conformance.mjs [--category NAME] [--id SUBSTRING] [--passing] [--show-failures]
//                                     [--json] [--write] [--jobs N] [--timeout MS]
//   --passing        run only the cases listed in expected-passing.txt (what the regression guard runs)
//   --show-failures  print expected and actual output of each failing case
//   --json           print one JSON object: { results: [{ id, category, pass, reason }] }
//   --write          rewrite test/conformance/FAILING.md and expected-passing.txt (refuses when a
//                    case listed as passing now fails, unless --allow-regressions is given too)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const bin = join(root, 'bin/mcshell.js');
const suiteDir = join(root, 'test/conformance');
const casesDir = join(suiteDir, 'cases');
const passingFile = join(suiteDir, 'expected-passing.txt');
const failingFile = join(suiteDir, 'FAILING.md');

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const jobs = Number(option('--jobs') ?? Math.max(1, Math.min(4, availableParallelism())));
const timeoutMs = Number(option('--timeout') ?? 15000);

// ---------------------------------------------------------------- cases

/**
 * One case file: a header (comment lines) and cases, each starting `=== id`, then `key: value`
 * lines (source, mode), then sections `--- code`, `--- output`, `--- error [regex]`,
 * `--- file <name>`.
 */
function parseCases(text, category, fileName) {
  const cases = [];
  let current = null;
  let section = null;
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const finishSection = () => {
    if (!current || !section) return;
    const body = section.lines.join('\n').replace(/\n+$/, '');
    if (section.kind === 'code') current.code = body;
    else if (section.kind === 'output') current.output = body;
    else if (section.kind === 'error') current.error = { pattern: section.arg || null };
    else if (section.kind === 'file') current.files.push({ name: section.arg, content: `${body}\n` });
    section = null;
  };
  lines.forEach((line, i) => {
    const where = `${fileName}:${i + 1}`;
    if (line.startsWith('=== ')) {
      finishSection();
      current = { id: line.slice(4).trim(), category, source: '', mode: 'command', files: [], code: null, output: '', error: null, where };
      cases.push(current);
      return;
    }
    if (!current) return; // file header
    const sectionMatch = /^--- (code|output|error|file)\b\s*(.*)$/.exec(line);
    if (sectionMatch) {
      finishSection();
      section = { kind: sectionMatch[1], arg: sectionMatch[2].trim(), lines: [] };
      if (section.kind === 'file' && !section.arg) throw new Error(`${where}: --- file needs a name`);
      return;
    }
    if (section) {
      section.lines.push(line);
      return;
    }
    const meta = /^(source|mode):\s*(.*)$/.exec(line);
    if (meta) current[meta[1]] = meta[2].trim();
    else if (line.trim()) throw new Error(`${where}: expected source:, mode: or a --- section, got: ${line}`);
  });
  finishSection();
  for (const c of cases) {
    if (c.code === null) throw new Error(`${c.where}: case ${c.id} has no --- code section`);
    if (!c.source) throw new Error(`${c.where}: case ${c.id} cites no source`);
    if (!['command', 'file'].includes(c.mode)) throw new Error(`${c.where}: mode must be command or file`);
  }
  return cases;
}

function loadCases() {
  const all = [];
  for (const name of readdirSync(casesDir).filter((n) => n.endsWith('.txt')).sort()) {
    all.push(...parseCases(readFileSync(join(casesDir, name), 'utf8'), name.replace(/\.txt$/, ''), name));
  }
  const seen = new Set();
  for (const c of all) {
    if (seen.has(c.id)) throw new Error(`${c.where}: duplicate case id ${c.id}`);
    seen.add(c.id);
  }
  return all;
}

// ---------------------------------------------------------------- running

/**
 * Console text compared loosely where PowerShell's layout is not the point: each line trimmed,
 * runs of spaces as one (table column widths), empty lines dropped (PowerShell's blank lines
 * around tables). A case that cares about an empty string prints it inside brackets.
 */
const normalize = (text) =>
  text
    .split('\n')
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .filter(Boolean)
    .join('\n');

function runCase(c) {
  const dir = mkdtempSync(join(tmpdir(), 'mcshell-conf-'));
  for (const f of c.files) {
    mkdirSync(dirname(join(dir, f.name)), { recursive: true });
    writeFileSync(join(dir, f.name), f.content);
  }
  let args;
  if (c.mode === 'file') {
    writeFileSync(join(dir, 'main.mcs'), `${c.code}\n`);
    args = [bin, '-o', 'text', join(dir, 'main.mcs')];
  } else {
    args = [bin, '-o', 'text', '-c', c.code];
  }
  return new Promise((done) => {
    const child = spawn(process.execPath, args, {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MCSHELL_HOME: join(dir, '.site'), NO_COLOR: '1', COLUMNS: '120', XDG_CACHE_HOME: join(dir, '.cache') },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      done(judge(c, { stdout, stderr, status, timedOut }));
    });
  });
}

function judge(c, { stdout, stderr, status, timedOut }) {
  const actual = normalize(stdout);
  const expected = normalize(c.output);
  const result = { id: c.id, category: c.category, pass: false, reason: '', expected, actual, stderr: stderr.trim() };
  if (timedOut) result.reason = `no answer within ${timeoutMs} ms`;
  else if (c.error && status === 0) result.reason = 'expected an error, none was written';
  else if (c.error?.pattern && !new RegExp(c.error.pattern, 'i').test(stderr)) result.reason = `error does not match /${c.error.pattern}/`;
  else if (!c.error && status !== 0) result.reason = `unexpected error (exit ${status}): ${firstLine(stderr)}`;
  else if (actual !== expected) result.reason = 'output differs';
  else result.pass = true;
  return result;
}

const firstLine = (text) => text.trim().split('\n')[0]?.slice(0, 160) ?? '';

async function runAll(cases) {
  const results = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      results[i] = await runCase(cases[i]);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  return results;
}

// ---------------------------------------------------------------- reports

function table(results) {
  const byCategory = new Map();
  for (const r of results) {
    const entry = byCategory.get(r.category) ?? { pass: 0, total: 0 };
    entry.total++;
    if (r.pass) entry.pass++;
    byCategory.set(r.category, entry);
  }
  const pct = (p, t) => `${((100 * p) / t).toFixed(1)} %`;
  const width = Math.max(8, ...[...byCategory.keys()].map((k) => k.length));
  const lines = [`${'category'.padEnd(width)}  passed  total  rate`];
  for (const [name, { pass, total }] of byCategory) lines.push(`${name.padEnd(width)}  ${String(pass).padStart(6)}  ${String(total).padStart(5)}  ${pct(pass, total).padStart(7)}`);
  const pass = results.filter((r) => r.pass).length;
  lines.push(`${'overall'.padEnd(width)}  ${String(pass).padStart(6)}  ${String(results.length).padStart(5)}  ${pct(pass, results.length).padStart(7)}`);
  return { lines, byCategory };
}

/** Text on one Markdown line: newlines as ⏎, no backticks, at most 100 characters. */
const inline = (text) => {
  const flat = text.replace(/\n/g, ' ⏎ ').replace(/`/g, "'");
  return flat.length > 100 ? `${flat.slice(0, 99)}…` : flat;
};

function failingMarkdown(results, cases) {
  const byId = new Map(cases.map((c) => [c.id, c]));
  const { lines } = table(results);
  const out = [
    '# Conformance cases failing today',
    '',
    'Generated by `node scripts/conformance.mjs --write`; do not edit by hand. Each case is in',
    '`test/conformance/cases/<category>.txt`; run one with `node scripts/conformance.mjs --id <id> --show-failures`.',
    '',
    '```text',
    ...lines,
    '```',
  ];
  const categories = [...new Set(results.map((r) => r.category))];
  for (const category of categories) {
    const failing = results.filter((r) => r.category === category && !r.pass);
    if (!failing.length) continue;
    out.push('', `## ${category} (${failing.length} failing)`, '');
    for (const r of failing) {
      out.push(`- \`${r.id}\` — ${inline(r.reason)} — \`${inline(byId.get(r.id).code)}\``);
      if (r.reason === 'output differs') out.push(`  expected \`${inline(r.expected)}\`, got \`${inline(r.actual)}\``);
    }
  }
  return `${out.join('\n')}\n`;
}

function readPassingList() {
  try {
    return readFileSync(passingFile, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------- main

let cases = loadCases();
const category = option('--category');
const idPart = option('--id');
if (category) cases = cases.filter((c) => c.category === category);
if (idPart) cases = cases.filter((c) => c.id.includes(idPart));
if (flag('--passing')) {
  const listed = new Set(readPassingList());
  cases = cases.filter((c) => listed.has(c.id));
}
if (!cases.length) {
  console.error('no cases selected');
  process.exit(2);
}
const started = Date.now();
const results = await runAll(cases);

if (flag('--json')) {
  process.stdout.write(`${JSON.stringify({ results: results.map(({ id, category, pass, reason }) => ({ id, category, pass, reason })) })}\n`);
} else {
  if (flag('--show-failures')) {
    for (const r of results.filter((x) => !x.pass)) {
      console.log(`✗ ${r.id}: ${r.reason}`);
      console.log(`  expected: ${JSON.stringify(r.expected)}`);
      console.log(`  actual:   ${JSON.stringify(r.actual)}`);
      if (r.stderr) console.log(`  stderr:   ${r.stderr.split('\n').slice(0, 3).join(' ⏎ ')}`);
    }
    console.log('');
  }
  console.log(table(results).lines.join('\n'));
  console.log(`(${results.length} cases in ${((Date.now() - started) / 1000).toFixed(1)} s, ${jobs} at a time)`);
}

if (flag('--write')) {
  if (category || idPart || flag('--passing')) {
    console.error('--write needs the whole suite (no --category / --id / --passing)');
    process.exit(2);
  }
  const passing = new Set(results.filter((r) => r.pass).map((r) => r.id));
  const lost = readPassingList().filter((id) => cases.some((c) => c.id === id) && !passing.has(id));
  if (lost.length && !flag('--allow-regressions')) {
    console.error(`not written: these cases passed before and fail now (fix them, or add --allow-regressions):\n  ${lost.join('\n  ')}`);
    process.exit(1);
  }
  writeFileSync(
    passingFile,
    `# Conformance cases that pass today; test/conformance/guard.test.ts keeps them passing.\n# Regenerate with: node scripts/conformance.mjs --write\n${cases.filter((c) => passing.has(c.id)).map((c) => c.id).join('\n')}\n`,
  );
  writeFileSync(failingFile, failingMarkdown(results, cases));
  console.log(`wrote ${passingFile.slice(root.length + 1)} (${passing.size} ids) and ${failingFile.slice(root.length + 1)}`);
}
