// Kernel modules for the boot image: the NIC and disk drivers it must hold, with every module they
// depend on, in an order insmod can load them (dependencies first). Dependencies come from the
// kernel's modules.dep when it has one (an installed kernel: depmod made it); Debian's kernel
// package ships none (depmod runs at install), so then from each module's own `depends=` field.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../errors.js';

/**
 * NIC and disk-controller drivers every boot image holds: virtual machines and common hardware; and
 * loop, through which applying a disk image checks and grows a partition's filesystem.
 */
export const DEFAULT_DRIVERS: readonly string[] = [
  'virtio_pci',
  'virtio_net',
  'virtio_blk',
  'virtio_scsi',
  'e1000',
  'e1000e',
  'igb',
  'ixgbe',
  'r8169',
  'ahci',
  'nvme',
  'sd_mod',
  'loop',
];

/** `e1000e`, `sd-mod` and `sd_mod` name one module: the kernel treats - and _ alike. */
export const moduleName = (name: string) => name.trim().replace(/-/g, '_');

/** modules.order / modules.dep path → module name: kernel/drivers/net/virtio_net.ko(.xz|.zst) → virtio_net. */
const nameOfPath = (path: string) => moduleName(path.replace(/^.*\//, '').replace(/\.ko(\.(xz|zst|gz))?$/, ''));

export interface ModuleSet {
  /** Paths relative to the modules folder, dependencies before the modules that need them. */
  loadOrder: string[];
  /** The asked-for drivers the kernel has built in (nothing to load). */
  builtIn: string[];
}

interface ModuleIndex {
  paths: Map<string, string>;
  dependsOn: (path: string) => string[];
  builtIn: Set<string>;
}

function indexModules(modulesDir: string): ModuleIndex {
  const listed = (file: string) => (existsSync(join(modulesDir, file)) ? readFileSync(join(modulesDir, file), 'utf8').split('\n').filter(Boolean) : null);
  const builtIn = new Set((listed('modules.builtin') ?? []).map(nameOfPath));
  const dep = listed('modules.dep');
  const paths = new Map<string, string>();
  if (dep) {
    const deps = new Map<string, string[]>();
    for (const line of dep) {
      const [path, rest = ''] = line.split(':');
      paths.set(nameOfPath(path!), path!);
      deps.set(path!, rest.trim().split(/\s+/).filter(Boolean));
    }
    return { paths, dependsOn: (path) => deps.get(path) ?? [], builtIn };
  }
  const order = listed('modules.order');
  if (!order) {
    throw new EngineError('ModulesNotFound', 'ObjectNotFound', `${modulesDir} has neither modules.dep nor modules.order: it is not a kernel's modules folder (lib/modules/<version> of the kernel's package).`, modulesDir);
  }
  // modules.order names .ko; the files may be compressed (.ko.xz, .ko.zst).
  for (const path of order) {
    const found = ['', '.xz', '.zst'].map((suffix) => path + suffix).find((candidate) => existsSync(join(modulesDir, candidate)));
    if (found) paths.set(nameOfPath(found), found);
  }
  return {
    paths,
    dependsOn: (path) => {
      const names = modinfo(moduleBytes(modulesDir, path), path).depends;
      return names.map((name) => paths.get(name) ?? missing(name, `needed by ${nameOfPath(path)}`, modulesDir));
    },
    builtIn,
  };
}

function missing(name: string, why: string, modulesDir: string): never {
  throw new EngineError('DriverNotFound', 'ObjectNotFound', `The kernel's modules folder ${modulesDir} has no module '${name}' (${why}); name one of its modules (see modules.order there), or use a kernel that has it.`, name);
}

/**
 * The modules to load for `drivers`, with their dependencies, dependencies first. A driver the
 * kernel has built in needs nothing; one it has neither built in nor as a module is refused.
 */
export function resolveModules(modulesDir: string, drivers: readonly string[]): ModuleSet {
  const index = indexModules(modulesDir);
  const loadOrder: string[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const visit = (path: string) => {
    if (placed.has(path) || visiting.has(path)) return;
    visiting.add(path);
    for (const dependency of index.dependsOn(path)) visit(dependency);
    visiting.delete(path);
    placed.add(path);
    loadOrder.push(path);
  };
  const builtIn: string[] = [];
  for (const driver of drivers.map(moduleName)) {
    const path = index.paths.get(driver);
    if (path) visit(path);
    else if (index.builtIn.has(driver)) builtIn.push(driver);
    else missing(driver, 'asked for as a driver', modulesDir);
  }
  return { loadOrder, builtIn };
}

/** modules.dep for the modules the image holds (busybox modprobe reads it). */
export function modulesDep(modulesDir: string, loadOrder: readonly string[]): string {
  const index = indexModules(modulesDir);
  return loadOrder.map((path) => `${imageModulePath(path)}: ${index.dependsOn(path).map(imageModulePath).join(' ')}`.trimEnd()).join('\n') + '\n';
}

/** A module's bytes, uncompressed (insmod takes a plain .ko): .ko.xz through xz, .ko.zst through zstd. */
export function moduleBytes(modulesDir: string, path: string): Buffer {
  const file = join(modulesDir, path);
  const tool = path.endsWith('.xz') ? { command: 'xz', debian: 'xz-utils' } : path.endsWith('.zst') ? { command: 'zstd', debian: 'zstd' } : null;
  if (!tool) return readFileSync(file);
  const result = spawnSync(tool.command, ['-dc', file], { maxBuffer: 1 << 30 });
  if (result.error) throw new EngineError('ToolNotFound', 'ResourceUnavailable', `Decompressing the kernel module ${path} needs '${tool.command}': install Debian's package ${tool.debian} (apt-get install ${tool.debian}).`, tool.command);
  if (result.status !== 0) throw new EngineError('ModuleUnreadable', 'InvalidArgument', `${tool.command} could not decompress ${file}: ${result.stderr.toString().trim()}`, file);
  return result.stdout;
}

/** Where a module sits in the image: compressed ones are stored decompressed. */
export const imageModulePath = (path: string) => path.replace(/\.(xz|zst)$/, '');

/**
 * The `key=value` strings of an uncompressed module's .modinfo section (ELF64 little-endian, as
 * every x86-64 module is). Only `depends` is used.
 */
export function modinfo(elf: Buffer, path: string): { depends: string[] } {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) {
    throw new EngineError('ModuleUnreadable', 'InvalidArgument', `${path} is not an uncompressed 64-bit kernel module (ELF64); a compressed module needs the kernel's modules.dep (run depmod for that kernel).`, path);
  }
  const sectionsAt = Number(elf.readBigUInt64LE(0x28));
  const sectionSize = elf.readUInt16LE(0x3a);
  const sections = elf.readUInt16LE(0x3c);
  const namesSection = elf.readUInt16LE(0x3e);
  const section = (i: number) => {
    const at = sectionsAt + i * sectionSize;
    return { name: elf.readUInt32LE(at), offset: Number(elf.readBigUInt64LE(at + 0x18)), size: Number(elf.readBigUInt64LE(at + 0x20)) };
  };
  const names = section(namesSection);
  for (let i = 0; i < sections; i++) {
    const { name, offset, size } = section(i);
    const end = elf.indexOf(0, names.offset + name);
    if (elf.toString('latin1', names.offset + name, end) !== '.modinfo') continue;
    const fields = elf.toString('latin1', offset, offset + size).split('\0');
    const depends = fields.find((field) => field.startsWith('depends='))?.slice('depends='.length) ?? '';
    return { depends: depends.split(',').filter(Boolean).map(moduleName) };
  }
  return { depends: [] };
}
