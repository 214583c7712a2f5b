#!/usr/bin/env node
// Shell start-up and interpreter benchmark (median of several runs):
//  1. cold start: `mcshell -c "Get-Command | Measure-Object"` as a new process (target ≤ 250 ms);
//  2. parse + run of a generated 10,000-line .mcs file, timed inside a fresh process (target ≤ 300 ms),
//     plus the whole `mcshell file.mcs` process for reference.
// Usage: node scripts/bench-shell.mjs [--runs N]   (run `npm run build` first)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(new URL('..', import.meta.url).pathname);
const bin = join(root, 'bin/mcshell.js');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function timeProcess(args) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`mcshell ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

/** 10,000 lines mixing assignments, arithmetic, strings, conditions, functions and small pipelines. */
function generateScript(lines) {
  const out = ['$total = 0', 'function Add-Size($a, $b) { $a + $b }'];
  const templates = [
    (i) => `$x = ${i} * 3 + ${i % 7}`,
    () => '$total += $x % 11',
    () => 'if ($total -gt 100000) { $total = $total - 100000 } else { $total = $total + 1 }',
    (i) => `$name = "item-$x-${i}"`,
    () => '$total = Add-Size $total 2',
    () => "$ok = $name -like 'item-*' -and $x -ge 0",
    () => '$evens = 1..5 | Where-Object { $_ % 2 -eq 0 }',
    (i) => `# comment ${i}`,
  ];
  for (let i = 0; out.length < lines - 1; i++) out.push(templates[i % templates.length](i));
  out.push('$total');
  return `${out.join('\n')}\n`;
}

const dir = mkdtempSync(join(tmpdir(), 'mcshell-bench-'));
// Other work on the machine inflates every figure: the load average before and after says how much to trust them.
const loadBefore = loadavg()[0];
try {
  timeProcess(['-c', '1']); // warm the OS file cache: "cold" means a new process, not a cold disk
  const cold = [];
  // `node -e 0` alternates with the cold starts, so both see the same machine load.
  const bare = [];
  let check = '';
  for (let i = 0; i < runs; i++) {
    const r = timeProcess(['-c', 'Get-Command | Measure-Object']);
    cold.push(r.ms);
    check = r.stdout.trim();
    const t = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    bare.push(Number(process.hrtime.bigint() - t) / 1e6);
  }

  const file = join(dir, 'bench.mcs');
  writeFileSync(file, generateScript(10_000));
  const inner = `
    const { readFileSync } = await import('node:fs');
    const { parseScript } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/src/language/index.js')).href)});
    const { Session } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/src/runtime/session.js')).href)});
    const { commands } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/cmdlets/index.js')).href)});
    await import(${JSON.stringify(pathToFileURL(join(root, 'dist/src/runtime/interpreter.js')).href)});
    const source = readFileSync(${JSON.stringify(file)}, 'utf8');
    const errors = [];
    const host = { isTerminal: false, columns: 120, color: false, output: 'jsonl', writeError: (r) => errors.push(r.message), writeWarning() {}, writeVerbose() {}, writeHost() {} };
    // CPU time (all threads, so GC helpers count) beside wall time: on a loaded machine it varies less.
    const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
    const t0 = performance.now();
    const c0 = cpu();
    const script = parseScript(source, 'bench.mcs');
    const t1 = performance.now();
    const c1 = cpu();
    const out = [];
    await new Session({ host, commands }).run(script, { onOutput: (o) => out.push(o), scriptFile: true });
    const t2 = performance.now();
    const c2 = cpu();
    if (errors.length) throw new Error(errors.join('; '));
    process.stdout.write(JSON.stringify({ parse: t1 - t0, run: t2 - t1, cpu: c2 - c0, out }));
  `;
  const parse = [];
  const exec = [];
  const total = [];
  const cpuTotal = [];
  const whole = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', inner], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const m = JSON.parse(r.stdout);
    parse.push(m.parse);
    exec.push(m.run);
    total.push(m.parse + m.run);
    cpuTotal.push(m.cpu);
    whole.push(timeProcess([file]).ms);
  }

  const fmt = (n) => `${n.toFixed(0)} ms`;
  const verdict = (n, target) => (n <= target ? `within the ${target} ms target` : `OVER the ${target} ms target`);
  console.log(`mcshell shell benchmark (median of ${runs} runs, Node ${process.version})`);
  console.log(`  cold start  mcshell -c "Get-Command | Measure-Object"   ${fmt(median(cold))}  (${verdict(median(cold), 250)})   output: ${check}`);
  console.log(`  10,000-line .mcs: parse ${fmt(median(parse))} + run ${fmt(median(exec))} = ${fmt(median(total))}  (${verdict(median(total), 300)}; CPU time ${fmt(median(cpuTotal))})`);
  console.log(`  10,000-line .mcs as a whole process (start-up included)   ${fmt(median(whole))}`);
  console.log(`  for scale: node -e 0 takes ${fmt(median(bare))} (run between the cold starts)`);
  const load = Math.max(loadBefore, loadavg()[0]);
  console.log(`  load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after, on ${cpus().length} CPUs${load > 0.5 * cpus().length ? ': the machine was busy, take the figures again on a quiet one' : ''}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
