import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { writeCpio, type CpioEntry } from '../../../src/engine/boot/image/cpio.js';

async function archive(entries: CpioEntry[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writeCpio(entries, out, 1_577_836_800);
  return Buffer.concat(chunks);
}

test('the archive is a newc cpio that cpio(1) lists and unpacks: folders, files (in memory and from disk), symlinks, device nodes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-cpio-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const source = join(dir, 'big.bin');
  await writeFile(source, Buffer.alloc(3 * 1024 * 1024 + 5, 7));
  const bytes = await archive([
    { path: '/init', kind: 'file', mode: 0o755, data: Buffer.from('#!/bin/sh\n') },
    { path: '/bin', kind: 'dir' },
    { path: '/bin/big', kind: 'file', mode: 0o644, source, size: (await stat(source)).size },
    { path: '/bin/sh', kind: 'symlink', target: 'busybox' },
    { path: '/dev', kind: 'dir' },
    { path: '/dev/console', kind: 'char', mode: 0o600, major: 5, minor: 1 },
  ]);
  const listed = spawnSync('cpio', ['-itv', '--quiet'], { input: bytes, encoding: 'utf8' });
  assert.equal(listed.status, 0, listed.stderr);
  const lines = listed.stdout.trim().split('\n');
  // Sorted by path, whatever order they came in; owners root, one fixed time.
  assert.deepEqual(lines.map((line) => line.replace(/^.* 2020 /, '')), ['bin', 'bin/big', 'bin/sh -> busybox', 'dev', 'dev/console', 'init']);
  assert.ok(lines.every((line) => / root +root /.test(line)), listed.stdout);
  assert.match(lines[4]!, /^crw------- .* 5, +1 /);
  const out = join(dir, 'out');
  const unpacked = spawnSync('sh', ['-c', `mkdir -p "${out}" && cd "${out}" && cpio -id --quiet --no-absolute-filenames --nonmatching 'dev/console'`], { input: bytes });
  assert.equal(unpacked.status, 0, unpacked.stderr?.toString());
  assert.deepEqual(await readFile(join(out, 'bin/big')), await readFile(source));
  assert.equal(await readlink(join(out, 'bin/sh')), 'busybox');
  assert.equal((await stat(join(out, 'init'))).mode & 0o777, 0o755);
});

test('the same entries in another order give the same bytes; a path twice is refused', async () => {
  const entries: CpioEntry[] = [
    { path: '/a', kind: 'dir' },
    { path: '/a/b', kind: 'file', mode: 0o644, data: Buffer.from('b') },
    { path: '/c', kind: 'symlink', target: 'a/b' },
  ];
  assert.deepEqual(await archive(entries), await archive([...entries].reverse()));
  await assert.rejects(archive([...entries, { path: '/c', kind: 'dir' }]), /would hold \/c twice/);
});

test('a file that changes size while it is archived fails the archive', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-cpio-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const source = join(dir, 'f');
  await writeFile(source, 'short');
  await assert.rejects(archive([{ path: '/f', kind: 'file', mode: 0o644, source, size: 100 }]), /changed size while the initramfs was written/);
});
