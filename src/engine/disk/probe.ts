// Reading a disk: its partition table (sfdisk), each partition's filesystem (blkid) and the blocks
// its filesystem uses (partclone's ddrescue domain map, `-D`: the used ranges, without copying them).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../errors.js';
import { run, withLoop } from './tools.js';

export interface TablePartition {
  number: number;
  /** Bytes. */
  start: number;
  size: number;
  type: string;
  /** An MBR extended partition: a container of logical partitions, holding no filesystem. */
  extended: boolean;
}

export interface PartitionTable {
  label: 'gpt' | 'dos';
  sectorSize: number;
  dump: string;
  partitions: TablePartition[];
}

interface SfdiskJson {
  partitiontable: { label: string; sectorsize?: number; partitions?: { node: string; start: number; size: number; type: string }[] };
}

const EXTENDED_TYPES = new Set(['5', 'f', '85']);

/** The disk's partition table, or null when it has none (a plain file stays a flat image). */
export async function readPartitionTable(path: string): Promise<PartitionTable | null> {
  let json: string;
  try {
    json = await run('sfdisk', ['--json', path]);
  } catch (error) {
    if (error instanceof EngineError && error.id === 'DiskToolMissing') throw error;
    return null;
  }
  const table = (JSON.parse(json) as SfdiskJson).partitiontable;
  if ((table.label !== 'gpt' && table.label !== 'dos') || !table.partitions?.length) return null;
  const sectorSize = table.sectorsize ?? 512;
  const partitions = table.partitions.map((p) => ({
    number: Number(/(\d+)$/.exec(p.node)?.[1]),
    start: p.start * sectorSize,
    size: p.size * sectorSize,
    type: p.type.toLowerCase(),
    extended: table.label === 'dos' && EXTENDED_TYPES.has(p.type.toLowerCase()),
  }));
  return { label: table.label, sectorSize, dump: await run('sfdisk', ['--dump', path]), partitions };
}

/** The partition that ends last (the one that shrinks and grows). */
export function lastOf(table: PartitionTable): TablePartition {
  return table.partitions.filter((p) => !p.extended).reduce((a, b) => (b.start + b.size > a.start + a.size ? b : a));
}

/** blkid's filesystem type for the bytes [offset, offset + size) of a file or device, or null. */
export async function detectFilesystem(path: string, offset: number, size: number): Promise<string | null> {
  const out = await run('blkid', ['-p', '-o', 'export', '-O', String(offset), '-S', String(size), path], { okCodes: [2] }).catch(() => '');
  const usage = /^USAGE=(.*)$/m.exec(out)?.[1];
  const type = /^TYPE=(.*)$/m.exec(out)?.[1];
  return type && usage === 'filesystem' ? type : null;
}

/** partclone's program for a blkid type, or null when partclone does not know the filesystem. */
export function partcloneFor(filesystem: string): string | null {
  const programs: Record<string, string> = {
    ext2: 'partclone.extfs',
    ext3: 'partclone.extfs',
    ext4: 'partclone.extfs',
    vfat: 'partclone.fat',
    ntfs: 'partclone.ntfs',
    xfs: 'partclone.xfs',
    btrfs: 'partclone.btrfs',
    exfat: 'partclone.exfat',
    f2fs: 'partclone.f2fs',
    hfsplus: 'partclone.hfsp',
  };
  return programs[filesystem] ?? null;
}

/**
 * The ranges [offset, length] (relative to the partition) that the partition's filesystem uses,
 * from partclone's domain map. Throws when partclone cannot read the filesystem (damaged, or
 * needing a check): the caller keeps the partition whole and says why.
 */
export async function usedRanges(program: string, disk: string, start: number, size: number): Promise<[number, number][]> {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-domain-'));
  try {
    const domain = join(dir, 'domain');
    // Its log beside the map: partclone that cannot open its default /var/log/partclone.log (a boot
    // image has no /var/log) writes no map, and still exits 0.
    await withLoop(disk, start, size, true, (device) => run(program, ['--domain', '--quiet', '--source', device, '--output', domain, '--logfile', join(dir, 'partclone.log')]));
    return parseDomain(await readFile(domain, 'utf8'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The '+' (used) ranges of a ddrescue domain map: lines `0xPOS 0xSIZE status`. */
export function parseDomain(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  let header = true;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    // The first non-comment line is the current position; the block lines follow.
    if (header) {
      header = false;
      continue;
    }
    if (fields[2] === '+') ranges.push([Number(fields[0]), Number(fields[1])]);
  }
  return ranges;
}
