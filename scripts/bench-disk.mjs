#!/usr/bin/env node
// Disk-image benchmark (issue 18): deploying a realistic OS disk to N receivers on the namespace LAN
// with raw udpcast, Clonezilla/FOG's partclone + zstd + udpcast, and mcshell (raw file; new format).
// See docs/benchmark-disk.md.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, statfsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ensureDisk, ensureZstd19, DISK_TOOLS, partcloneCapture, q } from './bench-disk-image.mjs';
import { fmt, lanPrefix, lanProblem, lastLine, mcshellBin, parseSize, readCommandLine, renderTable, runSession, sleep, sweepStale, teardownOnSignals, withLan } from './bench-lan.mjs';
import { ensurePrivateNamespace } from './netns-guard.mjs';

const SETTINGS = {
  '1g': { label: '1 Gbit/s, no loss', rateText: '1gbit', rate: 1e9, loss: 0 },
  '100m-loss1': { label: '100 Mbit/s, 1 % loss', rateText: '100mbit', rate: 1e8, loss: 0.01 },
  unshaped: { label: 'unshaped veths, no loss', rateText: null, rate: null, loss: 0 },
};
const TOOL_NAMES = ['udpcast', 'partclone', 'partclone-live', 'mcshell-raw', 'mcshell-new'];

const USAGE = `usage: sudo node scripts/bench-disk.mjs [options]

Builds (once, cached) a GPT disk in a sparse file: an EFI System Partition (FAT32) and an ext4 root
holding copies of this machine's /usr, the rest free; then, on a fresh namespace LAN per run
(scripts/netlan.sh), deploys it to N receivers with each tool and reports the time until every
receiver holds a verified disk: a sparse file equal to the source disk byte for byte.

  --setting LIST    ${Object.entries(SETTINGS).map(([k, s]) => `${k} (${s.label})`).join(', ')}
                    (default 1g,100m-loss1)
  --tool LIST       ${TOOL_NAMES.join(',')} (default: all)
                      udpcast        udp-sender --file disk / udp-receiver, the raw disk
                      partclone      Clonezilla/FOG deployment: the stored partclone images (zstd -3) per
                                     partition through udp-sender; receivers restore the table with sfdisk,
                                     then udp-receiver | zstd -d | partclone.restore per partition
                      partclone-live the same captured on the fly: partclone -c | zstd -3 -T0 | udp-sender
                      mcshell-raw    mcshell send / receive of the raw disk file (mcshell before issue 18)
                      mcshell-new    Import-OSImage of the disk, mcshell send of the stored file, receive
                                     --out applies it (reported "not available yet" while the import keeps
                                     a flat file)
  --receivers N     receivers (default 8)
  --size S          disk size (default 8G: a 256 MiB ESP and 1.5 GiB of files); smaller disks scale the
                    ESP and the files, for quick runs (e.g. 1G); at least 512M
  --cache DIR       where the disk and its stored images are kept between runs (/var/cache/mcshell-bench)
  --dir DIR         where the receivers' disks go (default DIR/runs of the cache)
  --timeout SEC     per run (default 120 s + 10 x the raw disk's time at the setting's rate)
  --no-zstd19       do not capture the disk with zstd -19 (its stored size and capture time are then
                    not reported); the capture runs once, after the runs, and is cached
  --stored-only     no LAN runs: only the stored sizes and capture (import) times
  --keep            keep the work directory (logs, mcshell site) and print its path
  --json            print the results as JSON on stdout (the tables then go to stderr)
  -h, --help        this text

Needs root (ip netns), iproute2, nftables, GNU time, udpcast, partclone, zstd, fdisk, dosfstools,
mtools, e2fsprogs. Nothing is sent outside the namespaces it makes.`;

function fail(message, code = 2) {
  console.error(`bench-disk: ${message}`);
  process.exit(code);
}

function list(text, known, what) {
  const items = text.split(',').map((t) => t.trim()).filter(Boolean);
  for (const item of items) if (!known.includes(item)) fail(`unknown ${what} '${item}' (known: ${known.join(', ')})`);
  if (items.length === 0) fail(`--${what} needs at least one of: ${known.join(', ')}`);
  return items;
}

function readOptions() {
  const values = readCommandLine(
    USAGE,
    {
      setting: { type: 'string', default: '1g,100m-loss1' },
      tool: { type: 'string', default: TOOL_NAMES.join(',') },
      size: { type: 'string', default: '8G' },
      cache: { type: 'string', default: '/var/cache/mcshell-bench' },
      'no-zstd19': { type: 'boolean', default: false },
      'stored-only': { type: 'boolean', default: false },
    },
    { receivers: 8, fail },
  );
  const size = parseSize(values.size);
  if (!size || size < 512 * 2 ** 20 || size % 2 ** 20) fail(`bad --size '${values.size}' (a whole number of MiB, at least 512M, e.g. 1G, 8G)`);
  const timeout = values.timeout === undefined ? null : Number(values.timeout);
  if (timeout !== null && !(timeout > 0)) fail('--timeout must be a positive number of seconds');
  return {
    settings: list(values.setting, Object.keys(SETTINGS), 'setting'),
    tools: list(values.tool, TOOL_NAMES, 'tool'),
    receivers: values.receivers,
    size,
    cache: values.cache,
    dir: values.dir ?? join(values.cache, 'runs'),
    timeout,
    zstd19: !values['no-zstd19'],
    storedOnly: values['stored-only'],
    keep: values.keep,
    json: values.json,
  };
}

// ---- the tools -----------------------------------------------------------------------------------

const PORTBASE = '9000';
const sh = (script) => ['bash', '-c', `set -euo pipefail; ${script}`];
// A raw stream becomes a sparse file, as the other tools' outputs are: holes instead of written zeros.
const sparseInto = (out) => `dd of=${q(out)} bs=1M iflag=fullblock conv=sparse status=none`;

function udpSender(c, source) {
  return [
    'udp-sender', '--interface', 'mcv0', ...source, '--min-receivers', String(c.receivers), '--nokbd', '--portbase', PORTBASE,
    '--start-timeout', '30', '--rexmit-hello-interval', '100', ...(c.rate ? ['--max-bitrate', String(c.rate)] : []),
  ].map(q).join(' ');
}
const udpReceiver = (i, log) => `udp-receiver --interface mcv${i} --nokbd --portbase ${PORTBASE} 2>>${q(log)}`;

/** Receivers of Clonezilla/FOG: the partition table first, then each partition's stream restored at its offset. */
function partcloneReceiver(c, i) {
  const steps = c.disk.partitions.map(
    (p) => `${udpReceiver(i, c.log(i))} | zstd -q -d | partclone.restore -q -C -s - -O ${q(c.out(i))} --offset=${p.start} -L ${q(c.log(i, 'partclone'))} >/dev/null`,
  );
  return sh([`truncate -s ${c.disk.size} ${q(c.out(i))}`, `sfdisk -q ${q(c.out(i))} < ${q(c.disk.table)}`, ...steps].join('; '));
}

const mcshellSend = (c, file) => [
  process.execPath, mcshellBin, 'send', file, '--interface', 'mcv0', '--min-clients', String(c.receivers), '--json', ...(c.rate ? ['--rate', String(c.rate)] : []),
];

const TOOLS = {
  udpcast: {
    need: [['udp-sender', 'udpcast'], ['udp-receiver', 'udpcast']],
    sender: (c) => sh(udpSender(c, ['--file', c.disk.disk])),
    receiver: (c, i) => sh(`${udpReceiver(i, c.log(i))} | ${sparseInto(c.out(i))}`),
  },
  partclone: {
    need: [['udp-sender', 'udpcast'], ['partclone.restore', 'partclone'], ['zstd', 'zstd'], ['sfdisk', 'fdisk']],
    sender: (c) => sh(c.disk.partitions.map((p) => udpSender(c, ['--file', p.zstd3])).join('; ')),
    receiver: partcloneReceiver,
  },
  'partclone-live': {
    need: [['udp-sender', 'udpcast'], ['partclone.restore', 'partclone'], ['zstd', 'zstd'], ['sfdisk', 'fdisk']],
    sender: (c) => sh(c.disk.partitions.map((p) => `${partcloneCapture(p.fs)} -c -q -s ${q(p.file)} -o - -L ${q(c.log(0, 'partclone'))} | zstd -q -3 -T0 | ${udpSender(c, [])}`).join('; ')),
    receiver: partcloneReceiver,
  },
  'mcshell-raw': {
    need: [],
    sender: (c) => mcshellSend(c, c.disk.disk),
    // --out - streams the image in order into dd, which leaves the zeros as holes: written in full,
    // eight 8 GiB copies would not fit here, and the other tools write sparse files too.
    receiver: (c, i) => sh(`${q(process.execPath)} ${q(mcshellBin)} receive --interface mcv${i} --out - --json 2>>${q(c.log(i))} | ${sparseInto(c.out(i))}`),
  },
  'mcshell-new': {
    need: [],
    sender: (c) => mcshellSend(c, c.imported.path),
    receiver: (c, i) => [process.execPath, mcshellBin, 'receive', '--interface', `mcv${i}`, '--out', c.out(i), '--json'],
  },
};

// ---- mcshell's new format ------------------------------------------------------------------------

function mcshell(args, env) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [mcshellBin, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 2 ** 20 });
  return { ...r, seconds: (performance.now() - t0) / 1000 };
}

/** The first JSON object among `-c`'s output lines. */
function firstObject(stdout) {
  for (const line of stdout.split('\n')) {
    try {
      const value = JSON.parse(line);
      if (value && typeof value === 'object') return Array.isArray(value) ? value[0] : value;
    } catch {
      // not JSON: a progress or text line
    }
  }
  return null;
}

/**
 * What Get-OSImage's object says of the stored image (i18-disk's contract): Format 'Disk' with its
 * Partitions for a converted disk ('Flat' or no Format otherwise), Path the stored file, SizeBytes
 * the stored (and sent) size beside LogicalSizeBytes, the disk it restores.
 */
function storedImage(image) {
  return {
    partitioned: image?.Format === 'Disk' && Array.isArray(image.Partitions) && image.Partitions.length > 0,
    path: typeof image?.Path === 'string' && existsSync(image.Path) ? image.Path : null,
    storedBytes: typeof image?.SizeBytes === 'number' ? image.SizeBytes : null,
    logicalBytes: typeof image?.LogicalSizeBytes === 'number' ? image.LogicalSizeBytes : null,
    partitions: image?.Partitions ?? null,
  };
}

/**
 * Imports the disk into a site of its own (Import-OSImage) when mcshell converts disks into its new
 * format: a small probe disk first, so a build that still stores flat files does not copy the whole
 * disk for nothing. Returns { path, storedBytes, seconds } or { unavailable: why }.
 */
function importNewFormat(disk, work, log) {
  const home = join(work, 'site');
  mkdirSync(home, { recursive: true });
  const env = { MCSHELL_HOME: home };
  const probe = join(work, 'probe.img');
  const probeSetup = spawnSync('bash', ['-c', `set -e; truncate -s 48M ${q(probe)}; printf 'label: gpt\\nstart=2048, size=81920, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\\n' | sfdisk -q ${q(probe)}; truncate -s 40M ${q(probe)}.p1; mkfs.ext4 -q -F ${q(probe)}.p1; dd if=${q(probe)}.p1 of=${q(probe)} bs=1M seek=1 conv=sparse,notrunc status=none; rm ${q(probe)}.p1`], { encoding: 'utf8' });
  if (probeSetup.status !== 0) return { unavailable: `could not build the probe disk: ${probeSetup.stderr.trim()}` };
  const describe = (name, path) => {
    const imported = mcshell(['-c', `Import-OSImage -Path '${path}' -Name ${name}`], env);
    if (imported.status !== 0) return { error: `Import-OSImage failed: ${lastLine(imported.stderr || imported.stdout)}` };
    const shown = mcshell(['-c', `Get-OSImage ${name}`], env);
    if (shown.status !== 0) return { error: `Get-OSImage failed: ${lastLine(shown.stderr || shown.stdout)}` };
    return { ...storedImage(firstObject(shown.stdout)), seconds: imported.seconds };
  };
  const probed = describe('probe', probe);
  if (probed.error) return { unavailable: probed.error };
  if (!probed.partitioned || !probed.path || probed.storedBytes === null) {
    return { unavailable: "not available yet: Import-OSImage stores disks as flat files (Get-OSImage shows no Format 'Disk' with partitions and Path)" };
  }
  log('mcshell-new: importing the disk (Import-OSImage) ...');
  const load = loadavg()[0];
  const imported = describe('benchdisk', disk);
  if (imported.error) return { unavailable: imported.error };
  if (!imported.partitioned || !imported.path || imported.storedBytes === null) return { unavailable: 'Import-OSImage did not convert the bench disk into the new format' };
  return { ...imported, loadBefore: Number(load.toFixed(2)), loadAfter: Number(loadavg()[0].toFixed(2)) };
}

/** mcshell senders hash a file into a manifest; done once here (cached by the cache's XDG dir), as for an image kept for deployment. */
function prepareSend(file) {
  const r = mcshell(['send', file, '--prepare'], {});
  return r.status === 0 ? null : lastLine(r.stderr || r.stdout);
}

// ---- one run -------------------------------------------------------------------------------------

/** Share of CPU time busy over `ms` (from /proc/stat) before a run starts: the load of everything but the run. */
async function busyShare(ms) {
  const sample = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + f[4];
    return { idle, total: f.reduce((a, b) => a + b, 0) };
  };
  const a = sample();
  await sleep(ms);
  const b = sample();
  return b.total === a.total ? 0 : 1 - (b.idle - a.idle) / (b.total - a.total);
}

// Compares a receiver's disk with the source byte for byte over the data regions of either file
// (SEEK_DATA/SEEK_HOLE; Node has no such seek): where both have holes both read as zeros. Hashing
// every receiver's whole 8 GiB instead took minutes per run on the loaded 2-core machine.
const SAME_DISK = `
import os, sys
def regions(fd, size):
    out, off = [], 0
    while off < size:
        try:
            start = os.lseek(fd, off, os.SEEK_DATA)
        except OSError:
            break
        off = os.lseek(fd, start, os.SEEK_HOLE)
        out.append((start, off))
    return out
a, b = (os.open(p, os.O_RDONLY) for p in sys.argv[1:3])
size = os.fstat(a).st_size
if os.fstat(b).st_size != size:
    sys.exit('size differs')
merged = []
for start, end in sorted(regions(a, size) + regions(b, size)):
    if merged and start <= merged[-1][1]:
        merged[-1][1] = max(merged[-1][1], end)
    else:
        merged.append([start, end])
for start, end in merged:
    for off in range(start, end, 1 << 20):
        n = min(1 << 20, end - off)
        if os.pread(a, n, off) != os.pread(b, n, off):
            sys.exit('differs at byte %d' % off)
`;

/** For each receiver's disk: null when it equals the source byte for byte, else why not; two at a time (two cores). */
async function compareAll(source, paths) {
  const result = new Map();
  const queue = [...paths];
  const worker = async () => {
    while (queue.length) {
      const path = queue.shift();
      const why = await new Promise((resolveWhy) => {
        const child = spawn('python3', ['-c', SAME_DISK, source, path], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('close', (code) => resolveWhy(code === 0 ? null : lastLine(err) || `exit ${code}`));
      });
      result.set(path, why);
    }
  };
  await Promise.all([worker(), worker()]);
  return result;
}

async function runOnce(tool, settingName, options, c, work) {
  const setting = SETTINGS[settingName];
  const n = options.receivers;
  const prefix = lanPrefix();
  const runDir = join(work, `${settingName}-${tool}`);
  const outDir = join(runDir, 'disks');
  mkdirSync(outDir, { recursive: true });
  const rawIdeal = setting.rate ? (c.disk.size * 8) / setting.rate : null;
  const row = {
    setting: settingName, tool, receivers: n, size: c.disk.size, rate: setting.rate, loss: setting.loss,
    time: null, wireBytes: null, senderCpu: null, verified: 0, results: [], note: '',
    busyBefore: null, load1: null, ...(options.keep ? { logs: runDir } : {}),
  };
  if (tool === 'mcshell-new' && c.imported.unavailable) {
    row.note = c.imported.unavailable;
    return row;
  }
  const ctx = {
    ...c, receivers: n, rate: setting.rate,
    out: (i) => join(outDir, `h${i}.disk`),
    log: (i, what = 'tool') => join(runDir, `h${i}.${what}.log`),
  };
  const timeoutMs = options.timeout ? options.timeout * 1000 : 120_000 + 10_000 * (rawIdeal ?? (c.disk.size * 8) / 1e9);
  row.busyBefore = Number((await busyShare(2000)).toFixed(2));
  row.load1 = Number(loadavg()[0].toFixed(2));
  try {
    await withLan({ prefix, receivers: n, rateText: setting.rateText, loss: setting.loss }, async () => {
      const session = await runSession({
        prefix, receivers: n, runDir, timeoutMs,
        receiverArgv: (i) => TOOLS[tool].receiver(ctx, i),
        senderArgv: TOOLS[tool].sender(ctx),
      });
      row.wireBytes = session.wireBytes;
      row.senderCpu = session.senderCpu;
      const notes = [];
      if (session.timedOut) notes.push(`timeout after ${(timeoutMs / 1000).toFixed(0)} s`);
      if (session.sender.code !== 0) notes.push(`sender ${session.sender.signal ? 'killed' : `exit ${session.sender.code}`}: ${lastLine(session.sender.tail)}`);
      const finished = session.receivers.filter((r) => r.time !== null && existsSync(ctx.out(r.i)));
      const differences = await compareAll(c.disk.disk, finished.map((r) => ctx.out(r.i)));
      let last = 0;
      for (const r of session.receivers) {
        const out = ctx.out(r.i);
        const ok = differences.get(out) === null;
        row.results.push({ host: r.i, ok, time: r.time, exit: r.proc.code, allocatedMiB: existsSync(out) ? (statSync(out).blocks * 512) / 2 ** 20 : null });
        if (ok) {
          row.verified++;
          last = Math.max(last, r.time);
        }
      }
      if (row.verified < n) {
        const bad = row.results.find((x) => !x.ok);
        const logFile = ctx.log(bad.host);
        // A failed receiver's reason: its last line that says so (udp-receiver ends with "Transfer complete." even when dropped).
        const output = `${session.receivers[bad.host - 1].proc.tail}\n${existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4096) : ''}`;
        const reason = output.split(/[\r\n]+/).findLast((l) => /drop|error|fail|abort/i.test(l))?.trim().slice(0, 160) ?? lastLine(output);
        const why = bad.time === null ? `exit ${bad.exit}: ${reason}` : `disk differs from the source: ${differences.get(ctx.out(bad.host))}`;
        notes.push(`h${bad.host}: ${why}`);
      } else {
        row.time = last;
      }
      row.note = notes.join('; ');
    });
    return row;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

// ---- report --------------------------------------------------------------------------------------

function relate(rows) {
  for (const row of rows) {
    const peer = (tool) => rows.find((r) => r.setting === row.setting && r.tool === tool && r.time !== null)?.time ?? null;
    const udpcast = peer('udpcast');
    const partclone = peer('partclone');
    row.vsUdpcast = row.time !== null && udpcast ? row.time / udpcast : null;
    row.vsPartclone = row.time !== null && partclone ? row.time / partclone : null;
  }
}

function resultTable(rows) {
  const header = ['setting', 'tool', 'N', 'time s', 'x udpcast', 'x partclone', 'wire MiB', 'snd CPU s', 'verified', 'busy before', 'load1', 'note'];
  const body = rows.map((r) => [
    r.setting, r.tool, String(r.receivers), fmt(r.time, 1), fmt(r.vsUdpcast, 3), fmt(r.vsPartclone, 3),
    r.wireBytes === null ? '-' : (r.wireBytes / 2 ** 20).toFixed(0), fmt(r.senderCpu, 1), `${r.verified}/${r.receivers}`,
    r.busyBefore === null ? '-' : `${(r.busyBefore * 100).toFixed(0)}%${r.busyBefore > 0.25 ? ' (loaded)' : ''}`, fmt(r.load1, 2), r.note,
  ]);
  return renderTable(header, body);
}

function storedTable(disk, imported) {
  const MiB = (b) => (b / 2 ** 20).toFixed(1);
  const { zstd3, zstd19 } = disk.captures;
  const vs19 = (b) => (zstd19 ? (b / zstd19.bytes).toFixed(3) : '-');
  const took = (c, what = '') => `${c.seconds.toFixed(1)}${what} (load ${c.loadBefore}${c.loadAfter === null ? '' : `..${c.loadAfter}`})`;
  const rows = [
    ['raw disk (logical)', MiB(disk.stored.raw), vs19(disk.stored.raw), '-'],
    ['raw disk file (allocated, sparse)', MiB(disk.stored.rawAllocated), vs19(disk.stored.rawAllocated), '-'],
    ['partclone images + zstd -3 -T0', MiB(zstd3.bytes), vs19(zstd3.bytes), took(zstd3)],
    zstd19 ? ['partclone images + zstd -19 -T0', MiB(zstd19.bytes), '1.000', took(zstd19)] : ['partclone images + zstd -19 -T0', '-', '-', 'not measured (--no-zstd19)'],
    imported.unavailable
      ? ['mcshell new format', '-', '-', imported.unavailable]
      : ['mcshell new format (Get-OSImage stored size)', MiB(imported.storedBytes), vs19(imported.storedBytes), took(imported, ' import')],
  ];
  return renderTable(['stored as', 'MiB', 'x zstd -19', 'capture s'], rows);
}

// ---- main ----------------------------------------------------------------------------------------

async function main() {
  const options = readOptions();
  const problem = lanProblem([...DISK_TOOLS, ['python3', 'python3'], ['dd', 'coreutils'], ...options.tools.flatMap((t) => TOOLS[t].need)]);
  if (problem) fail(problem);
  ensurePrivateNamespace(import.meta.url); // re-runs the harness in a namespace of its own, with only lo
  const log = options.json ? console.error : console.log;
  mkdirSync(options.dir, { recursive: true });
  sweepStale(options.dir, 'mcbdisk-');
  const disk = ensureDisk({ size: options.size, cache: options.cache, log: console.error });
  const free = statfsSync(options.dir);
  const needed = disk.allocatedBytes * options.receivers * 1.2;
  if (free.bavail * free.bsize < needed) fail(`${options.dir} has ${(free.bavail * free.bsize / 2 ** 20).toFixed(0)} MiB free; the receivers' disks need ${(needed / 2 ** 20).toFixed(0)} MiB (use --dir)`);
  const work = mkdtempSync(join(options.dir, `mcbdisk-${process.pid}-`));
  const cleanup = teardownOnSignals('bench-disk', lanPrefix(), () => {
    if (!options.keep) rmSync(work, { recursive: true, force: true });
  });
  try {
    // mcshell senders keep their manifests in the benchmark cache's own XDG cache.
    process.env.XDG_CACHE_HOME = join(options.cache, 'xdg');
    const imported = options.tools.includes('mcshell-new') ? importNewFormat(disk.disk, work, console.error) : { unavailable: 'not run' };
    for (const [tool, file] of [['mcshell-raw', disk.disk], ['mcshell-new', imported.path]]) {
      if (!options.tools.includes(tool) || !file) continue;
      const why = prepareSend(file);
      if (why) console.error(`${tool}: send --prepare failed (${why}); its runs hash the image themselves`);
    }
    log(`disk: ${(disk.size / 2 ** 30).toFixed(2)} GiB GPT (ESP ${disk.partitions[0].bytes / 2 ** 20} MiB FAT32, root ext4 with ${(disk.rootFilesBytes / 2 ** 30).toFixed(2)} GiB in ${disk.rootFileCount} files from /usr), ${(disk.allocatedBytes / 2 ** 20).toFixed(0)} MiB allocated; ${disk.disk}`);
    log(`LAN: 1 sender + ${options.receivers} receivers; ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const rows = [];
    for (const setting of options.storedOnly ? [] : options.settings) {
      for (const tool of options.tools) {
        console.error(`running ${tool} at ${setting} (${SETTINGS[setting].label}) ...`);
        const row = await runOnce(tool, setting, options, { disk, imported }, work);
        console.error(`  ${tool}: ${row.time === null ? 'no result' : `${row.time.toFixed(1)} s`} ${row.verified}/${row.receivers} verified ${row.note}`);
        rows.push(row);
      }
    }
    relate(rows);
    if (options.zstd19) disk.captures.zstd19 = ensureZstd19(disk);
    log(`\n${storedTable(disk, imported)}${rows.length ? `\n\n${resultTable(rows)}` : ''}`);
    if (options.json) {
      console.log(JSON.stringify({ options, cpus: cpus().length, disk, mcshellNew: imported, rows }, null, 2));
    }
    if (options.keep) log(`kept ${work}`);
    return rows.every((r) => r.verified === r.receivers || (r.tool === 'mcshell-new' && imported.unavailable)) ? 0 : 1;
  } finally {
    cleanup();
  }
}

process.exitCode = await main();
