#!/usr/bin/env node
// Interactive shell benchmarks (run `npm run build` first):
//   1. time from launching `mcshell` in a terminal (tmux) to its first prompt — target ≤ 400 ms median;
//   2. CPU of the session dashboard showing a 16-client session refreshed at 10 fps — target < 5 % of a core.
// Usage: node scripts/bench-ui.mjs [--runs N] [--seconds S] [--startup-only | --dashboard-only] [--show] [--cpu-prof]
// (--show prints the dashboard's screen; --cpu-prof writes a CPU profile of the dashboard process here.)
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * The dashboard as an admin sees it: the real `mcshell` (its Ink bundle, the real
 * Watch-MulticastSession cmdlet and dashboard adapter) in a 120×40 tmux pane, watching a 16-client
 * session whose DP service is simulated: each client reports once a second as the agents do, and
 * the sender reports every 100 ms (the engine: every 500 ms) so that every 100 ms frame of the
 * dashboard has something new to draw. The CPU is that process's own (user + system, from
 * /proc/PID/stat) while the dashboard runs; the frame rate counts its writes to the terminal.
 */
async function dashboardBenchmark() {
  if (spawnSync('tmux', ['-V']).status !== 0) {
    console.log('dashboard CPU: skipped (tmux is not installed)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'mcshell-bench-ui-'));
  const framesFile = join(dir, 'frames.json');
  const socket = `mcshell-bench-${process.pid}-dashboard`;
  const tmux = (...args) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const screen = () => tmux('capture-pane', '-p').stdout;
  const waitFor = async (pattern) => {
    const deadline = performance.now() + 20_000;
    while (!pattern.test(screen())) {
      if (performance.now() > deadline) throw new Error(`no ${pattern} after 20 s; the screen:\n${screen()}`);
      await sleep(50);
    }
  };
  const nodeFlags = process.argv.includes('--cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=${process.cwd()}`] : [];
  const command = ['exec', 'env', `MCSHELL_HOME=${join(dir, 'site')}`, process.execPath, ...nodeFlags, fileURLToPath(import.meta.url), '--dashboard-driver', framesFile];
  try {
    const started = tmux('new-session', '-d', '-x', '120', '-y', '40', command.map((w, i) => (i === 0 ? w : shellQuote(w))).join(' '));
    if (started.status !== 0) throw new Error(`tmux new-session failed: ${started.stderr}`);
    const pid = Number(tmux('display-message', '-p', '#{pane_pid}').stdout.trim());
    await waitFor(/^mcs>/m);
    tmux('send-keys', '-l', 'Watch-MulticastSession');
    tmux('send-keys', 'Enter');
    await waitFor(/lab-pc-16[\s\S]*q leave/);
    await sleep(1000); // warm up
    const cpuBefore = cpuTicks(pid);
    const from = Date.now();
    await sleep(SECONDS * 1000);
    const cpuAfter = cpuTicks(pid);
    const share = (ticks) => ((ticks * 1000) / CLOCK_TICKS / (Date.now() - from)) * 100;
    const user = share(cpuAfter.user - cpuBefore.user);
    const system = share(cpuAfter.system - cpuBefore.system);
    const to = Date.now();
    const shown = screen();
    tmux('send-keys', 'q');
    await waitFor(/^mcs> *$/m);
    tmux('send-keys', '-l', 'exit');
    tmux('send-keys', 'Enter');
    const deadline = performance.now() + 10_000;
    while (!existsSync(framesFile) && performance.now() < deadline) await sleep(50);
    const frames = JSON.parse(readFileSync(framesFile, 'utf8')).filter((at) => at >= from && at < to).length;
    const wall = to - from;
    if (process.argv.includes('--show')) console.log(shown);
    console.log(`dashboard, 16 clients in a 120×40 terminal, ${((frames / wall) * 1000).toFixed(1)} frames/s for ${SECONDS} s: ${(user + system).toFixed(1)} % of one core (${user.toFixed(1)} user, ${system.toFixed(1)} system; target < 5 %)`);
  } finally {
    tmux('kill-server');
    rmSync(dir, { recursive: true, force: true });
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** User and system CPU of a process so far, in clock ticks. */
function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]), system: Number(fields[12]) }; // utime, stime (fields 14 and 15 of stat)
}

/**
 * The process under test: the interactive shell, with a simulated DP service registered for its
 * site, so that Watch-MulticastSession shows a 16-client session that moves as a real one does.
 * It records when it writes to the terminal, and saves that list when it exits.
 */
async function dashboardDriver(framesFile) {
  const writes = [];
  const write = process.stdout.write;
  process.stdout.write = function (...args) {
    // A frame is one write; Ink brackets it with the synchronised-update marks, written apart.
    if (!/^\x1b\[\?2026[hl]$/.test(args[0])) writes.push(Date.now());
    return write.apply(this, args);
  };
  process.on('exit', () => {
    writeFileSync(`${framesFile}.partial`, JSON.stringify(writes));
    renameSync(`${framesFile}.partial`, framesFile);
  });
  const { openSite, registerService } = await import(join(root, 'dist/cmdlets/engine.js'));
  const store = await openSite(undefined);
  registerService(store, { store, sessions: simulatedSessions() });
  process.argv = [process.argv[0], join(root, 'bin/mcshell.js')];
  await import(join(root, 'dist/src/cli/main.js'));
}

/** One running session of a 1 GiB image at ~94 Mbit/s to 16 clients; lab-pc-06 has failed. */
function simulatedSessions() {
  const sizeBytes = 1024 ** 3;
  const blockCount = 1024;
  const rate = 94e6;
  // Started 20 s ago.
  const startedAt = Date.now() - 20_000;
  const sent = () => Math.min(1, ((Date.now() - startedAt) / 1000) * (rate / 8 / sizeBytes));
  const clients = new Map(
    Array.from({ length: 16 }, (_, i) => {
      const name = `lab-pc-${String(i + 1).padStart(2, '0')}`;
      const failed = i === 5;
      const client = { deviceId: `dev-${i}`, name, address: `10.0.8.${20 + i}`, state: failed ? 'Failed' : 'Receiving', forcedDisconnect: false, percent: failed ? 12 : 0, bytesDone: 0, movedTo: null, loss: null, message: failed ? 'checksum mismatch' : '', requestedAt: startedAt, updatedAt: startedAt };
      return [client.deviceId, client];
    }),
  );
  const session = {
    id: 'MC0001',
    stream: 0,
    image: { id: 'img-1', name: 'win11-enterprise', version: '1', description: '', file: 'win11.wim', sizeBytes, sha256: '0'.repeat(64), importedAt: '', multicast: {} },
    channel: { group: '239.255.0.1', port: 63000 },
    state: 'Running',
    startReason: 'the minimum session size (16) was reached',
    requestedAt: startedAt,
    startedAt,
    endedAt: null,
    clients,
    progress: null,
    summary: null,
    manualStart: false,
  };
  const sessions = Object.assign(new EventEmitter(), {
    get: (id) => session,
    list: () => [session],
    disconnect: (_id, deviceId) => Object.assign(clients.get(deviceId), { state: 'Disconnected' }),
  });
  const progress = () => {
    const fraction = sent();
    session.progress = { phase: 'sending', joined: 16, verified: 0, blocksSent: Math.floor(fraction * blockCount), blockCount, wireBytes: fraction * sizeBytes * 1.04, rateBitsPerSecond: rate + Math.random() * 1e6 };
    sessions.emit('progress', session);
  };
  progress();
  setInterval(progress, 100).unref();
  [...clients.values()].forEach((client, i) => {
    if (client.state === 'Failed') return;
    // Each client reports once a second, the reports spread over the second.
    setTimeout(() => {
      setInterval(() => {
        // Whole blocks, a few behind the sender, as an agent reports them.
        const blocks = Math.max(0, Math.floor(sent() * blockCount) - (i % 3) * 4);
        client.bytesDone = (blocks * sizeBytes) / blockCount;
        client.percent = Math.floor((100 * blocks) / blockCount);
        client.loss = 0.001 * (i % 5) + Math.random() * 0.0005;
        client.updatedAt = Date.now();
        sessions.emit('client', session, client);
      }, 1000).unref();
    }, (i * 1000) / 16).unref();
  });
  return sessions;
}

if (process.argv[2] === '--dashboard-driver') {
  await dashboardDriver(process.argv[3]);
} else {
  if (!process.argv.includes('--dashboard-only')) startupBenchmark();
  if (!process.argv.includes('--startup-only')) await dashboardBenchmark();
  process.exit(0);
}
