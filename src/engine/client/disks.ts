// The machine's disks, as a network-booted client sees them in /sys: which are fixed disks an image
// may be written to, and which one `Disk:0` (or `Disk:Serial=…`, `Disk:Model=…`, `Disk:MinSize=…`)
// names (a device's size: disk/block-device.ts). Never a removable disk, a RAM or loop device, nor a disk
// with something mounted from it (the device the machine is running from). `root` lets tests point
// at a fake /sys and /proc tree.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClientError } from './connection.js';
import { formatBytes } from './disk.js';

export interface DiskInfo {
  /** sda, vda, nvme0n1 … */
  name: string;
  /** /dev/<name> */
  path: string;
  sizeBytes: number;
  model: string;
  serial: string;
  removable: boolean;
}

/** Block devices that are never a machine's disk. */
const NOT_DISKS = /^(loop|ram|zram|sr|fd|nbd|dm-|md)\d*/;

const readText = (path: string) => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
};

/** Every block device of the machine with its size, model, serial, and whether it is removable (the inventory's disks). */
export function listDisks(root = '/'): DiskInfo[] {
  const block = join(root, 'sys/block');
  let names: string[];
  try {
    names = readdirSync(block);
  } catch {
    return [];
  }
  return names
    .filter((name) => !NOT_DISKS.test(name))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((name) => {
      const dir = join(block, name);
      return {
        name,
        path: `/dev/${name}`,
        sizeBytes: Number(readText(join(dir, 'size')) || 0) * 512,
        model: readText(join(dir, 'device/model')),
        serial: readText(join(dir, 'device/serial')) || readText(join(dir, 'serial')),
        removable: readText(join(dir, 'removable')) === '1',
      };
    });
}

/** major:minor of every mounted file system (the running system's own devices). */
function mountedDevices(root: string): Set<string> {
  const devices = new Set<string>();
  for (const line of readText(join(root, 'proc/self/mountinfo')).split('\n')) {
    const majorMinor = line.split(' ')[2];
    if (majorMinor) devices.add(majorMinor);
  }
  return devices;
}

/** True when the disk, or one of its partitions, holds a mounted file system. */
function inUse(root: string, disk: string, mounted: Set<string>): boolean {
  const dir = join(root, 'sys/block', disk);
  if (mounted.has(readText(join(dir, 'dev')))) return true;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return false;
  }
  return entries.some((entry) => entry.startsWith(disk) && mounted.has(readText(join(dir, entry, 'dev'))));
}

/** Fixed disks an image may be written to: not removable, not empty, nothing mounted from them. */
export function fixedDisks(root = '/'): DiskInfo[] {
  const mounted = mountedDevices(root);
  return listDisks(root).filter((disk) => !disk.removable && disk.sizeBytes > 0 && !inUse(root, disk.name, mounted));
}

/** `Disk:0`, `Disk:Serial=…`, `Disk:Model=…` (* and ? match), `Disk:MinSize=100G`: true for targets of this form. */
export const isDiskTarget = (target: string) => /^disk:/i.test(target);

const SIZE = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i;

function parseSize(text: string): number | null {
  const match = SIZE.exec(text.trim());
  if (!match) return null;
  return Math.round(Number(match[1]) * 1024 ** ' KMGT'.indexOf((match[2] || ' ').toUpperCase()));
}

const wildcard = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');

/** The disk a `Disk:…` target names among the machine's fixed disks, or a clear refusal listing them. */
export function selectDisk(target: string, root = '/'): DiskInfo {
  const spec = target.slice('disk:'.length).trim();
  const disks = fixedDisks(root);
  const shown = disks.map((disk, index) => `${index}: ${disk.path} ${formatBytes(disk.sizeBytes)}${disk.model ? ` ${disk.model}` : ''}${disk.serial ? ` serial ${disk.serial}` : ''}`).join('; ') || 'none';
  const none = (why: string) => new ClientError('DiskNotFound', `${target}: ${why}; the fixed disks (removable ones and the one the machine runs from excluded) are: ${shown}`);
  let found: DiskInfo | undefined;
  const [key, value = ''] = spec.includes('=') ? [spec.slice(0, spec.indexOf('=')).toLowerCase(), spec.slice(spec.indexOf('=') + 1)] : ['index', spec];
  if (key === 'index' && /^\d+$/.test(value)) found = disks[Number(value)];
  else if (key === 'serial') found = disks.find((disk) => disk.serial === value);
  else if (key === 'model') found = disks.find((disk) => wildcard(value).test(disk.model));
  else if (key === 'minsize' && parseSize(value) !== null) found = disks.find((disk) => disk.sizeBytes >= parseSize(value)!);
  else throw new ClientError('InvalidTarget', `${target} is not a disk target: use Disk:0 (the first fixed disk), Disk:Serial=<serial>, Disk:Model=<model, * allowed> or Disk:MinSize=<size, e.g. 100G>`);
  if (!found) throw none('no fixed disk matches');
  return found;
}

