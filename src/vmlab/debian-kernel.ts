// Debian's kernel for virtual-machine labs (tests, CI, `mcshell demo --pxe`): the exact package that
// `linux-image-amd64` depends on, downloaded with `apt-get download` and unpacked with `dpkg-deb -x`,
// never installed. It is kept in a cache folder shared by every test and build, so CI downloads it
// once. Downloading needs the real network: do it before entering a private network namespace
// (`node dist/src/vmlab/debian-kernel.js` does, and prints the folder); inside one, use
// `cachedDebianKernel()`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface DebianKernel {
  /** The Debian package, e.g. linux-image-6.1.0-57-amd64. */
  package: string;
  /** The package's version, e.g. 6.1.192-3. */
  version: string;
  /** The kernel's release (`uname -r` when it runs), e.g. 6.1.0-57-amd64. */
  release: string;
  /** The unpacked package. */
  root: string;
  vmlinuz: string;
  /** lib/modules/<release> inside `root`, with modules.dep. */
  modules: string;
}

/**
 * Where unpacked kernels are kept: $MCSHELL_TEST_CACHE, else /var/cache/mcshell-test when writable
 * (root, CI), else ~/.cache/mcshell-test. Not $XDG_CACHE_HOME: the test runner points that at a
 * throwaway folder per run, and the kernel must survive runs.
 */
export function labCacheDir(): string {
  if (process.env.MCSHELL_TEST_CACHE) return process.env.MCSHELL_TEST_CACHE;
  if (process.getuid?.() === 0) return '/var/cache/mcshell-test';
  return join(homedir(), '.cache', 'mcshell-test');
}

const kernelsDir = () => join(labCacheDir(), 'kernel');

/** The package `linux-image-amd64` depends on, and its candidate version, from the local apt lists (no network). */
export function debianKernelPackage(): { package: string; version: string } {
  const depends = run('apt-cache', ['depends', 'linux-image-amd64']);
  const name = /Depends:\s+(linux-image-\S+-amd64)\b/.exec(depends)?.[1];
  if (!name) throw new Error(`apt-cache names no kernel package for linux-image-amd64 (is this Debian, and has apt-get update run?):\n${depends}`);
  const policy = run('apt-cache', ['policy', name]);
  const version = /Candidate:\s+(\S+)/.exec(policy)?.[1];
  if (!version || version === '(none)') throw new Error(`apt has no candidate version of ${name}; run apt-get update`);
  return { package: name, version };
}

/** The kernel already unpacked in the cache (apt's current candidate first, else the newest there), without touching the network. */
export function cachedDebianKernel(): DebianKernel | undefined {
  let wanted: string | undefined;
  try {
    const { package: name, version } = debianKernelPackage();
    wanted = folderName(name, version);
  } catch {
    // Not Debian, or no apt lists: any kernel a previous run cached still serves.
  }
  const cached = existsSync(kernelsDir()) ? readdirSync(kernelsDir()).filter((entry) => /^linux-image-.+_.+$/.test(entry)).sort() : [];
  const folder = wanted && cached.includes(wanted) ? wanted : cached.at(-1);
  return folder ? describe(folder) : undefined;
}

/** The kernel from the cache, downloading and unpacking it first when it is not there (needs the network and apt). */
export function fetchDebianKernel(say: (line: string) => void = () => {}): DebianKernel {
  const { package: name, version } = debianKernelPackage();
  const folder = folderName(name, version);
  const final = join(kernelsDir(), folder);
  if (existsSync(final)) return describe(folder);
  mkdirSync(kernelsDir(), { recursive: true });
  // Unpack beside the final folder and rename it in one step, so a parallel fetch or a crash never
  // leaves a half-unpacked kernel that looks complete.
  const work = mkdtempSync(join(kernelsDir(), '.fetch-'));
  try {
    say(`downloading ${name}=${version} (Debian's kernel package; unpacked, not installed) into ${kernelsDir()}`);
    run('apt-get', ['download', '-q', `${name}=${version}`], work);
    const deb = readdirSync(work).find((entry) => entry.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${name}=${version} left no .deb in ${work}`);
    run('dpkg-deb', ['-x', join(work, deb), join(work, 'root')]);
    try {
      renameSync(join(work, 'root'), final);
    } catch (error) {
      if (!existsSync(final)) throw error; // another process finished the same fetch first
    }
    return describe(folder);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function folderName(name: string, version: string): string {
  return `${name}_${version.replace(/[^A-Za-z0-9.+~-]/g, '_')}`;
}

function describe(folder: string): DebianKernel {
  const [name, version] = folder.split('_') as [string, string];
  const release = name.replace(/^linux-image-/, '');
  const root = join(kernelsDir(), folder);
  return { package: name, version, release, root, vmlinuz: join(root, 'boot', `vmlinuz-${release}`), modules: join(root, 'lib', 'modules', release) };
}

function run(command: string, args: string[], cwd?: string): string {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd });
  if (result.error) throw new Error(`${command} could not run (${result.error.message}); it comes with Debian's apt and dpkg`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}): ${(result.stderr || result.stdout).trim()}`);
  return result.stdout;
}

// `node dist/src/vmlab/debian-kernel.js`: fetch into the cache (CI does this before the namespaced tests).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const kernel = fetchDebianKernel((line) => process.stderr.write(`${line}\n`));
    process.stdout.write(`${kernel.root}\n`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}
