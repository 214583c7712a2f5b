#!/usr/bin/env node
// Transport benchmark: mcshell vs udpcast vs UFTP on a private LAN of network namespaces
// (scripts/netlan.sh). See docs/benchmark.md for what it measures and how to read it.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  fmt, hostAddress, lanPrefix, lanProblem, lastLine, mcshellBin, parseRate as rateBits, parseSize as sizeBytes, readCommandLine, renderTable, runSession, sha256File,
  sweepStale, teardownOnSignals, withLan,
} from './bench-lan.mjs';
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

const PORTBASE = '9000';

function fail(message, code = 2) {
  console.error(`bench-transport: ${message}`);
  process.exit(code);
}

function parseSize(text) {
  return sizeBytes(text) ?? fail(`bad size '${text}' (e.g. 32M, 1G)`);
}

function parseRate(text) {
  return rateBits(text) ?? fail(`bad rate '${text}' (tc syntax, e.g. 100mbit)`);
}

function parseLoss(text) {
  const value = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (!(value >= 0 && value <= 1)) fail(`bad loss '${text}' (e.g. 0.01 or 1%)`);
  return value;
}

function readOptions() {
  const values = readCommandLine(
    USAGE,
    {
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
    },
    { receivers: 4, fail },
  );
  const receivers = values.receivers;
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
  const problem = lanProblem(options.tools.flatMap((tool) => TOOLS[tool].need));
  if (problem) fail(problem);
  const free = statfsSync(options.dir);
  const needed = options.size * (options.receivers + 1) * 1.1;
  if (free.bavail * free.bsize < needed) {
    fail(`${options.dir} has ${(free.bavail * free.bsize / 2 ** 20).toFixed(0)} MiB free; this run needs ${(needed / 2 ** 20).toFixed(0)} MiB (use --dir)`);
  }
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
  const prefix = lanPrefix();
  const runDir = join(work, `${tool}-${run}`);
  mkdirSync(runDir);
  const row = {
    tool, receivers: n, loss: options.loss, size: options.size, rate: options.rate, run,
    time: null, ideal: options.rate ? (options.size * 8) / options.rate : null, ratio: null, mbps: null,
    wireRatio: null, senderCpu: null, maxReceiverRssMiB: null, verified: 0, results: [], note: '',
    load1: Number(loadavg()[0].toFixed(2)), ...(options.keep ? { logs: runDir } : {}),
  };
  const lan = { prefix, receivers: n, rateText: options.rate ? options.rateText : null, loss: options.loss, slow: options.slow };
  try {
    await withLan(lan, async () => {
      const ctx = (i) => {
        const dir = join(runDir, `h${i}`);
        return { i, dir, out: join(dir, 'image.out'), image, keyFile: join(work, 'session.key') };
      };
      for (let i = 1; i <= n; i++) mkdirSync(ctx(i).dir);
      const session = await runSession({
        prefix, receivers: n, runDir, done: spec.done, daemon: spec.daemon, timeoutMs: options.timeoutMs,
        receiverArgv: (i) => spec.receiver(ctx(i)),
        senderArgv: spec.sender({ image, receivers: n, rate: options.rate, sendArgs: options.sendArgs, keyFile: join(work, 'session.key') }),
      });
      const { sender } = session;
      row.wireRatio = session.wireBytes / options.size;
      row.senderCpu = session.senderCpu;
      const notes = [];
      if (session.timedOut) notes.push(`timeout after ${(options.timeoutMs / 1000).toFixed(0)} s`);
      if (sender.code !== 0) notes.push(`sender ${sender.signal ? 'killed' : `exit ${sender.code}`}: ${lastLine(sender.tail)}`);
      let last = 0;
      for (const r of session.receivers) {
        const output = spec.output(ctx(r.i));
        const hash = r.time !== null && existsSync(output) ? await sha256File(output) : null;
        const ok = hash === imageHash;
        row.results.push({ host: r.i, ok, time: r.time, rssMiB: r.rssKiB === null ? null : r.rssKiB / 1024, exit: r.proc.code });
        if (ok) {
          row.verified++;
          last = Math.max(last, r.time);
        }
        if (r.rssKiB !== null) row.maxReceiverRssMiB = Math.max(row.maxReceiverRssMiB ?? 0, r.rssKiB / 1024);
      }
      if (row.verified < n) {
        const bad = row.results.find((x) => !x.ok);
        notes.push(`h${bad.host}: ${bad.time === null ? lastLine(session.receivers[bad.host - 1].proc.tail) : 'hash mismatch'}`);
      }
      if (row.verified === n) {
        // A sender that exits 0 has heard every receiver confirm the whole image (all three tools),
        // so the run also ends there when a receiver still lingers (udp-receiver waits 0.5 s to re-ACK).
        if (sender.code === 0) last = Math.min(last, (sender.exitedAt - session.t0) / 1000);
        row.time = last;
        row.mbps = (options.size * 8) / last / 1e6;
        if (row.ideal) row.ratio = last / row.ideal;
      }
      row.note = notes.join('; ');
    });
    return row;
  } finally {
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

// ---- report --------------------------------------------------------------------------------------

function table(rows) {
  const header = ['tool', 'N', 'loss', 'size', 'time s', 'Mbit/s', 'x ideal', 'wire/S', 'snd CPU s', 'rcv RSS MiB', 'verified', 'note'];
  const body = rows.map((r) => [
    r.tool, String(r.receivers), `${(r.loss * 100).toFixed(1)}%`, `${(r.size / 2 ** 20).toFixed(0)}M`,
    fmt(r.time, 2), fmt(r.mbps, 1), fmt(r.ratio, 2), fmt(r.wireRatio, 3), fmt(r.senderCpu, 2), fmt(r.maxReceiverRssMiB, 0),
    `${r.verified}/${r.receivers}`, r.note,
  ]);
  return renderTable(header, body);
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
  sweepStale(options.dir, 'mcbench-');
  const work = mkdtempSync(join(options.dir, `mcbench-${process.pid}-`));
  const cleanup = teardownOnSignals('bench-transport', lanPrefix(), () => {
    if (!options.keep) rmSync(work, { recursive: true, force: true });
  });
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
