// The size of a block device, read from /sys (the kernel's count of 512-byte sectors of the device
// with that major:minor): what `blockdev --getsize64` answers, without a tool, so the DP host, the
// capture command and the boot image's agent read it one way. `root` lets tests point at a fake tree.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../errors.js';

/** The device's size in bytes, or null when `path` is not a block device (a file, or nothing). */
export function blockDeviceBytes(path: string, root = '/'): number | null {
  let info;
  try {
    info = statSync(path);
  } catch {
    return null;
  }
  if (!info.isBlockDevice()) return null;
  const major = Math.floor(info.rdev / 256) & 0xfff;
  const minor = (info.rdev & 0xff) | ((info.rdev >> 12) & 0xfff00);
  const sizeFile = join(root, `sys/dev/block/${major}:${minor}/size`);
  let sectors: number;
  try {
    sectors = Number(readFileSync(sizeFile, 'utf8').trim());
  } catch (error) {
    throw new EngineError('DiskSizeUnknown', 'ResourceUnavailable', `The size of ${path} cannot be read from ${sizeFile} (${(error as Error).message}): is /sys mounted?`, path);
  }
  if (!Number.isSafeInteger(sectors)) throw new EngineError('DiskSizeUnknown', 'ResourceUnavailable', `${sizeFile} does not hold a sector count, so the size of ${path} is unknown.`, path);
  return sectors * 512;
}

/** The size of `path`, which must be a block device. */
export function sizeOfBlockDevice(path: string): number {
  const bytes = blockDeviceBytes(path);
  if (bytes === null) throw new EngineError('NotABlockDevice', 'InvalidArgument', `${path} is not a block device.`, path);
  return bytes;
}
