// Builds a boot image (contract 1): the kernel as `vmlinuz`, and `initrd.img`, a newc cpio written
// by cpio.ts and compressed by Debian's zstd, holding busybox (static), node with the libraries it
// loads, the client agent bundled with esbuild (dist/agent, made by `npm run build`) and its native
// addon, the NIC and disk drivers with their dependencies, the site's public pins and /init.
// The same inputs give the same bytes: sorted entries, fixed owners and times, one zstd thread at
// a fixed level. Nothing secret goes in: the DP certificate's fingerprint and the site's public
// manifest-signing key only.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { basename, dirname, join, posix, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { EngineError } from '../../errors.js';
import { writeCpio, type CpioEntry } from './cpio.js';
import { INIT_SCRIPT, UDHCPC_SCRIPT } from './init.js';
import { imageModulePath, moduleBytes, modulesDep, resolveModules } from './modules.js';
import { findStaticBusybox, findTool, sharedLibraries, TOOLS } from './tools.js';
import { sha256OfFile } from '../../file-hash.js';

/**
 * zstd level. Measured on node's 99 MB binary here (one thread): -3 gives 34.2 MB in 1 s, -9 30.8 MB
 * in 8 s, -15 30.1 MB in 42 s, -19 26.9 MB in 62 s. -9: far under the 60 MB target, and a boot image
 * builds in seconds rather than minutes; the 4 MB -19 would save cost a LAN well under a second.
 */
export const ZSTD_LEVEL = 9;
/** Every entry's time (1 January 2020): fixed, so that the archive does not depend on when it was built. */
const FIXED_MTIME = 1_577_836_800;

export interface BootImageInputs {
  /** The kernel image (vmlinuz) and its modules folder (lib/modules/<version>). */
  kernel: string;
  modulesDir: string;
  drivers: readonly string[];
  /** What the agent pins: the DP certificate's SHA-256 and the site's manifest-signing public key (PEM). */
  site: { fingerprint: string; signingPublicKey: string };
  /** The bundled agent (agent.mjs), when built the native addon (mcnet.node), and the zstd-napi package's folder (disk images). */
  agent: { bundle: string; addon: string | null; zstdModule?: string | null };
  /** Folder the image's files are written to (it exists). */
  outDir: string;
  onProgress?: (progress: BuildProgress) => void;
}

export interface BuildProgress {
  phase: 'Resolving' | 'Writing' | 'Hashing';
  message: string;
  bytesDone: number;
  bytesTotal: number;
}

export interface BuiltBootImage {
  kernelVersion: string;
  kernel: { bytes: number; sha256: string };
  initrd: { bytes: number; sha256: string };
  /** The modules the image holds (load order), and the asked-for drivers the kernel has built in. */
  modules: string[];
  builtIn: string[];
  /** Bytes of what went into the initramfs before compression. */
  uncompressedBytes: number;
  /** Without the native addon the agent receives through Node's dgram (slower, same result). */
  warnings: string[];
}

const file = (path: string, mode: number, data: Buffer | string): CpioEntry => ({ path, kind: 'file', mode, data: Buffer.from(data) });
const hostFile = (path: string, mode: number, source: string): CpioEntry => ({ path, kind: 'file', mode, source, size: statSync(source).size });

/** The folders every path in `entries` needs, not yet listed. */
function parentFolders(entries: readonly CpioEntry[]): CpioEntry[] {
  const listed = new Set(entries.map((entry) => entry.path));
  const folders = new Set<string>();
  for (const entry of entries) {
    for (let dir = posix.dirname(entry.path); dir !== '/' && dir !== '.'; dir = posix.dirname(dir)) if (!listed.has(dir)) folders.add(dir);
  }
  return [...folders].map((path) => ({ path, kind: 'dir' }));
}

/** The kernel's version: its modules folder's name (lib/modules/<version>). */
export function kernelVersionOf(modulesDir: string): string {
  return basename(modulesDir.replace(/\/+$/, ''));
}

export async function buildBootImage(inputs: BootImageInputs): Promise<BuiltBootImage> {
  const say = (phase: BuildProgress['phase'], message: string, bytesDone = 0, bytesTotal = 0) => inputs.onProgress?.({ phase, message, bytesDone, bytesTotal });
  const zstd = findTool(TOOLS.zstd);
  const busybox = findStaticBusybox();
  if (!existsSync(inputs.agent.bundle)) {
    throw new EngineError('AgentBundleMissing', 'ResourceUnavailable', `The bundled client agent ${inputs.agent.bundle} is missing: run \`npm run build\` in mcshell's folder (it bundles the agent with esbuild).`, inputs.agent.bundle);
  }
  const kernelVersion = kernelVersionOf(inputs.modulesDir);
  say('Resolving', `resolving ${inputs.drivers.length} driver(s) and their dependencies in ${inputs.modulesDir}`);
  const { loadOrder, builtIn } = resolveModules(inputs.modulesDir, inputs.drivers);
  const warnings: string[] = [];
  const modulesRoot = `/lib/modules/${kernelVersion}`;
  const node = process.execPath;
  const diskTools = DISK_TOOLS.flatMap((command) => {
    try {
      return [{ command, path: findTool({ command, debian: '', why: '' }) }];
    } catch {
      return [];
    }
  });
  const zstdModule = inputs.agent.zstdModule ? zstdModuleFiles(inputs.agent.zstdModule) : [];
  const libraries = [...new Set([...sharedLibraries(node), ...(inputs.agent.addon ? sharedLibraries(inputs.agent.addon) : []), ...diskTools.flatMap((tool) => sharedLibraries(tool.path)), ...zstdModule.filter((f) => f.endsWith('.node')).flatMap((f) => sharedLibraries(f))])];
  const missingDiskTools = DISK_TOOLS.filter((command) => !diskTools.some((tool) => tool.command === command));
  if (missingDiskTools.length > 0 || zstdModule.length === 0) {
    warnings.push(`applying disk images in this boot image lacks ${[...missingDiskTools, ...(zstdModule.length === 0 ? ['the zstd-napi module (npm ci)'] : [])].join(', ')} (Debian: fdisk, util-linux, mount, e2fsprogs, ntfs-3g, fatresize, xfsprogs, btrfs-progs, partclone)`);
  }
  if (!inputs.agent.addon) warnings.push('the native addon (native/build/Release/mcnet.node) is not built: the agent in this boot image receives through Node\'s dgram, slower per datagram (install g++, make and python3, then npm run build)');
  const applets = spawnSync(busybox, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter((name) => /^[\w.[-]+$/.test(name) && name !== 'busybox');
  const entries: CpioEntry[] = [
    { path: '/dev', kind: 'dir' },
    // The kernel opens /dev/console for init before anything is mounted.
    { path: '/dev/console', kind: 'char', mode: 0o600, major: 5, minor: 1 },
    ...['/proc', '/sys', '/run', '/tmp', '/root', '/mnt'].map((path): CpioEntry => ({ path, kind: 'dir' })),
    file('/init', 0o755, INIT_SCRIPT),
    hostFile('/bin/busybox', 0o755, busybox),
    // The host's tools for applying disk images take the place of busybox's applets of the same name.
    ...applets.filter((name) => !diskTools.some((tool) => tool.command === name)).map((name): CpioEntry => ({ path: `/bin/${name}`, kind: 'symlink', target: 'busybox' })),
    ...diskTools.map((tool) => hostFile(`/bin/${tool.command}`, 0o755, realpathSync(tool.path))),
    { path: '/sbin', kind: 'symlink', target: 'bin' },
    { path: '/usr/bin', kind: 'symlink', target: '../bin' },
    { path: '/usr/sbin', kind: 'symlink', target: '../bin' },
    hostFile('/bin/node', 0o755, node),
    ...libraries.map((library) => hostFile(library, 0o755, realpathSync(library))),
    hostFile('/opt/mcshell/agent.mjs', 0o644, inputs.agent.bundle),
    // The capture's compression workers (disk/zstd-pool.ts) load it from beside the agent.
    // (an ES module, as a .js file in a folder whose package.json says so).
    ...(existsSync(workerBeside(inputs.agent.bundle)) ? [hostFile('/opt/mcshell/zstd-worker.js', 0o644, workerBeside(inputs.agent.bundle)), file('/opt/mcshell/package.json', 0o644, '{"type":"module"}\n')] : []),
    ...(inputs.agent.addon ? [hostFile('/opt/mcshell/mcnet.node', 0o755, inputs.agent.addon)] : []),
    ...zstdModule.map((path) => hostFile(`/opt/mcshell/node_modules/zstd-napi/${relative(inputs.agent.zstdModule!, path)}`, 0o644, path)),
    file('/bin/mcshell', 0o755, '#!/bin/sh\n# mcshell in the boot image: the client agent only.\n[ "$1" = client ] && shift\nexec /bin/node /opt/mcshell/agent.mjs "$@"\n'),
    file('/etc/mcshell/udhcpc.script', 0o755, UDHCPC_SCRIPT),
    file('/etc/mcshell/modules', 0o644, `${loadOrder.map(imageModulePath).join('\n')}\n`),
    file('/etc/mcshell/boot-image.json', 0o644, `${JSON.stringify({ fingerprint: inputs.site.fingerprint, signingPublicKey: inputs.site.signingPublicKey, kernelVersion }, null, 2)}\n`),
    file(`${modulesRoot}/modules.dep`, 0o644, modulesDep(inputs.modulesDir, loadOrder)),
    ...loadOrder.map((path) => file(`${modulesRoot}/${imageModulePath(path)}`, 0o644, moduleBytes(inputs.modulesDir, path))),
  ];
  entries.push(...parentFolders(entries));
  const total = entries.reduce((sum, entry) => sum + (entry.kind === 'file' ? ('data' in entry ? entry.data.length : entry.size) : 0), 0);

  const initrdPath = join(inputs.outDir, 'initrd.img');
  say('Writing', `writing the initramfs (${loadOrder.length} modules, node, busybox, the agent) through zstd -${ZSTD_LEVEL}`, 0, total);
  // One thread at a fixed level: zstd's output then depends on the input only.
  const compressor = spawn(zstd, [`-${ZSTD_LEVEL}`, '-T1', '-q', '-c'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  compressor.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    compressor.once('error', reject);
    compressor.once('close', resolve);
  });
  let done = 0;
  const written = pipeline(compressor.stdout, createWriteStream(initrdPath));
  try {
    await writeCpio(entries, compressor.stdin, FIXED_MTIME, (bytes) => say('Writing', 'writing the initramfs', (done += bytes), total));
  } catch (error) {
    compressor.kill();
    throw error;
  }
  await written;
  const code = await exited;
  if (code !== 0) throw new EngineError('ToolFailed', 'ResourceUnavailable', `zstd failed (exit ${code}): ${stderr.trim()}`, zstd);

  say('Hashing', 'hashing the kernel and the initramfs');
  await copyFile(inputs.kernel, join(inputs.outDir, 'vmlinuz'));
  const [kernel, initrd] = await Promise.all([hashed(join(inputs.outDir, 'vmlinuz')), hashed(initrdPath)]);
  return { kernelVersion, kernel, initrd, modules: loadOrder.map((path) => basename(imageModulePath(path), '.ko')), builtIn, uncompressedBytes: total, warnings };
}

async function hashed(path: string): Promise<{ bytes: number; sha256: string }> {
  return { bytes: statSync(path).size, sha256: await sha256OfFile(path) };
}

/**
 * The kernel and modules to build from when none are given: the DP host's own (/boot/vmlinuz-<the
 * running kernel's version>, /lib/modules/<version>). A kernel given without its modules: the
 * modules beside it in an unpacked kernel package (<root>/boot/vmlinuz-V → <root>/lib/modules/V),
 * else the host's /lib/modules/V.
 */
export function kernelInputs(kernel: string | undefined, modulesDir: string | undefined, release: string): { kernel: string; modulesDir: string } {
  if (!kernel) {
    const hostKernel = `/boot/vmlinuz-${release}`;
    if (!existsSync(hostKernel)) {
      throw new EngineError(
        'KernelNotFound',
        'ObjectNotFound',
        `This host has no kernel at ${hostKernel} to build from: give -Kernel and -ModulesPath, e.g. from Debian's kernel package unpacked without installing it (apt-cache depends linux-image-amd64 names it; apt-get download <that package>; dpkg-deb -x <file>.deb <folder>; then -Kernel <folder>/boot/vmlinuz-<version> -ModulesPath <folder>/lib/modules/<version>).`,
      );
    }
    kernel = hostKernel;
  }
  if (!existsSync(kernel) || !statSync(kernel).isFile()) throw new EngineError('KernelNotFound', 'ObjectNotFound', `The kernel ${kernel} does not exist (a vmlinuz file).`, kernel);
  if (!modulesDir) {
    const version = basename(kernel).replace(/^vmlinuz-/, '');
    const beside = join(dirname(kernel), '..', 'lib', 'modules', version);
    modulesDir = existsSync(beside) ? beside : `/lib/modules/${version}`;
    if (!existsSync(modulesDir)) {
      throw new EngineError('ModulesNotFound', 'ObjectNotFound', `No modules for the kernel ${kernel} (looked in ${beside} and /lib/modules/${version}): give -ModulesPath, the kernel's lib/modules/<version> folder.`, kernel);
    }
  }
  if (!existsSync(modulesDir)) throw new EngineError('ModulesNotFound', 'ObjectNotFound', `The modules folder ${modulesDir} does not exist (the kernel's lib/modules/<version>).`, modulesDir);
  return { kernel, modulesDir: realpathSync(modulesDir) };
}

const workerBeside = (bundle: string) => join(dirname(bundle), 'zstd-worker.js');

/** The agent's bundle and addon in this mcshell's build (dist/agent/agent.mjs, native/build/Release/mcnet.node), and zstd-napi. */
export function agentFiles(root: string): { bundle: string; addon: string | null; zstdModule: string | null } {
  const addon = join(root, 'native', 'build', 'Release', 'mcnet.node');
  const zstdModule = join(root, 'node_modules', 'zstd-napi');
  return { bundle: join(root, 'dist', 'agent', 'agent.mjs'), addon: existsSync(addon) && process.env.MCSHELL_NATIVE !== '0' ? addon : null, zstdModule: existsSync(join(zstdModule, 'build', 'Release', 'binding.node')) ? zstdModule : null };
}

/** What applying a disk image runs (src/engine/disk): the partition table, discard, loop devices, growing filesystems; and capturing one (CaptureImage): filesystems and their used blocks. */
const DISK_TOOLS = ['sfdisk', 'blockdev', 'blkdiscard', 'losetup', 'mount', 'umount', 'e2fsck', 'resize2fs', 'ntfsresize', 'fatresize', 'xfs_growfs', 'btrfs', 'blkid', 'partclone.extfs', 'partclone.fat', 'partclone.ntfs'];

/** The files zstd-napi needs at run time: its package.json, its JavaScript and the built addon. */
function zstdModuleFiles(dir: string): string[] {
  const files = [join(dir, 'package.json'), join(dir, 'binding.js'), join(dir, 'build', 'Release', 'binding.node')];
  const dist = join(dir, 'dist');
  for (const name of readdirSync(dist)) if (name.endsWith('.js')) files.push(join(dist, name));
  return files;
}
