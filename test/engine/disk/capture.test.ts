// Capture of a reference machine's disk to a DP (mcshell capture, the CaptureImage step's engine):
// a real DP in the test's namespace, real processes, a real partitioned disk in a file. A capture
// killed mid-upload leaves nothing in Get-OSImage; run again it sends only the chunks the DP lacks;
// the finished image applies back to a disk whose filesystems match the source byte for byte. A
// device no deployment lets capture, a name the site has and another device's capture are refused;
// the agent's CaptureImage step captures as the CLI does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DPService } from '../../../src/engine/dp/service.js';
import { runClient } from '../../../src/engine/client/agent.js';
import { imagePath } from '../../../src/engine/content/library.js';
import { captureId } from '../../../src/engine/content/capture.js';
import { captureToDP } from '../../../src/engine/client/capture.js';
import { ClientError, DPConnection } from '../../../src/engine/client/connection.js';
import { saveCredential, type ClientCredential } from '../../../src/engine/client/enrollment.js';
import { applyDiskImage } from '../../../src/engine/disk/apply.js';
import { CHUNK_BYTES } from '../../../src/engine/disk/format.js';
import { compress } from '../../../src/engine/disk/zstd.js';
import { enrollDevices, makeLab } from '../dp/fixtures.js';
import { assertDiskMatches, makeDisk, root, scratch } from './fixtures.js';

const bin = fileURLToPath(new URL('../../../../bin/mcshell.js', import.meta.url));

/** A DP whose deployment DEP002 lets lab-01 (only) capture an image named Golden. */
async function captureLab(t: import('node:test').TestContext) {
  const lab = await makeLab({ devices: 2 });
  const [reference, other] = lab.devices as [(typeof lab.devices)[number], (typeof lab.devices)[number]];
  await lab.store.update((site) => {
    site.collections.push({ id: 'COL002', name: 'Reference', description: '', memberIds: [reference.id] });
    site.taskSequences.push({ id: 'TS002', name: 'Capture reference', steps: [{ type: 'CaptureImage', imageName: 'Golden', target: 'Disk:0' }] });
    site.deployments.push({ id: 'DEP002', taskSequenceId: 'TS002', collectionId: 'COL002', option: 'DownloadWhenNeeded', availability: 'Clients', purpose: 'Available', availableAfter: null, expiresAt: null, createdAt: new Date().toISOString() });
  });
  const dp = new DPService(lab.store, { port: 0 });
  const { host, port } = await dp.start();
  t.after(() => dp.stop());
  const credentials = await enrollDevices(lab.store, `${host}:${port}`, [reference, other]);
  return { lab, credentials, reference: credentials.get(reference.name)!, other: credentials.get(other.name)! };
}

/** A connection with the device's credential that counts the chunks it uploads. */
class CountingConnection extends DPConnection {
  chunkUploads = 0;
  constructor(credential: ClientCredential) {
    super(credential.server, { fingerprint: credential.fingerprint, certificate: credential.certificate }, credential.credential);
  }
  override put<T>(path: string, body: Buffer): Promise<T> {
    this.chunkUploads++;
    return super.put<T>(path, body);
  }
}

const noWait = { waitMs: 0 };

test('capture: killed mid-upload nothing shows in Get-OSImage; run again it sends only the missing chunks; the image applies back byte for byte', { skip: !root && 'loop devices need root' }, async (t) => {
  const dir = await scratch(t);
  const disk = await makeDisk(dir, 'gpt');
  const { lab, reference } = await captureLab(t);
  const credentialFile = join(dir, 'credential.json');
  await saveCredential(credentialFile, reference);

  // The first run, a real `mcshell capture`, is killed once the DP holds its first chunk (level 19: slow enough that more are to come).
  const folder = join(lab.store.contentDir, `capture-${captureId('Golden')}.partial.d`);
  const child = spawn(process.execPath, [bin, 'capture', '--disk', disk.file, '--name', 'Golden', '--credential', credentialFile, '--level', '19', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const frames = () => (existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.zst')) : []);
  while (frames().length === 0) {
    assert.equal(child.exitCode, null, `the capture ended before its first chunk arrived: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  child.kill('SIGKILL');
  await exited;
  const held = frames().length;
  assert.ok(!lab.store.read().images.some((image) => image.name === 'Golden'), 'a killed capture is not an image');

  // Run again: the DP's chunks are neither compressed nor sent again.
  const dp = new CountingConnection(reference);
  t.after(() => dp.close());
  const result = await captureToDP(dp, { disk: disk.file, name: 'Golden', level: 19, wait: noWait });
  assert.equal(result.chunksHeld, held);
  assert.ok(result.chunksSent > 0, `the first run was killed before it sent everything (it sent ${held} of ${result.chunks})`);
  assert.equal(dp.chunkUploads, result.chunks - held, 'only the chunks the DP lacked were uploaded');
  assert.equal(existsSync(folder), false, 'the capture folder goes once the image is added');

  const image = lab.store.read().images.find((candidate) => candidate.name === 'Golden');
  assert.ok(image?.disk, 'the captured image is a disk image in Get-OSImage');
  assert.equal(image.id, result.image.id);
  assert.deepEqual(image.disk.partitions.map((p) => `${p.number} ${p.filesystem ?? 'unknown'} ${p.method}`), ['1 vfat used-blocks', '2 ntfs used-blocks', '3 unknown whole', '4 ext4 used-blocks']);
  const target = join(dir, 'applied.raw');
  const applied = await applyDiskImage(imagePath(lab.store, image), target);
  assert.equal(applied.sha256, image.disk.sha256);
  await assertDiskMatches(disk, target);
});

test("capture: refused to a device no deployment lets capture, for a name the site has, and while another device captures that name; the agent's CaptureImage step completes it", { skip: !root && 'loop devices need root' }, async (t) => {
  const dir = await scratch(t);
  const { lab, reference, other } = await captureLab(t);
  const disk = await makeDisk(dir, 'dos');
  const refusal = async (credential: ClientCredential, name: string) => {
    const dp = new CountingConnection(credential);
    try {
      await captureToDP(dp, { disk: disk.file, name, wait: noWait });
      return 'accepted';
    } catch (error) {
      assert.ok(error instanceof ClientError, String(error));
      assert.equal(dp.chunkUploads, 0, 'nothing is uploaded before the DP allows the capture');
      return error.id;
    } finally {
      dp.close();
    }
  };
  assert.equal(await refusal(other, 'Golden'), 'CaptureNotAllowed');
  assert.equal(await refusal(reference, 'Silver'), 'CaptureNotAllowed');
  // A CaptureImage step naming an image the site has (added behind New-TaskSequence's back): the DP refuses too.
  await lab.store.update((site) => {
    site.taskSequences.find((sequence) => sequence.id === 'TS002')!.steps.push({ type: 'CaptureImage', imageName: 'Win11', target: 'Disk:0' });
    site.collections.find((collection) => collection.id === 'COL002')!.memberIds.push(lab.devices[1]!.id);
  });
  assert.equal(await refusal(reference, 'Win11'), 'ImageExists');
  // lab-01 starts Golden (the DP holds its capture); lab-02, now allowed too, may not take it over.
  const dp = new CountingConnection(reference);
  t.after(() => dp.close());
  const { captureId: id } = await dp.post<{ captureId: string }>('/v1/capture', { name: 'Golden' });
  assert.equal(await refusal(other, 'Golden'), 'CaptureInProgress');
  // A chunk that is not what its name says, or that would decompress beyond a chunk's size, is refused unwritten.
  const damaged = (error: ClientError, pattern: RegExp) => error.id === 'ChunkDamaged' && pattern.test(error.message);
  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  const oversized = Buffer.alloc(CHUNK_BYTES + 1);
  await assert.rejects(dp.put(`/v1/capture/${id}/chunks/${sha(oversized)}`, await compress(oversized, 1)), (error: ClientError) => damaged(error, /declares 4194305 bytes; at most 4194304/));
  await assert.rejects(dp.put(`/v1/capture/${id}/chunks/${'0'.repeat(64)}`, await compress(Buffer.from('not that chunk'), 1)), (error: ClientError) => damaged(error, /decompresses to 14 bytes with SHA-256/));
  assert.deepEqual(lab.store.read().images.map((image) => image.name), ['Win11']);

  // The task sequence's CaptureImage step, run by lab-01's agent, completes Golden.
  await lab.store.update((site) => {
    site.taskSequences.find((sequence) => sequence.id === 'TS002')!.steps = [{ type: 'CaptureImage', imageName: 'Golden', target: disk.file }];
  });
  const run = await runClient({ credential: reference, interface: 'lo', deployment: 'DEP002', waitForDPMs: 0 });
  assert.equal(run.ok, true, run.message);
  assert.match(run.steps[0]!.message, /^captured .* as image Golden \(IMG\d+, .*\): \d+ chunks, \d+ uploaded$/);
  const golden = lab.store.read().images.find((image) => image.name === 'Golden');
  assert.equal(golden?.disk?.label, 'dos');
  assert.equal(run.steps[0]!.sha256, golden.sha256);
  assert.equal(lab.store.read().deploymentStatus.find((status) => status.deploymentId === 'DEP002')?.state, 'Succeeded');
});

test('capture: a DP whose content library fills up removes the capture and says so', { skip: !root && 'loop devices need root' }, async (t) => {
  const dir = await scratch(t);
  const disk = await makeDisk(dir, 'gpt');
  const { lab, reference } = await captureLab(t);
  // A content library on a 6 MiB filesystem: the disk's chunks (some 12 MiB of random files) do not fit.
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', lab.store.contentDir]);
  t.after(() => void execFileSync('umount', [lab.store.contentDir]));
  const dp = new CountingConnection(reference);
  t.after(() => dp.close());
  await assert.rejects(captureToDP(dp, { disk: disk.file, name: 'Golden', wait: noWait }), (error: ClientError) => {
    assert.equal(error.id, 'DPDiskFull');
    assert.match(error.message, /no space left for capture 'Golden' .*the capture was removed/);
    return true;
  });
  assert.ok(dp.chunkUploads > 0);
  assert.deepEqual(readdirSync(lab.store.contentDir), [], 'nothing of the capture is left');
  assert.ok(!lab.store.read().images.some((image) => image.name === 'Golden'));
});
