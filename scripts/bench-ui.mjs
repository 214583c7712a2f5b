#!/usr/bin/env node
// Interactive shell benchmarks (run `npm run build` first):
//   1. time from launching `mcshell` in a terminal (tmux) to its first prompt — target ≤ 400 ms median;
//   2. CPU of the session dashboard showing a 16-client session refreshed at 10 fps — target < 5 % of a core.
// Usage: node scripts/bench-ui.mjs [--runs N] [--seconds S] [--startup-only | --dashboard-only]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const argValue = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const RUNS = argValue('--runs', 10);
const SECONDS = argValue('--seconds', 10);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const shellQuote = (word) => `'${word.replace(/'/g, `'\\''`)}'`;

let runs = 0;

/** Milliseconds from starting `command` (words) in a fresh tmux pane until `pattern` is on the screen. */
function timeToScreen(command, pattern) {
  // A server of its own per run: a killed server can still hold its socket while it exits.
  const socket = `mcshell-bench-${process.pid}-${runs++}`;
  const tmux = (...args) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const start = performance.now();
  const started = tmux('new-session', '-d', '-x', '120', '-y', '40', command.map(shellQuote).join(' '));
  if (started.status !== 0) throw new Error(`tmux new-session failed: ${started.stderr}`);
  try {
    for (;;) {
      if (pattern.test(tmux('capture-pane', '-p').stdout)) return performance.now() - start;
      if (performance.now() - start > 10_000) throw new Error(`no ${pattern} after 10 s; the screen:\n${tmux("capture-pane", "-p").stdout}`);
    }
  } finally {
    tmux('kill-server');
  }
}

function startupBenchmark() {
  if (spawnSync('tmux', ['-V']).status !== 0) {
    console.log('time to first prompt: skipped (tmux is not installed)');
    return;
  }
  const home = mkdtempSync(join(tmpdir(), 'mcshell-bench-ui-'));
  try {
    const baseline = [];
    const prompt = [];
    for (let i = 0; i < RUNS; i++) {
      // The same measurement of a process that prints at once: the cost of tmux and of polling it.
      baseline.push(timeToScreen([process.execPath, '-e', "process.stdout.write('ready'); setTimeout(() => {}, 10000)"], /ready/));
      prompt.push(timeToScreen(['env', `MCSHELL_HOME=${home}`, process.execPath, join(root, 'bin/mcshell.js')], /^mcs>/m));
    }
    const ms = (v) => `${v.toFixed(0)} ms`;
    console.log(`time to first prompt: median ${ms(median(prompt))} (min ${ms(Math.min(...prompt))}, max ${ms(Math.max(...prompt))}, ${RUNS} runs; target ≤ 400 ms)`);
    console.log(`  of which starting node in tmux and seeing its output: median ${ms(median(baseline))}`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function dashboardBenchmark() {
  process.env.NODE_ENV ??= 'production'; // as the interactive shell runs React (src/ui/start.ts)
  const [{ render }, React, { SessionDashboard }] = await Promise.all([import('ink'), import('react'), import(join(root, 'dist/src/ui/dashboard.js'))]);
  // A terminal that swallows what it is sent: the cost measured is building and writing frames.
  const terminal = Object.assign(new Writable({ write: (_chunk, _encoding, done) => done() }), { isTTY: true, columns: 120, rows: 40 });
  const frameAt = (frame) => {
    const percent = Math.min(100, frame / 3);
    return {
      id: 'MC0001',
      state: 'Running',
      image: 'win11-enterprise',
      group: '239.255.0.1',
      port: 63000,
      elapsedSeconds: frame / 10,
      rateBps: 94e6 + (frame % 7) * 1e5,
      averageBps: 91e6,
      capBps: 95e6,
      percent,
      etaSeconds: (100 - percent) * 0.3,
      overhead: 0.041,
      clients: Array.from({ length: 16 }, (_, i) => ({
        id: `dev-${i}`,
        name: `lab-pc-${String(i + 1).padStart(2, '0')}`,
        address: `10.0.8.${20 + i}`,
        state: i === 5 ? 'failed' : 'receiving',
        percent: i === 5 ? 12 : Math.max(0, percent - i * 0.5),
        rateBps: 9e7 + i * 1e5,
        message: i === 5 ? 'checksum mismatch' : '',
      })),
    };
  };
  const view = (frame) => React.createElement(SessionDashboard, { sessions: [frameAt(frame)], rows: 39, columns: 120, interactive: false, color: true });
  let frame = 0;
  const app = render(view(frame), { stdout: terminal, stdin: process.stdin, patchConsole: false, maxFps: 15 });
  const timer = setInterval(() => app.rerender(view(++frame)), 100);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // warm up
  const cpuBefore = process.cpuUsage();
  const framesBefore = frame;
  const wallBefore = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const cpu = process.cpuUsage(cpuBefore);
  const wall = performance.now() - wallBefore;
  clearInterval(timer);
  app.unmount();
  const share = ((cpu.user + cpu.system) / 1000 / wall) * 100;
  const fps = ((frame - framesBefore) / wall) * 1000;
  console.log(`dashboard, 16 clients at ${fps.toFixed(1)} fps for ${SECONDS} s: ${share.toFixed(1)} % of one core (target < 5 %)`);
}

if (!process.argv.includes('--dashboard-only')) startupBenchmark();
if (!process.argv.includes('--startup-only')) await dashboardBenchmark();
process.exit(0);
