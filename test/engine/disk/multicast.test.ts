// A disk image multicast by `mcshell send` to `mcshell receive` processes (on loopback, inside the
// test runner's private network namespace): each receiver applies the image as its chunks arrive,
// onto a new sparse file, onto a block device that already holds the disk (no chunk is written
// again), after joining late, and after being killed and restarted (it resumes with what it held);
// every disk then checks clean with its files byte for byte.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyDiskImage } from '../../../src/engine/disk/apply.js';
import { convertDisk } from '../../../src/engine/disk/convert.js';
import { readDiskImage } from '../../../src/engine/disk/format.js';
import { readPartitionTable } from '../../../src/engine/disk/probe.js';
import { channel, sleep } from '../../transport/helpers.js';
import { assertDiskMatches, makeDisk, MiB, partitions, root, scratch, sh } from './fixtures.js';

const bin = fileURLToPath(new URL('../../../../bin/mcshell.js', import.meta.url));
const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

function mcshell(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => {
      running.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, done };
}

interface Summary {
  ok: boolean;
  message: string;
  counters: { resumedBlocks: number };
  disk?: { chunksWritten: number; chunksSkipped: number; appliedWhileReceiving: number; sha256: string };
}

test('receivers apply a multicast disk image as it arrives: a new file, a device holding it already, a late joiner, one killed and resumed', { skip: !root && 'loop devices need root' }, async (t) => {
  const dir = await scratch(t);
  const disk = await makeDisk(dir, 'gpt');
  const image = join(dir, 'lab.mcdisk');
  await convertDisk(disk.file, (await stat(disk.file)).size, (await readPartitionTable(disk.file))!, image);
  const { index } = readDiskImage(image);

  // The device already holds the disk: every chunk is found there, none is written.
  const deviceFile = join(dir, 'device.raw');
  await copyFile(disk.file, deviceFile);
  const device = sh('losetup', ['--find', '--show', deviceFile]).trim();
  t.after(() => void spawnSync('losetup', ['--detach', device]));

  const ch = channel();
  const session = ['--interface', ch.interface, '--group', ch.group, '--port', String(ch.port)];
  const receive = (out: string) => mcshell(['receive', ...session, '--out', out, '--json', '--spool', join(dir, 'device.spool')]);
  const resumed = join(dir, 'resumed.raw');
  const killed = receive(resumed);
  const receivers = [receive(join(dir, 'new.raw')), receive(device)];
  // Slow enough that the late receiver joins in the middle and repairs the start.
  const sender = mcshell(['send', image, ...session, '--min-clients', '3', '--rate', '12M', '--receiver-timeout', '20', '--json']);
  // Killed once it has recorded some blocks (the state file is saved every second), then restarted.
  for (let i = 0; i < 200 && !existsSync(`${resumed}.mcstate`); i++) await sleep(50);
  killed.child.kill('SIGKILL');
  await killed.done;
  assert.equal(existsSync(resumed), false, 'no complete-looking disk after a kill');
  receivers.push(receive(resumed));
  await sleep(1000);
  // The late receiver's file is a larger disk: the last partition and its ext4 grow.
  const late = join(dir, 'late.raw');
  sh('truncate', ['--size', String(192 * MiB), late]);
  receivers.push(receive(late));
  const [fresh, onDevice, again, lateJoiner] = (await Promise.all(receivers.map((run) => run.done))).map((run) => {
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as Summary;
  });
  assert.equal((await sender.done).code, 0);
  assert.ok(again!.counters.resumedBlocks > 0, 'the restarted receiver resumed');
  await assertDiskMatches(disk, resumed);
  for (const summary of [fresh!, onDevice!, again!, lateJoiner!]) {
    assert.equal(summary.ok, true, summary.message);
    assert.equal(summary.disk?.sha256, index.sha256);
  }
  assert.equal(fresh!.disk!.chunksWritten, index.chunks.length);
  // Chunks are applied as their stored bytes complete, not after the whole file arrived.
  for (const summary of [fresh!, lateJoiner!]) assert.ok(summary.disk!.appliedWhileReceiving > index.chunks.length / 2, summary.message);
  assert.deepEqual([onDevice!.disk!.chunksWritten, onDevice!.disk!.chunksSkipped], [0, index.chunks.length]);
  await assertDiskMatches(disk, join(dir, 'new.raw'));
  assert.match(lateJoiner!.message, /partition 4 grown/);
  assert.equal(partitions(late).at(-1)!.size, partitions(disk.file).at(-1)!.size + 32 * MiB);
  await assertDiskMatches(disk, late);
  await assertDiskMatches(disk, deviceFile);
  // A file target is the disk, not the stored image, and stays sparse.
  const written = await stat(join(dir, 'new.raw'));
  assert.equal(written.size, index.diskBytes);
  assert.ok(written.blocks * 512 < 0.5 * index.diskBytes);
  // The same disk from the stored file locally: the digest both ways is the image's.
  assert.equal((await applyDiskImage(image, join(dir, 'local.raw'))).sha256, index.sha256);
});
