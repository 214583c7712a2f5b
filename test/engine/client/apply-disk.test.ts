// ApplyImage onto a real block device: a loop device (root only), attached here and detached by
// this test only (never `losetup -D`). By multicast and by unicast the image lands at the start of
// the disk, the rest of the disk is left alone, and Verify reads it back; a disk smaller than the
// image is refused before anything is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DPService } from '../../../src/engine/dp/service.js';
import { runClient } from '../../../src/engine/client/agent.js';
import type { DeploymentOption } from '../../../src/engine/site/model.js';
import { enrollDevices, makeLab } from '../dp/fixtures.js';

const MiB = 1024 * 1024;
const root = process.getuid?.() === 0;

/** A loop device over a file of `bytes` filled with 0xEE; detached after the test. */
async function loopDevice(t: { after(fn: () => void): void }, dir: string, bytes: number): Promise<{ device: string; file: string }> {
  const file = join(dir, `disk-${bytes}.raw`);
  await writeFile(file, Buffer.alloc(bytes, 0xee));
  const attached = spawnSync('losetup', ['--find', '--show', file], { encoding: 'utf8' });
  assert.equal(attached.status, 0, attached.stderr);
  const device = attached.stdout.trim();
  t.after(() => void spawnSync('losetup', ['-d', device]));
  return { device, file };
}

async function imageOnto(t: { after(fn: () => Promise<void> | void): void }, option: DeploymentOption, diskBytes: number) {
  const lab = await makeLab({ devices: 1, imageBytes: 3 * MiB + 4096, option });
  const disk = await loopDevice(t, lab.dir, diskBytes);
  await lab.store.update((site) => {
    site.taskSequences[0]!.steps = [{ type: 'ApplyImage', imageId: lab.image.id, target: disk.device }, { type: 'Verify' }];
  });
  const dp = new DPService(lab.store, { port: 0 });
  const { host, port } = await dp.start();
  t.after(() => dp.stop());
  const credentials = await enrollDevices(lab.store, `${host}:${port}`, lab.devices);
  const result = await runClient({ credential: credentials.get(lab.devices[0]!.name)!, interface: 'lo' });
  spawnSync('sync');
  return { lab, disk, result, content: await readFile(disk.file) };
}

for (const [option, mode] of [['DownloadWhenNeeded', 'multicast'], ['AccessDirectly', 'unicast']] as const) {
  test(`ApplyImage by ${mode} writes the image onto a block device, leaves the rest of the disk, and Verify reads it back`, { skip: !root && 'loop devices need root' }, async (t) => {
    const { lab, result, content, disk } = await imageOnto(t, option, 8 * MiB);
    assert.equal(result.ok, true, result.message);
    assert.equal(result.steps[0]!.mode, mode);
    assert.equal(result.steps[0]!.target, disk.device);
    assert.equal(result.steps[1]!.state, 'Succeeded', result.steps[1]!.message);
    const imageBytes = 3 * MiB + 4096;
    assert.equal(createHash('sha256').update(content.subarray(0, imageBytes)).digest('hex'), lab.sha256);
    assert.ok(content.subarray(imageBytes).every((byte) => byte === 0xee), 'past the image the disk is untouched');
  });
}

test('a disk smaller than the image is refused with both sizes, and nothing is written', { skip: !root && 'loop devices need root' }, async (t) => {
  const { lab, result, content, disk } = await imageOnto(t, 'AccessDirectly', 2 * MiB);
  assert.equal(result.ok, false);
  assert.equal(result.steps[0]!.state, 'Failed');
  assert.equal(result.steps[0]!.message, `the disk ${disk.device} holds 2.0 MB, smaller than the image (3.0 MB); nothing was written`);
  assert.ok(content.every((byte) => byte === 0xee), 'the disk is untouched');
  const [status] = lab.store.read().deploymentStatus;
  assert.equal(status!.state, 'Failed');
  assert.match(status!.message, /Step 1 \(ApplyImage\) failed: the disk \/dev\/loop\d+ holds 2\.0 MB, smaller than the image/);
});
