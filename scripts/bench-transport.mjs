#!/usr/bin/env node
// Transport benchmark: mcshell vs udpcast vs UFTP on a private LAN of network namespaces
// (scripts/netlan.sh). See docs/benchmark.md for what it measures and how to read it.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensurePrivateNamespace } from './netns-guard.mjs';

const USAGE = `usage: sudo node scripts/bench-transport.mjs [options]

Runs each tool's sender in host 0 and its receivers in hosts 1..N of a fresh namespace LAN
(scripts/netlan.sh), and reports the time until the last receiver holds the image, checked by SHA-256.

  --receivers N     receivers (default 4)
  --loss L          independent random loss per receiver: 0.01 or 1% (default 0)
  --rate R          sender link rate, tc syntax: 100mbit, 1gbit (default 100mbit)
  --no-shape        no rate limit on the sender's link (ideal time is then not defined)
  --size S          image size: 32M, 128M, 1G (default 32M)
  --tools LIST      comma-separated: mcshell,mcshell-enc,udpcast,uftp (default mcshell,udpcast,uftp);
                    mcshell-enc is mcshell with an encrypted session (--key-file, AES-256-GCM)
  --encrypt         add mcshell-enc to the tools, run right after mcshell
  --send-args "…"   extra options for \`mcshell send\` (e.g. "--k 512"), for trying settings
  --cold            mcshell hashes the image in every run (--no-manifest-cache). By default the image
                    is prepared once before the runs (\`mcshell send --prepare\`), as an image kept
                    for deployment would be, so runs measure the transfer
  --repeat K        runs per tool (default 1)
  --slow I:RATE     also shape receiver I's link to RATE (slow-client runs)
  --timeout SEC     per run; default 60 s + 10 x ideal time
  --dir PATH        where the image and the receivers' copies go (default /dev/shm, else ${tmpdir()})
  --keep            keep the work directory (image, copies, logs) and print its path
  --json            print the results as JSON on stdout (the table then goes to stderr)
  -h, --help        this text

Needs root (ip netns), iproute2, nftables, GNU time (apt-get install -y iproute2 nftables time),
and for the peers: apt-get install -y udpcast uftp. Nothing is sent outside the namespaces it makes.`;

const root = resolve(new URL('..', import.meta.url).pathname);
const netlan = join(root, 'scripts/netlan.sh');
const mcshellBin = join(root, 'bin/mcshell.js');
const PORTBASE = '9000';
const GRACE_MS = 15_000;

function fail(message, code = 2) {
  console.error(`bench-transport: ${message}`);
  process.exit(code);
}

function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)i?b?$/i.exec(text);
  if (!m) fail(`bad size '${text}' (e.g. 32M, 1G)`);
  return Math.round(Number(m[1]) * 1024 ** ' kmg'.indexOf(m[2].toLowerCase() || ' '));
}

function parseRate(text) {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)bit$/i.exec(text);
  if (!m) fail(`bad rate '${text}' (tc syntax, e.g. 100mbit)`);
  return Math.round(Number(m[1]) * 1000 ** ' kmg'.indexOf(m[2].toLowerCase() || ' '));
}

function parseLoss(text) {
  const value = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (!(value >= 0 && value <= 1)) fail(`bad loss '${text}' (e.g. 0.01 or 1%)`);
  return value;
}

function readOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        receivers: { type: 'string', default: '4' },
        loss: { type: 'string', default: '0' },
        rate: { type: 'string', default: '100mbit' },
        'no-shape': { type: 'boolean', default: false },
        size: { type: 'string', default: '32M' },
        tools: { type: 'string', default: 'mcshell,udpcast,uftp' },
        encrypt: { type: 'boolean', default: false },
        'send-args': { type: 'string', default: '' },
        cold: { type: 'boolean', default: false },
        repeat: { type: 'string', default: '1' },
        slow: { type: 'string' },
        timeout: { type: 'string' },
        dir: { type: 'string' },
        keep: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    fail(`${error.message}\n\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const receivers = Number(values.receivers);
  if (!Number.isInteger(receivers) || receivers < 1 || receivers > 250) fail('--receivers must be 1..250');
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) fail('--repeat must be a positive integer');
  const tools = values.tools.split(',').map((t) => t.trim()).filter(Boolean);
  if (values.encrypt && !tools.includes('mcshell-enc')) tools.splice(tools.includes('mcshell') ? tools.indexOf('mcshell') + 1 : 0, 0, 'mcshell-enc');
  for (const t of tools) if (!TOOLS[t]) fail(`unknown tool '${t}' (known: ${Object.keys(TOOLS).join(', ')})`);
  const shaped = !values['no-shape'];
  const options = {
    receivers,
    loss: parseLoss(values.loss),
    rateText: values.rate,
    rate: shaped ? parseRate(values.rate) : null,
    size: parseSize(values.size),
    tools,
    repeat,
    slow: values.slow ?? null,
    dir: values.dir ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir()),
    keep: values.keep,
    json: values.json,
    sendArgs: [...values['send-args'].split(/\s+/).filter(Boolean), ...(values.cold ? ['--no-manifest-cache'] : [])],
    cold: values.cold,
  };
  if (options.slow && !/^\d+:\d+(?:\.\d+)?[kmg]?bit$/i.test(options.slow)) fail(`bad --slow '${options.slow}' (e.g. 3:10mbit)`);
  const ideal = options.rate ? (options.size * 8) / options.rate : null;
  options.timeoutMs = values.timeout ? Number(values.timeout) * 1000 : 60_000 + 10_000 * (ideal ?? 10);
  if (!(options.timeoutMs > 0)) fail('--timeout must be a positive number of seconds');
  return options;
}

function hostAddress(i) {
  return `198.18.0.${i + 1}`;
}

// How each tool is started and how its receivers signal completion. `done` is a pattern in the
// receiver's output that marks the image complete (the harness then checks the hash itself), or
// null to use the receiver's exit with status 0.
const TOOLS = {
  mcshell: {
    need: [],
    sender: ({ image, receivers, rate, sendArgs }) => [
      process.execPath, mcshellBin, 'send', image, '--interface', 'mcv0', '--min-clients', String(receivers), '--json',
      ...(rate ? ['--rate', String(rate)] : []), ...sendArgs,
    ],
    receiver: ({ i, out }) => [process.execPath, mcshellBin, 'receive', '--interface', `mcv${i}`, '--out', out, '--json'],
    output: ({ out }) => out,
    done: null,
    daemon: false,
  },
  // The same with encryption: one random key per benchmark run, in a file both ends read.
  'mcshell-enc': {
    need: [],
    sender: (ctx) => [...TOOLS.mcshell.sender(ctx), '--key-file', ctx.keyFile],
    receiver: (ctx) => [...TOOLS.mcshell.receiver(ctx), '--key-file', ctx.keyFile],
    output: ({ out }) => out,
    done: null,
    daemon: false,
  },
  udpcast: {
    need: [['udp-sender', 'udpcast'], ['udp-receiver', 'udpcast']],
    sender: ({ image, receivers, rate }) => [
      'udp-sender', '--interface', 'mcv0', '--file', image, '--min-receivers', String(receivers), '--nokbd',
      '--portbase', PORTBASE, '--start-timeout', '30', '--rexmit-hello-interval', '100', ...(rate ? ['--max-bitrate', String(rate)] : []),
    ],
    receiver: ({ i, out }) => [
      'udp-receiver', '--interface', `mcv${i}`, '--nokbd', '--file', out, '--portbase', PORTBASE,
    ],
    output: ({ out }) => out,
    done: /Transfer complete/,
    daemon: false,
  },
  uftp: {
    need: [['uftp', 'uftp'], ['uftpd', 'uftp']],
    // -H names the receivers by id (their IPv4 address as 0xAABBCCDD), so the session starts as soon as all registered.
    sender: ({ image, receivers, rate }) => [
      'uftp', '-I', 'mcv0', '-R', rate ? String(Math.round(rate / 1000)) : '-1', '-Y', 'none',
      '-H', Array.from({ length: receivers }, (_, k) => '0x' + hostAddress(k + 1).split('.').map((b) => Number(b).toString(16).padStart(2, '0')).join('')).join(','),
      image,
    ],
    // -d: foreground, log to stderr; -q: no reverse DNS lookup (there is no DNS in the namespaces).
    receiver: ({ i, dir }) => ['uftpd', '-d', '-q', '-D', dir, '-I', `mcv${i}`],
    output: ({ dir, image }) => join(dir, basename(image)),
    done: /done file close/,
    daemon: true,
  },
};

function checkEnvironment(options) {
  if (process.platform !== 'linux') fail('needs Linux network namespaces');
  if (process.getuid?.() !== 0) fail('must run as root: it builds a LAN of network namespaces (ip netns)');
  const check = spawnSync(netlan, ['check'], { encoding: 'utf8' });
  if (check.status !== 0) fail(check.stderr.trim() || 'scripts/netlan.sh check failed');
  if (!existsSync('/usr/bin/time')) fail('GNU time is missing (sender CPU and receiver memory come from it): apt-get install -y time');
  const missing = new Set();
  for (const tool of options.tools) {
    for (const [command, pkg] of TOOLS[tool].need) {
      if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) missing.add(pkg);
    }
  }
  if (missing.size) fail(`missing peer tools; install them with: apt-get install -y ${[...missing].join(' ')}`);
  const free = statfsSync(options.dir);
  const needed = options.size * (options.receivers + 1) * 1.1;
  if (free.bavail * free.bsize < needed) {
    fail(`${options.dir} has ${(free.bavail * free.bsize / 2 ** 20).toFixed(0)} MiB free; this run needs ${(needed / 2 ** 20).toFixed(0)} MiB (use --dir)`);
  }
}

// ---- namespace LAN -------------------------------------------------------------------------------

function netlanRun(args) {
  const result = spawnSync(netlan, args, { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`netlan.sh ${args.join(' ')} failed: ${(result.stderr || result.error?.message || '').trim()}`);
}

// Namespaces and work directories of earlier bench runs whose process is gone (killed hard): remove them.
function sweepStale(dir) {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  const prefixes = new Set([...list.matchAll(/^(mcb(\d+))-/gm)].filter((m) => !existsSync(`/proc/${m[2]}`)).map((m) => m[1]));
  for (const prefix of prefixes) {
    console.error(`removing namespaces of a dead earlier run: ${prefix}-*`);
    netlanRun(['down', '--prefix', prefix]);
  }
  for (const name of readdirSync(dir)) {
    const m = /^mcbench-(\d+)-/.exec(name);
    if (m && !existsSync(`/proc/${m[1]}`)) {
      console.error(`removing the work directory of a dead earlier run: ${join(dir, name)}`);
      rmSync(join(dir, name), { recursive: true, force: true });
    }
  }
}

function txBytes(prefix) {
  const result = spawnSync('ip', ['-n', `${prefix}-h0`, '-j', '-s', 'link', 'show', 'dev', 'mcv0'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cannot read mcv0 counters: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout)[0].stats64.tx.bytes;
}

// ---- processes -----------------------------------------------------------------------------------

const live = new Set();

// Starts argv inside namespace ns under GNU time (user/sys CPU and max RSS into timeFile). The child
// gets its own process group so it can be killed with everything it started.
function launch(ns, argv, { log, timeFile, done }) {
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

function killGroup(proc, signal) {
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

function readTime(timeFile) {
  if (!existsSync(timeFile)) return null;
  const m = /MCTIME (\S+) (\S+) (\S+) (\d+)/.exec(readFileSync(timeFile, 'utf8'));
  return m ? { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssKiB: Number(m[4]) } : null;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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

function sha256File(path) {
  return new Promise((resolveHash, reject) => {
    const hash = createHash('sha256');
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (d) => hash.update(d))
      .on('error', reject)
      .on('end', () => resolveHash(hash.digest('hex')));
  });
}

async function makeImage(path, size) {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let left = size; left > 0; ) {
    const chunk = randomBytes(Math.min(left, 8 << 20));
    hash.update(chunk);
    left -= chunk.length;
    if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r, j) => out.end((e) => (e ? j(e) : r())));
  return hash.digest('hex');
}

// ---- one run -------------------------------------------------------------------------------------

async function runOnce(tool, options, work, image, imageHash, run) {
  const spec = TOOLS[tool];
  const n = options.receivers;
  const prefix = `mcb${process.pid}`;
  const runDir = join(work, `${tool}-${run}`);
  mkdirSync(runDir);
  const row = {
    tool, receivers: n, loss: options.loss, size: options.size, rate: options.rate, run,
    time: null, ideal: options.rate ? (options.size * 8) / options.rate : null, ratio: null, mbps: null,
    wireRatio: null, senderCpu: null, maxReceiverRssMiB: null, verified: 0, results: [], note: '',
    load1: Number(loadavg()[0].toFixed(2)), ...(options.keep ? { logs: runDir } : {}),
  };
  const upArgs = ['up', '--prefix', prefix, '--receivers', String(n)];
  if (options.rate) upArgs.push('--rate', options.rateText);
  if (options.loss > 0) upArgs.push('--loss', String(options.loss));
  if (options.slow) upArgs.push('--slow', options.slow);
  netlanRun(upArgs);
  try {
    const receivers = [];
    for (let i = 1; i <= n; i++) {
      const dir = join(runDir, `h${i}`);
      mkdirSync(dir);
      const ctx = { i, dir, out: join(dir, 'image.out'), image, keyFile: join(work, 'session.key') };
      const proc = launch(`${prefix}-h${i}`, spec.receiver(ctx), { log: join(runDir, `h${i}.log`), timeFile: join(runDir, `h${i}.time`), done: spec.done });
      receivers.push({ i, proc, output: spec.output(ctx), timeFile: join(runDir, `h${i}.time`) });
    }
    // Receivers wait for the sender, as clients do in a deployment, so the clock must not include
    // their start-up: a Node receiver takes ~0.15 s of CPU to start, and 16 of them on two cores were
    // still starting well after a fixed half-second pause. Wait until every one sits idle.
    await sleep(500);
    await waitUntilIdle(receivers.map((r) => r.proc), performance.now() + 15_000);
    const before = txBytes(prefix);
    const t0 = performance.now();
    const deadline = t0 + options.timeoutMs;
    const sender = launch(`${prefix}-h0`, spec.sender({ image, receivers: n, rate: options.rate, sendArgs: options.sendArgs, keyFile: join(work, 'session.key') }), { log: join(runDir, 'h0.log'), timeFile: join(runDir, 'h0.time'), done: null });
    const receiverDone = (r) => r.proc.doneAt !== null || r.proc.exitedAt !== null;
    // Until the sender exits and every receiver is done, or the deadline; after one side ends the
    // other gets a grace period (a sender that fails at once must not hold the run until the deadline).
    while (performance.now() < deadline) {
      const senderGone = sender.exitedAt !== null;
      const allDone = receivers.every(receiverDone);
      if (senderGone && allDone) break;
      if (senderGone && performance.now() > sender.exitedAt + GRACE_MS) break;
      const lastDone = allDone ? Math.max(...receivers.map((r) => r.proc.doneAt ?? r.proc.exitedAt)) : null;
      if (allDone && performance.now() > lastDone + GRACE_MS) break;
      await sleep(20);
    }
    const timedOut = performance.now() >= deadline;
    for (const r of receivers) if (spec.daemon && r.proc.exitedAt === null) stopDaemon(r.proc);
    await waitUntil(() => receivers.every((r) => r.proc.exitedAt !== null), performance.now() + 3000);
    for (const p of [sender, ...receivers.map((r) => r.proc)]) if (p.exitedAt === null) killGroup(p, 'SIGKILL');
    await Promise.all([sender.exited, ...receivers.map((r) => r.proc.exited)]);
    const after = txBytes(prefix);

    row.wireRatio = (after - before) / options.size;
    row.senderCpu = readTime(join(runDir, 'h0.time'))?.cpu ?? null;
    const notes = [];
    if (timedOut) notes.push(`timeout after ${(options.timeoutMs / 1000).toFixed(0)} s`);
    if (sender.code !== 0) notes.push(`sender ${sender.signal ? 'killed' : `exit ${sender.code}`}: ${lastLine(sender.tail)}`);
    let last = 0;
    for (const r of receivers) {
      const finishedAt = spec.done ? r.proc.doneAt : r.proc.code === 0 ? r.proc.exitedAt : null;
      const hash = finishedAt !== null && existsSync(r.output) ? await sha256File(r.output) : null;
      const ok = hash === imageHash;
      const t = finishedAt !== null ? (finishedAt - t0) / 1000 : null;
      const rss = readTime(r.timeFile)?.rssKiB ?? null;
      row.results.push({ host: r.i, ok, time: t, rssMiB: rss === null ? null : rss / 1024, exit: r.proc.code });
      if (ok) {
        row.verified++;
        last = Math.max(last, t);
      }
      if (rss !== null) row.maxReceiverRssMiB = Math.max(row.maxReceiverRssMiB ?? 0, rss / 1024);
    }
    if (row.verified < n) {
      const bad = row.results.find((x) => !x.ok);
      notes.push(`h${bad.host}: ${bad.time === null ? lastLine(receivers[bad.host - 1].proc.tail) : 'hash mismatch'}`);
    }
    if (row.verified === n) {
      // A sender that exits 0 has heard every receiver confirm the whole image (all three tools),
      // so the run also ends there when a receiver still lingers (udp-receiver waits 0.5 s to re-ACK).
      if (sender.code === 0) last = Math.min(last, (sender.exitedAt - t0) / 1000);
      row.time = last;
      row.mbps = (options.size * 8) / last / 1e6;
      if (row.ideal) row.ratio = last / row.ideal;
    }
    row.note = notes.join('; ');
    return row;
  } finally {
    for (const p of [...live]) killGroup(p, 'SIGKILL');
    netlanRun(['down', '--prefix', prefix]);
    for (const entry of readdirSync(runDir, { withFileTypes: true })) {
      if (entry.isDirectory()) rmSync(join(runDir, entry.name), { recursive: true, force: true }); // the receivers' copies
    }
  }
}

/**
 * mcshell senders keep image manifests in a cache of this benchmark's own; unless --cold, the
 * image is hashed into it before the runs (for each geometry the runs use), and no run hashes it.
 */
function prepareManifests(options, work, image, log) {
  process.env.XDG_CACHE_HOME = join(work, 'cache');
  const mcshellTools = options.tools.filter((t) => t.startsWith('mcshell'));
  if (mcshellTools.length === 0) return;
  if (options.cold) {
    log('mcshell: every run hashes the image (--cold)');
    return;
  }
  for (const tool of mcshellTools) {
    const keyArgs = tool === 'mcshell-enc' ? ['--key-file', join(work, 'session.key')] : [];
    const r = spawnSync(process.execPath, [mcshellBin, 'send', image, '--prepare', ...options.sendArgs, ...keyArgs], { encoding: 'utf8' });
    if (r.status !== 0) fail(`mcshell send --prepare failed: ${r.stderr.trim()}`, 1);
  }
  log('mcshell: image prepared before the runs (send --prepare: its manifest is cached); --cold to hash in every run');
}

function lastLine(text) {
  const lines = text.split(/[\r\n]+/).map((l) => l.trim()).filter(Boolean);
  return (lines.at(-1) ?? 'no output').slice(0, 160);
}

// ---- report --------------------------------------------------------------------------------------

function fmt(value, digits) {
  return value === null || value === undefined ? '-' : value.toFixed(digits);
}

function table(rows) {
  const header = ['tool', 'N', 'loss', 'size', 'time s', 'Mbit/s', 'x ideal', 'wire/S', 'snd CPU s', 'rcv RSS MiB', 'verified', 'note'];
  const body = rows.map((r) => [
    r.tool, String(r.receivers), `${(r.loss * 100).toFixed(1)}%`, `${(r.size / 2 ** 20).toFixed(0)}M`,
    fmt(r.time, 2), fmt(r.mbps, 1), fmt(r.ratio, 2), fmt(r.wireRatio, 3), fmt(r.senderCpu, 2), fmt(r.maxReceiverRssMiB, 0),
    `${r.verified}/${r.receivers}`, r.note,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const line = (cells) => '| ' + cells.map((x, c) => x.padEnd(widths[c])).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

// With --repeat, one row per tool with the median of each figure over its runs.
function medians(rows) {
  const median = (xs) => {
    const v = xs.filter((x) => x !== null).sort((a, b) => a - b);
    return v.length === 0 ? null : v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  };
  const tools = [...new Set(rows.map((r) => r.tool))];
  return tools.map((tool) => {
    const runs = rows.filter((r) => r.tool === tool);
    const pick = (key) => median(runs.map((r) => r[key]));
    return {
      ...runs[0], run: 'median', time: pick('time'), mbps: pick('mbps'), ratio: pick('ratio'), wireRatio: pick('wireRatio'),
      senderCpu: pick('senderCpu'), maxReceiverRssMiB: pick('maxReceiverRssMiB'),
      verified: Math.min(...runs.map((r) => r.verified)),
      note: `median of ${runs.length} runs, ${runs.filter((r) => r.verified === r.receivers).length} fully verified`,
    };
  });
}

// ---- main ----------------------------------------------------------------------------------------

async function main() {
  const options = readOptions();
  checkEnvironment(options);
  ensurePrivateNamespace(import.meta.url); // re-runs the harness in a namespace of its own, with only lo
  sweepStale(options.dir);
  const work = mkdtempSync(join(options.dir, `mcbench-${process.pid}-`));
  const cleanup = () => {
    for (const p of [...live]) killGroup(p, 'SIGKILL');
    spawnSync(netlan, ['down', '--prefix', `mcb${process.pid}`], { stdio: 'ignore', timeout: 60_000 });
    if (!options.keep) rmSync(work, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      console.error(`\nbench-transport: ${sig}, tearing down`);
      cleanup();
      process.exit(130);
    });
  }
  const log = options.json ? console.error : console.log;
  try {
    const image = join(work, 'image.bin');
    log(`image: ${(options.size / 2 ** 20).toFixed(0)} MiB of random bytes in ${work}`);
    const imageHash = await makeImage(image, options.size);
    writeFileSync(join(work, 'session.key'), randomBytes(32).toString('hex'), { mode: 0o600 });
    prepareManifests(options, work, image, log);
    log(`LAN: 1 sender + ${options.receivers} receivers, rate ${options.rate ? options.rateText : 'unshaped'}, loss ${(options.loss * 100).toFixed(1)}% per receiver${options.slow ? `, slow ${options.slow}` : ''}; ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}`);
    const rows = [];
    for (let run = 1; run <= options.repeat; run++) {
      for (const tool of options.tools) {
        console.error(`running ${tool} (${run}/${options.repeat}) ...`);
        const row = await runOnce(tool, options, work, image, imageHash, run);
        console.error(`  ${tool}: ${row.time === null ? 'FAILED' : `${row.time.toFixed(2)} s`} ${row.verified}/${row.receivers} verified ${row.note}`);
        rows.push(row);
      }
    }
    log(table(rows));
    const summary = options.repeat > 1 ? medians(rows) : null;
    if (summary) log(`\n${table(summary)}`);
    if (options.json) console.log(JSON.stringify({ options, cpus: cpus().length, rows, ...(summary ? { medians: summary } : {}) }, null, 2));
    if (options.keep) log(`kept ${work}`);
    return rows.every((r) => r.verified === r.receivers) ? 0 : 1;
  } finally {
    cleanup();
  }
}

process.exitCode = await main();
