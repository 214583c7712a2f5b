// What the multicast benchmarks share (bench-transport.mjs, bench-disk.mjs): the namespace LAN of
// scripts/netlan.sh, tools launched inside its hosts under GNU time, one timed session (a sender in
// host 0, receivers in hosts 1..N), hashing and the result table.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(new URL('..', import.meta.url).pathname);
export const netlan = join(root, 'scripts/netlan.sh');
export const mcshellBin = join(root, 'bin/mcshell.js');
const GRACE_MS = 15_000;

export function hostAddress(i) {
  return `198.18.0.${i + 1}`;
}

/**
 * The command line: the benchmark's own options plus those every benchmark has (--receivers,
 * --timeout, --dir, --keep, --json, -h). Prints the usage for -h; reports bad input through fail.
 * Returns the values, with receivers as a number.
 */
export function readCommandLine(usage, own, { receivers, fail }) {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        ...own,
        receivers: { type: 'string', default: String(receivers) },
        timeout: { type: 'string' },
        dir: { type: 'string' },
        keep: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    fail(`${error.message}\n\n${usage}`);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const count = Number(values.receivers);
  if (!Number.isInteger(count) || count < 1 || count > 250) fail('--receivers must be 1..250');
  return { ...values, receivers: count };
}

export function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)i?b?$/i.exec(text);
  if (!m) return null;
  return Math.round(Number(m[1]) * 1024 ** ' kmg'.indexOf(m[2].toLowerCase() || ' '));
}

export function parseRate(text) {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)bit$/i.exec(text);
  if (!m) return null;
  return Math.round(Number(m[1]) * 1000 ** ' kmg'.indexOf(m[2].toLowerCase() || ' '));
}

/**
 * Why the benchmark cannot run here (not root, no netlan tools, no GNU time, missing peer commands),
 * or null. `need` lists [command, Debian package] pairs.
 */
export function lanProblem(need) {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'must run as root: it builds a LAN of network namespaces (ip netns)';
  const check = spawnSync(netlan, ['check'], { encoding: 'utf8' });
  if (check.status !== 0) return check.stderr.trim() || 'scripts/netlan.sh check failed';
  if (!existsSync('/usr/bin/time')) return 'GNU time is missing (sender CPU and receiver memory come from it): apt-get install -y time';
  const missing = new Set(need.filter(([command]) => spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0).map(([, pkg]) => pkg));
  return missing.size ? `missing tools; install them with: apt-get install -y ${[...missing].join(' ')}` : null;
}

// ---- namespace LAN -------------------------------------------------------------------------------

export function netlanRun(args) {
  const result = spawnSync(netlan, args, { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`netlan.sh ${args.join(' ')} failed: ${(result.stderr || result.error?.message || '').trim()}`);
}

/** The LAN prefix of this process's runs; stale ones are found by it (see sweepStale). */
export function lanPrefix() {
  return `mcb${process.pid}`;
}

// Namespaces and work directories (named `${workPrefix}<pid>-…`) of earlier bench runs whose process
// is gone (killed hard): remove them.
export function sweepStale(dir, workPrefix) {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  const prefixes = new Set([...list.matchAll(/^(mcb(\d+))-/gm)].filter((m) => !existsSync(`/proc/${m[2]}`)).map((m) => m[1]));
  for (const prefix of prefixes) {
    console.error(`removing namespaces of a dead earlier run: ${prefix}-*`);
    netlanRun(['down', '--prefix', prefix]);
  }
  if (!existsSync(dir)) return;
  const pattern = new RegExp(`^${workPrefix}(\\d+)-`);
  for (const name of readdirSync(dir)) {
    const m = pattern.exec(name);
    if (m && !existsSync(`/proc/${m[1]}`)) {
      console.error(`removing the work directory of a dead earlier run: ${join(dir, name)}`);
      rmSync(join(dir, name), { recursive: true, force: true });
    }
  }
}

export function txBytes(prefix) {
  const result = spawnSync('ip', ['-n', `${prefix}-h0`, '-j', '-s', 'link', 'show', 'dev', 'mcv0'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cannot read mcv0 counters: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout)[0].stats64.tx.bytes;
}

/** Builds the LAN (netlan.sh up), runs fn, and always tears the LAN and every launched process down. */
export async function withLan({ prefix, receivers, rateText, loss, slow }, fn) {
  const upArgs = ['up', '--prefix', prefix, '--receivers', String(receivers)];
  if (rateText) upArgs.push('--rate', rateText);
  if (loss > 0) upArgs.push('--loss', String(loss));
  if (slow) upArgs.push('--slow', slow);
  netlanRun(upArgs);
  try {
    return await fn();
  } finally {
    killAll();
    netlanRun(['down', '--prefix', prefix]);
  }
}

/** On Ctrl+C or SIGTERM: kill what was launched, remove the LAN, run `cleanup`, exit 130. */
export function teardownOnSignals(name, prefix, cleanup) {
  const teardown = () => {
    killAll();
    spawnSync(netlan, ['down', '--prefix', prefix], { stdio: 'ignore', timeout: 60_000 });
    cleanup();
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      console.error(`\n${name}: ${sig}, tearing down`);
      teardown();
      process.exit(130);
    });
  }
  return teardown;
}

// ---- processes -----------------------------------------------------------------------------------

const live = new Set();

export function killAll() {
  for (const p of [...live]) killGroup(p, 'SIGKILL');
}

// Starts argv inside namespace ns under GNU time (user/sys CPU and max RSS into timeFile). The child
// gets its own process group so it can be killed with everything it started.
export function launch(ns, argv, { log, timeFile, done }) {
  const child = spawn('ip', ['netns', 'exec', ns, '/usr/bin/time', '-o', timeFile, '-f', 'MCTIME %e %U %S %M', '--', ...argv], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const file = createWriteStream(log);
  const proc = { child, doneAt: null, exitedAt: null, code: null, signal: null, tail: '' };
  live.add(proc);
  const onData = (chunk) => {
    file.write(chunk);
    proc.tail = (proc.tail + chunk.toString('latin1')).slice(-4096);
    if (done && proc.doneAt === null && done.test(proc.tail)) proc.doneAt = performance.now();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  proc.exited = new Promise((resolveExit) => {
    child.on('close', (code, signal) => {
      proc.exitedAt = performance.now();
      proc.code = code;
      proc.signal = signal;
      live.delete(proc);
      file.end(resolveExit);
    });
  });
  return proc;
}

export function killGroup(proc, signal) {
  try {
    process.kill(-proc.child.pid, signal);
  } catch {
    // already gone
  }
}

// Ends a daemon (uftpd) gracefully: SIGTERM to the process GNU time is waiting for, so time still
// writes its report.
function stopDaemon(proc) {
  const pid = proc.child.pid;
  let children = '';
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  } catch {
    return;
  }
  for (const c of children.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(c), 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

export function readTime(timeFile) {
  if (!existsSync(timeFile)) return null;
  const m = /MCTIME (\S+) (\S+) (\S+) (\d+)/.exec(readFileSync(timeFile, 'utf8'));
  return m ? { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssKiB: Number(m[4]) } : null;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU time (clock ticks) of the tool a launched process runs: the child of GNU time. */
function toolTicks(proc) {
  try {
    const pid = proc.child.pid;
    const tool = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
    // Fields after the command name (which may hold spaces): state is the 1st, utime the 12th, stime the 13th.
    const fields = readFileSync(`/proc/${tool}/stat`, 'utf8').split(') ').at(-1).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null; // not started yet, or already gone
  }
}

/** Until none of `procs` used more than a tick of CPU in 100 ms (or the deadline). */
async function waitUntilIdle(procs, deadline) {
  let before = procs.map(toolTicks);
  while (performance.now() < deadline) {
    await sleep(100);
    const now = procs.map(toolTicks);
    if (now.every((t, i) => t !== null && before[i] !== null && t - before[i] <= 1)) return true;
    before = now;
  }
  return false;
}

async function waitUntil(predicate, deadline) {
  while (!predicate() && performance.now() < deadline) await sleep(20);
  return predicate();
}

/**
 * One timed session on a LAN made by withLan: receivers `receiverArgv(i)` in hosts 1..N, then, once
 * they sit idle, the clock starts with `senderArgv` in host 0. A receiver is finished when `done`
 * matches its output, or (done null) when it exits 0. Returns the processes, the clock's start, the
 * bytes on the sender's wire and whether the deadline passed; every process has ended by then.
 */
export async function runSession({ prefix, receivers: n, runDir, receiverArgv, senderArgv, done = null, daemon = false, timeoutMs }) {
  const receivers = [];
  for (let i = 1; i <= n; i++) {
    const timeFile = join(runDir, `h${i}.time`);
    const proc = launch(`${prefix}-h${i}`, receiverArgv(i), { log: join(runDir, `h${i}.log`), timeFile, done });
    receivers.push({ i, proc, timeFile });
  }
  // Receivers wait for the sender, as clients do in a deployment, so the clock must not include
  // their start-up: a Node receiver takes ~0.15 s of CPU to start, and 16 of them on two cores were
  // still starting well after a fixed half-second pause. Wait until every one sits idle.
  await sleep(500);
  await waitUntilIdle(receivers.map((r) => r.proc), performance.now() + 15_000);
  const before = txBytes(prefix);
  const t0 = performance.now();
  const deadline = t0 + timeoutMs;
  const sender = launch(`${prefix}-h0`, senderArgv, { log: join(runDir, 'h0.log'), timeFile: join(runDir, 'h0.time'), done: null });
  const finishedAt = (r) => (done ? r.proc.doneAt : r.proc.code === 0 ? r.proc.exitedAt : null);
  const receiverDone = (r) => r.proc.doneAt !== null || r.proc.exitedAt !== null;
  // Until the sender exits and every receiver is done, or the deadline; a sender that fails, or
  // receivers that are all done, leave the other side a grace period (a sender that fails at once
  // must not hold the run until the deadline). After a sender that succeeded, receivers may still
  // be writing (a disk image is applied and read back after its last block arrived): they get
  // until the deadline.
  while (performance.now() < deadline) {
    const senderGone = sender.exitedAt !== null;
    const allDone = receivers.every(receiverDone);
    if (senderGone && allDone) break;
    if (senderGone && sender.code !== 0 && performance.now() > sender.exitedAt + GRACE_MS) break;
    const lastDone = allDone ? Math.max(...receivers.map((r) => r.proc.doneAt ?? r.proc.exitedAt)) : null;
    if (allDone && performance.now() > lastDone + GRACE_MS) break;
    await sleep(20);
  }
  const timedOut = performance.now() >= deadline;
  for (const r of receivers) if (daemon && r.proc.exitedAt === null) stopDaemon(r.proc);
  await waitUntil(() => receivers.every((r) => r.proc.exitedAt !== null), performance.now() + 3000);
  for (const p of [sender, ...receivers.map((r) => r.proc)]) if (p.exitedAt === null) killGroup(p, 'SIGKILL');
  await Promise.all([sender.exited, ...receivers.map((r) => r.proc.exited)]);
  return {
    t0,
    timedOut,
    sender,
    senderCpu: readTime(join(runDir, 'h0.time'))?.cpu ?? null,
    wireBytes: txBytes(prefix) - before,
    receivers: receivers.map((r) => {
      const at = finishedAt(r);
      return { ...r, time: at === null ? null : (at - t0) / 1000, rssKiB: readTime(r.timeFile)?.rssKiB ?? null };
    }),
  };
}

export function sha256File(path) {
  return new Promise((resolveHash, reject) => {
    const hash = createHash('sha256');
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (d) => hash.update(d))
      .on('error', reject)
      .on('end', () => resolveHash(hash.digest('hex')));
  });
}

export function lastLine(text) {
  const lines = text.split(/[\r\n]+/).map((l) => l.trim()).filter(Boolean);
  return (lines.at(-1) ?? 'no output').slice(0, 160);
}

// ---- report --------------------------------------------------------------------------------------

export function fmt(value, digits) {
  return value === null || value === undefined ? '-' : value.toFixed(digits);
}

/** A Markdown table of string cells. */
export function renderTable(header, body) {
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const line = (cells) => '| ' + cells.map((x, c) => x.padEnd(widths[c])).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n');
}
