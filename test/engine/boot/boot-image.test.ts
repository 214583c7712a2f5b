import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SiteStore } from '../../../src/engine/site/store.js';
import { siteIdentity } from '../../../src/engine/site/identity.js';
import { bootFolder, newBootImage, removeBootImage, setBootImage } from '../../../src/engine/boot/image/library.js';
import type { BuildProgress } from '../../../src/engine/boot/image/build.js';
import { EngineError } from '../../../src/engine/errors.js';
import { testKernel } from './kernel.js';

const isEngineError = (id: string, message?: RegExp) => (error: unknown) => error instanceof EngineError && error.id === id && (!message || message.test(error.message));

async function site(t: { after(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-bootimage-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return { dir, store: await SiteStore.open(join(dir, 'site')) };
}

/** The paths an initrd.img holds (zstd → cpio -t). */
function initrdPaths(initrd: string): string[] {
  const listed = spawnSync('sh', ['-c', `zstd -dc "${initrd}" | cpio -it --quiet`], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(listed.status, 0, listed.stderr);
  return listed.stdout.trim().split('\n');
}

function initrdFile(initrd: string, path: string): string {
  const read = spawnSync('sh', ['-c', `zstd -dc "${initrd}" | cpio -i --quiet --to-stdout "${path}"`], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(read.status, 0, read.stderr);
  return read.stdout;
}

test("New-BootImage from Debian's kernel: contract 1's files and record, every part inside, progress, and the same bytes from the same inputs", async (t) => {
  const { store } = await site(t);
  const kernel = testKernel();
  const progress: BuildProgress[] = [];
  const first = await newBootImage(store, { name: 'Lab', kernel: kernel.vmlinuz, modulesPath: kernel.modules, drivers: ['8139too'], onProgress: (p) => progress.push(p) });
  const image = first.record;
  assert.equal(image.id, 'BOOT0001');
  assert.equal(image.kernelVersion, kernel.release);
  assert.ok(image.drivers.includes('8139too') && image.drivers.includes('virtio_net') && image.drivers.includes('mii'), image.drivers.join(' '));
  assert.deepEqual(store.read().bootImages, [image]);
  const folder = bootFolder(store, image.id);
  assert.deepEqual((await readdir(folder)).sort(), ['initrd.img', 'manifest.json', 'vmlinuz']);
  const manifest = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest, {
    id: image.id,
    name: 'Lab',
    kernelVersion: kernel.release,
    kernel: { bytes: image.kernelBytes, sha256: image.kernelSha256 },
    initrd: { bytes: image.initrdBytes, sha256: image.initrdSha256 },
    drivers: image.drivers,
    createdAt: image.createdAt,
    mcshellVersion: '0.1.0',
  });
  // Target: at most 60 MB compressed.
  assert.ok(image.initrdBytes < 60 * 1024 * 1024, `initrd is ${image.initrdBytes} bytes`);
  assert.deepEqual([...new Set(progress.map((p) => p.phase))], ['Resolving', 'Writing', 'Hashing']);
  const writing = progress.filter((p) => p.phase === 'Writing');
  assert.ok(writing.length > 2 && writing.at(-1)!.bytesDone === writing.at(-1)!.bytesTotal, 'byte progress while writing');

  const initrd = join(folder, 'initrd.img');
  const paths = initrdPaths(initrd);
  for (const path of ['init', 'dev/console', 'bin/busybox', 'bin/sh', 'bin/udhcpc', 'bin/node', 'bin/mcshell', 'lib64/ld-linux-x86-64.so.2', 'opt/mcshell/agent.mjs', 'opt/mcshell/mcnet.node', 'etc/mcshell/boot-image.json', `lib/modules/${kernel.release}/modules.dep`]) {
    assert.ok(paths.includes(path), `initrd lacks ${path}`);
  }
  assert.ok(paths.some((path) => /libstdc\+\+\.so/.test(path)), 'node needs libstdc++');
  const pins = JSON.parse(initrdFile(initrd, 'etc/mcshell/boot-image.json'));
  const identity = await siteIdentity(store);
  assert.deepEqual(pins, { fingerprint: identity.fingerprint, signingPublicKey: identity.signingPublicKey, kernelVersion: kernel.release });
  assert.doesNotMatch(initrdFile(initrd, 'etc/mcshell/boot-image.json'), /PRIVATE/);
  const order = initrdFile(initrd, 'etc/mcshell/modules').trim().split('\n');
  assert.ok(order.indexOf('kernel/drivers/virtio/virtio.ko') < order.indexOf('kernel/drivers/net/virtio_net.ko'));

  const again = await newBootImage(store, { name: 'Lab again', kernel: kernel.vmlinuz, modulesPath: kernel.modules, drivers: ['8139too'] });
  assert.equal(again.record.id, 'BOOT0002');
  assert.equal(again.record.initrdSha256, image.initrdSha256, 'same inputs, same initramfs');
  assert.equal(again.record.kernelSha256, image.kernelSha256);

  // Renaming reaches the manifest the DP reads; removing takes the files.
  await setBootImage(store, 'Lab again', { newName: 'Lab 2' });
  assert.equal(JSON.parse(await readFile(join(bootFolder(store, 'BOOT0002'), 'manifest.json'), 'utf8')).name, 'Lab 2');
  await assert.rejects(setBootImage(store, 'Lab 2', { newName: 'lab' }), isEngineError('BootImageExists'));
  await assert.rejects(newBootImage(store, { name: 'LAB', kernel: kernel.vmlinuz, modulesPath: kernel.modules }), isEngineError('BootImageExists'));
  // A refresh task sequence restarting into it keeps it.
  await store.update((draft) => void draft.taskSequences.push({ id: 'TS00001', name: 'Refresh', steps: [{ type: 'Restart', into: 'BootImage', bootImageId: 'BOOT0002' }] }));
  await assert.rejects(removeBootImage(store, 'BOOT0002', true), isEngineError('BootImageInUse', /Refresh \(TS00001\) restart machines into Lab 2/));
  await store.update((draft) => void (draft.taskSequences = []));
  await removeBootImage(store, 'BOOT0002', false);
  assert.deepEqual(await readdir(join(store.home, 'boot')), ['BOOT0001']);
  assert.deepEqual(store.read().bootImages.map((b) => b.id), ['BOOT0001']);
});

test('a missing tool or module is refused with what to install, and leaves nothing behind', async (t) => {
  const { dir, store } = await site(t);
  const kernel = testKernel();
  const path = process.env.PATH;
  t.after(() => {
    process.env.PATH = path;
  });
  const bin = join(dir, 'bin');
  await rm(bin, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(bin));
  process.env.PATH = bin;
  await assert.rejects(newBootImage(store, { name: 'Lab', kernel: kernel.vmlinuz, modulesPath: kernel.modules }), isEngineError('ToolNotFound', /needs 'zstd'.*Install Debian's package zstd \(apt-get install zstd\)/));
  await symlink('/usr/bin/zstd', join(bin, 'zstd'));
  // A busybox linked dynamically (here: a copy of a dynamic program) is not the static build.
  await copyFile('/usr/bin/env', join(bin, 'busybox'));
  await assert.rejects(newBootImage(store, { name: 'Lab', kernel: kernel.vmlinuz, modulesPath: kernel.modules }), isEngineError('ToolNotFound', /busybox.*linked dynamically.*busybox-static/));
  process.env.PATH = path;
  await assert.rejects(newBootImage(store, { name: 'Lab', kernel: kernel.vmlinuz, modulesPath: kernel.modules, drivers: ['no_such_nic'] }), isEngineError('DriverNotFound', /no module 'no_such_nic'/));
  await assert.rejects(newBootImage(store, { name: 'Lab', kernel: join(dir, 'vmlinuz-9.9'), modulesPath: kernel.modules }), isEngineError('KernelNotFound'));
  await assert.rejects(newBootImage(store, { name: 'Lab', kernel: kernel.vmlinuz, modulesPath: join(dir, 'nothing') }), isEngineError('ModulesNotFound'));
  assert.deepEqual(store.read().bootImages, []);
  assert.deepEqual(await readdir(join(store.home, 'boot')).catch(() => []), []);
});
