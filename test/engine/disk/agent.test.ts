// A task sequence's ApplyImage of a disk image, run by the real client agent against a real DP:
// by multicast onto a larger block device (a loop device: the last partition and its ext4 grow),
// by unicast onto a file; Verify and the filesystems' checks pass, the files match byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runClient } from '../../../src/engine/client/agent.js';
import { importImage } from '../../../src/engine/content/library.js';
import { DPService } from '../../../src/engine/dp/service.js';
import { enrollDevices, makeLab } from '../dp/fixtures.js';
import { assertDiskMatches, makeDisk, MiB, partitions, root, sh } from './fixtures.js';

for (const [option, mode] of [['DownloadWhenNeeded', 'multicast'], ['AccessDirectly', 'unicast']] as const) {
  test(`ApplyImage of a disk image by ${mode}: applied, grown where the disk is larger, verified`, { skip: !root && 'loop devices need root' }, async (t) => {
    const lab = await makeLab({ devices: 1, option });
    const disk = await makeDisk(lab.dir, 'gpt');
    const image = await importImage(lab.store, { path: disk.file, name: 'LabDisk' });
    assert.ok(image.disk);
    let target = join(lab.dir, 'applied.raw');
    let backing = target;
    if (mode === 'multicast') {
      backing = join(lab.dir, 'device.raw');
      sh('truncate', ['--size', String(192 * MiB), backing]);
      target = sh('losetup', ['--find', '--show', backing]).trim();
      t.after(() => void spawnSync('losetup', ['--detach', target]));
    }
    await lab.store.update((site) => {
      site.taskSequences[0]!.steps = [{ type: 'ApplyImage', imageId: image.id, target }, { type: 'Verify' }];
    });
    const dp = new DPService(lab.store, { port: 0 });
    const { host, port } = await dp.start();
    t.after(() => dp.stop());
    const credentials = await enrollDevices(lab.store, `${host}:${port}`, lab.devices);
    const result = await runClient({ credential: credentials.get(lab.devices[0]!.name)!, interface: 'lo' });
    assert.equal(result.ok, true, result.message);
    assert.equal(result.steps[0]!.mode, mode);
    assert.match(result.steps[0]!.message!, /applied disk image IMG\d+ to .* chunks written/);
    assert.equal(result.steps[1]!.state, 'Succeeded', result.steps[1]!.message);
    if (mode === 'multicast') {
      assert.match(result.steps[0]!.message!, /partition 4 grown/);
      assert.equal(partitions(backing).at(-1)!.size, partitions(disk.file).at(-1)!.size + 32 * MiB);
    }
    await assertDiskMatches(disk, backing);
  });
}
