// The disk of scripts/bench-disk.mjs, built once into a cache: a sparse disk file with a GPT, an EFI
// System Partition (FAT32) and an ext4 root filled with copies of this machine's /usr, the rest free;
// beside it what Clonezilla/FOG would store of it (partclone images compressed with zstd -3 and -19).
// Run alone it builds (or finds) the disk, and unless --no-zstd19 its zstd -19 capture, and prints
// their description:
//   sudo node scripts/bench-disk-image.mjs [--size 8G] [--cache /var/cache/mcshell-bench] [--no-zstd19]
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseSize } from './bench-lan.mjs';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const SECTOR = 512;
// Bump when the disk's recipe changes, so stale caches are not used.
const RECIPE = 1;
// Fixed identities, so every build of a size describes the same disk.
const GPT = {
  label: '5D0B8D1C-3E0F-4C4A-9B0E-6A6D2C1B4E01',
  esp: { type: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', uuid: '5D0B8D1C-3E0F-4C4A-9B0E-6A6D2C1B4E02' },
  root: { type: '0FC63DAF-8483-4772-8E79-3D69D8477DE4', uuid: '5D0B8D1C-3E0F-4C4A-9B0E-6A6D2C1B4E03' },
};
// Where the root's files come from, in this order, until its share of the disk is filled.
const USR_SOURCES = ['/usr/bin', '/usr/sbin', '/usr/lib/x86_64-linux-gnu', '/usr/share', '/usr/libexec', '/usr/include', '/usr/lib/python3'];
const ESP_SOURCES = ['/usr/lib/ipxe', '/usr/share/OVMF', '/usr/lib/syslinux', '/usr/lib/shim', '/usr/lib/grub'];

export const DISK_TOOLS = [['sfdisk', 'fdisk'], ['mkfs.ext4', 'e2fsprogs'], ['mkfs.vfat', 'dosfstools'], ['mcopy', 'mtools'], ['partclone.ext4', 'partclone'], ['partclone.vfat', 'partclone'], ['zstd', 'zstd'], ['tar', 'tar']];

/**
 * The layout for a disk of `size` bytes: 8 GiB gets a 256 MiB ESP and 1.5 GiB of files on the root
 * (the issue's disk); a smaller disk scales both, for quick runs.
 */
export function layout(size) {
  const scale = size / (8 * GiB);
  const espBytes = Math.max(64 * MiB, Math.min(256 * MiB, Math.round((256 * MiB * scale) / MiB) * MiB));
  const espStart = MiB;
  const rootStart = espStart + espBytes;
  // The backup GPT needs the last 33 sectors; leave the last MiB, as partitioning tools do.
  const rootBytes = size - rootStart - MiB;
  return {
    size,
    partitions: [
      { number: 1, name: 'esp', fs: 'vfat', start: espStart, bytes: espBytes, ...GPT.esp },
      { number: 2, name: 'root', fs: 'ext4', start: rootStart, bytes: rootBytes, ...GPT.root },
    ],
    rootFiles: Math.round(1.5 * GiB * scale),
    espFiles: Math.min(24 * MiB, espBytes / 4),
  };
}

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * MiB, ...options });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().slice(0, 500)}`);
  return r.stdout;
}

/** Runs a shell pipeline (bash, pipefail) and returns its wall time in seconds. */
function timedShell(script) {
  const t0 = performance.now();
  run('bash', ['-c', `set -euo pipefail; ${script}`]);
  return (performance.now() - t0) / 1000;
}

export const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/** Files (and symlinks) under `sources`, walked in name order, until `budget` bytes: paths relative to /. */
function pickFiles(sources, budget) {
  const picked = [];
  let bytes = 0;
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    } catch {
      return; // unreadable: skip
    }
    for (const e of entries) {
      if (bytes >= budget) return;
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.isFile() || e.isSymbolicLink()) {
        picked.push(path.slice(1));
        bytes += e.isFile() ? lstatSync(path).size : 0;
      }
    }
  };
  for (const source of sources) if (existsSync(source) && bytes < budget) walk(source);
  return { picked, bytes };
}

function copyFiles(list, staging, into) {
  const listFile = join(staging, '..', `${into.split('/').pop()}.list`);
  writeFileSync(listFile, list.join('\0'));
  mkdirSync(into, { recursive: true });
  run('bash', ['-c', `set -o pipefail; tar -C / --null --no-recursion -cf - -T ${q(listFile)} | tar -C ${q(into)} -xf -`]);
  rmSync(listFile);
}

function allocatedBytes(path) {
  return statSync(path).blocks * 512;
}

/** The partclone command that reads a partition of filesystem `fs`. */
export function partcloneCapture(fs) {
  return `partclone.${fs}`;
}

/**
 * The cached disk for `size`, built first when missing; returns its description (meta.json): paths,
 * sha256, partitions with their partition files and stored images, sizes and capture times.
 */
export function ensureDisk({ size, cache, log = console.error }) {
  const dir = join(cache, `disk-${size / MiB}M-r${RECIPE}`);
  const metaFile = join(dir, 'meta.json');
  if (existsSync(metaFile)) return JSON.parse(readFileSync(metaFile, 'utf8'));
  const missing = DISK_TOOLS.filter(([command]) => spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0).map(([, pkg]) => pkg);
  if (missing.length) throw new Error(`missing tools to build the disk; install them with: apt-get install -y ${[...new Set(missing)].join(' ')}`);
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  try {
    const meta = build(size, building, log);
    writeFileSync(join(building, 'meta.json'), JSON.stringify(meta, null, 2).replaceAll(building, dir));
    rmSync(dir, { recursive: true, force: true });
    renameSync(building, dir);
    return JSON.parse(readFileSync(metaFile, 'utf8'));
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
}

function build(size, dir, log) {
  const plan = layout(size);
  const t0 = performance.now();
  log(`building a ${size / GiB} GiB disk in ${dir} (cached for later runs) ...`);
  const staging = join(dir, 'staging');
  const rootTree = join(staging, 'root');
  const root = pickFiles(USR_SOURCES, plan.rootFiles);
  copyFiles(root.picked, staging, rootTree);
  for (const d of ['boot/efi', 'etc', 'home', 'root', 'tmp', 'var/log', 'dev', 'proc', 'sys', 'run']) mkdirSync(join(rootTree, d), { recursive: true });
  for (const l of ['bin', 'sbin', 'lib']) if (!existsSync(join(rootTree, l))) spawnSync('ln', ['-s', `usr/${l}`, join(rootTree, l)]);
  const espTree = join(staging, 'esp');
  const esp = pickFiles(ESP_SOURCES, plan.espFiles);
  copyFiles(esp.picked, staging, espTree);

  const [espPart, rootPart] = plan.partitions;
  for (const p of plan.partitions) {
    p.file = join(dir, `p${p.number}-${p.name}.img`);
    run('truncate', ['-s', String(p.bytes), p.file]);
  }
  run('mkfs.vfat', ['-F', '32', '-n', 'EFI', espPart.file]);
  run('mmd', ['-i', espPart.file, '::/EFI', '::/EFI/BOOT']);
  const espFiles = readdirSync(espTree).map((d) => join(espTree, d));
  if (espFiles.length) run('mcopy', ['-s', '-i', espPart.file, ...espFiles, '::/EFI/BOOT/']);
  run('mkfs.ext4', ['-q', '-F', '-L', 'root', '-d', rootTree, rootPart.file]);
  rmSync(staging, { recursive: true, force: true });

  const disk = join(dir, 'disk.img');
  run('truncate', ['-s', String(size), disk]);
  const script = [
    'label: gpt',
    `label-id: ${GPT.label}`,
    ...plan.partitions.map((p) => `start=${p.start / SECTOR}, size=${p.bytes / SECTOR}, type=${p.type}, uuid=${p.uuid}, name="${p.name}"`),
  ].join('\n');
  run('sfdisk', ['-q', disk], { input: `${script}\n` });
  for (const p of plan.partitions) {
    run('dd', [`if=${p.file}`, `of=${disk}`, 'bs=1M', `seek=${p.start}`, 'oflag=seek_bytes', 'conv=sparse,notrunc', 'status=none']);
  }
  const table = join(dir, 'table.sfdisk');
  writeFileSync(table, run('sfdisk', ['--dump', disk]));
  const sha256 = run('sha256sum', [disk]).split(' ')[0];
  const buildSeconds = (performance.now() - t0) / 1000;

  // What Clonezilla deploys (zstd -3, its default), and how long that capture takes here (partclone
  // reads the partition files: the same bytes as the disk's).
  const capture = captureAll(plan.partitions, dir, 3);
  log(`  built in ${buildSeconds.toFixed(0)} s; capture with zstd -3: ${capture.seconds.toFixed(1)} s`);
  return {
    recipe: RECIPE,
    builtAt: new Date().toISOString(),
    buildSeconds,
    disk,
    table,
    size,
    sha256,
    allocatedBytes: allocatedBytes(disk),
    rootFilesBytes: root.bytes,
    rootFileCount: root.picked.length,
    espFilesBytes: esp.bytes,
    partitions: plan.partitions,
    stored: { raw: size, rawAllocated: allocatedBytes(disk) },
    captures: { zstd3: capture },
  };
}

/**
 * partclone -c of every partition through zstd -<level> -T0 into pN-<name>.ptcl.zst<level>: the
 * stored size and the wall time of the whole capture, with the load average around it.
 */
function captureAll(partitions, dir, level) {
  const loadBefore = Number(loadavg()[0].toFixed(2));
  const seconds = timedShell(
    partitions
      .map((p) => {
        p[`zstd${level}`] = join(dir, `p${p.number}-${p.name}.ptcl.zst${level}`);
        return `${partcloneCapture(p.fs)} -c -q -s ${q(p.file)} -o - -L ${q(join(dir, 'partclone.log'))} | zstd -q -${level} -T0 > ${q(p[`zstd${level}`])}`;
      })
      .join('; '),
  );
  return { level, seconds, loadBefore, loadAfter: Number(loadavg()[0].toFixed(2)), bytes: partitions.reduce((sum, p) => sum + statSync(p[`zstd${level}`]).size, 0) };
}

/**
 * The zstd -19 capture (FOG compresses at a high level at capture), kept in zstd19.json beside the
 * disk: on a loaded 2-core machine it takes tens of minutes, so it is a step of its own.
 */
export function ensureZstd19(disk, log = console.error) {
  const dir = dirname(disk.disk);
  const file = join(dir, 'zstd19.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  log('capture: partclone + zstd -19 -T0 (once; cached) ...');
  const partitions = disk.partitions.map((p) => ({ ...p }));
  const capture = captureAll(partitions, dir, 19);
  writeFileSync(file, JSON.stringify(capture, null, 2));
  return capture;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { size: { type: 'string', default: '8G' }, cache: { type: 'string', default: '/var/cache/mcshell-bench' }, 'no-zstd19': { type: 'boolean', default: false } },
  });
  const size = parseSize(values.size);
  if (!size || size < 512 * MiB || size % MiB) {
    console.error('bench-disk-image: --size must be a whole number of MiB, at least 512M (e.g. 1G, 8G)');
    process.exit(2);
  }
  const disk = ensureDisk({ size, cache: values.cache });
  console.log(JSON.stringify({ ...disk, captures: { ...disk.captures, ...(values['no-zstd19'] ? {} : { zstd19: ensureZstd19(disk) }) } }, null, 2));
}
