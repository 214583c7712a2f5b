// Import-OSImage of a raw disk, through the real shell (`mcshell -c`): the disk becomes a disk
// image (partitions and filesystems listed, stored far smaller than the disk), Get-OSImage shows
// its sizes, ratio and file, the file applies back to the same disk; a plain file stays flat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyDiskImage } from '../../../src/engine/disk/apply.js';
import { isDiskImageFile } from '../../../src/engine/disk/format.js';
import { assertDiskMatches, makeDisk, MiB, root, scratch, sh } from './fixtures.js';

const bin = fileURLToPath(new URL('../../../../bin/mcshell.js', import.meta.url));

function mcshell(site: string, command: string): Record<string, unknown>[] {
  const result = spawnSync(process.execPath, [bin, '-c', command], { env: { ...process.env, MCSHELL_HOME: site }, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('Import-OSImage converts a raw disk into a disk image and keeps a plain file flat; Get-OSImage shows both', { skip: !root && 'loop devices need root' }, async (t) => {
  const dir = await scratch(t);
  const site = join(dir, 'site');
  const disk = await makeDisk(dir, 'gpt');
  await writeFile(join(dir, 'plain.img'), 'not a disk\n');
  mcshell(site, `Import-OSImage -Path '${disk.file}' -Name Lab | Out-Null; Import-OSImage '${join(dir, 'plain.img')}' -Name Plain | Out-Null`);
  const [lab, plain] = mcshell(site, 'Get-OSImage Lab; Get-OSImage Plain');
  assert.equal(lab!.Format, 'Disk');
  assert.equal(lab!.PartitionTable, 'gpt');
  assert.equal(lab!.LogicalSizeBytes, (await stat(disk.file)).size);
  assert.deepEqual(
    (lab!.Partitions as string[]).map((p) => p.replace(/,.*kept whole/, ', whole').replace(/,.* used$/, '')),
    ['1: vfat', '2: ntfs', '3: unknown, whole', '4: ext4'],
  );
  const path = lab!.Path as string;
  assert.equal((await stat(path)).size, lab!.SizeBytes);
  assert.ok(isDiskImageFile(path));
  assert.equal(lab!.Ratio, Math.round(((lab!.LogicalSizeBytes as number) / (lab!.SizeBytes as number)) * 100) / 100);
  assert.ok((lab!.Ratio as number) > 4, `ratio ${String(lab!.Ratio)}`);
  assert.equal(plain!.Format, 'Flat');
  assert.equal(plain!.SizeBytes, 11);
  assert.equal(plain!.LogicalSizeBytes, 11);

  const target = join(dir, 'restored.raw');
  await applyDiskImage(path, target);
  await assertDiskMatches(disk, target);
});

test('Import-OSImage -FromDisk -Shrinkable captures a block device and fits a smaller disk; a file without a partition table is refused', { skip: !root && 'loop devices need root' }, async (t) => {
  const dir = await scratch(t);
  const site = join(dir, 'site');
  const disk = await makeDisk(dir, 'dos');
  const device = sh('losetup', ['--find', '--show', '--read-only', disk.file]).trim();
  t.after(() => void spawnSync('losetup', ['--detach', device]));
  const [captured] = mcshell(site, `Import-OSImage -Path ${device} -FromDisk -Shrinkable -Name Captured`);
  assert.equal(captured!.Format, 'Disk');
  assert.equal(captured!.PartitionTable, 'dos');
  const target = join(dir, 'restored.raw');
  sh('truncate', ['--size', String(128 * MiB), target]);
  assert.equal((await applyDiskImage(captured!.Path as string, target)).grown?.filesystemGrown, true);
  await assertDiskMatches(disk, target);

  await writeFile(join(dir, 'plain.img'), Buffer.alloc(4096));
  const refused = spawnSync(process.execPath, [bin, '-c', `Import-OSImage '${join(dir, 'plain.img')}' -FromDisk -Name Nope`], { env: { ...process.env, MCSHELL_HOME: site }, encoding: 'utf8' });
  assert.match(refused.stdout + refused.stderr, /DiskHasNoPartitionTable/);
  assert.deepEqual(mcshell(site, 'Get-OSImage | ForEach-Object Name').sort(), ['Captured']);
  assert.deepEqual(readdirSync(join(site, 'content')).filter((name) => !name.endsWith('.img')), [], 'no partial or scratch file is left');
});
