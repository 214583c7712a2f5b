// The programs the boot-image builder needs from the DP host, found on PATH, each refused with the
// Debian package that provides it when missing.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { EngineError } from '../../errors.js';

export interface Tool {
  command: string;
  /** The Debian package that provides it. */
  debian: string;
  why: string;
}

export const TOOLS = {
  zstd: { command: 'zstd', debian: 'zstd', why: 'compresses the initramfs' },
  busybox: { command: 'busybox', debian: 'busybox-static', why: "is the boot image's shell and tools (it must be the static build)" },
  ldd: { command: 'ldd', debian: 'libc-bin', why: "lists the libraries node needs" },
} as const satisfies Record<string, Tool>;

function missingTool(tool: Tool, detail = 'was not found on PATH'): EngineError {
  return new EngineError('ToolNotFound', 'ResourceUnavailable', `Building a boot image needs '${tool.command}', which ${tool.why}; it ${detail}. Install Debian's package ${tool.debian} (apt-get install ${tool.debian}).`, tool.command);
}

/** The absolute path of `tool` on PATH (and /sbin, /usr/sbin, where busybox may live), or an error naming its package. */
export function findTool(tool: Tool, env: NodeJS.ProcessEnv = process.env): string {
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'].filter(Boolean);
  for (const dir of dirs) {
    const path = join(dir, tool.command);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // next folder
    }
  }
  throw missingTool(tool);
}

/** True when the ELF executable at `path` asks for no program interpreter (statically linked). */
export function isStaticExecutable(path: string): boolean {
  const elf = readFileSync(path);
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return false;
  const at = Number(elf.readBigUInt64LE(0x20));
  const size = elf.readUInt16LE(0x36);
  const count = elf.readUInt16LE(0x38);
  for (let i = 0; i < count; i++) if (elf.readUInt32LE(at + i * size) === 3 /* PT_INTERP */) return false;
  return true;
}

/** busybox, checked to be the static build: it runs before anything else, and must not depend on node's libraries. */
export function findStaticBusybox(env: NodeJS.ProcessEnv = process.env): string {
  const path = findTool(TOOLS.busybox, env);
  if (!isStaticExecutable(path)) throw missingTool(TOOLS.busybox, `is at ${path} but linked dynamically`);
  return path;
}

/** The shared libraries a program loads, at the paths the loader asks for them (as `ldd` resolves them). */
export function sharedLibraries(program: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const ldd = findTool(TOOLS.ldd, env);
  const result = spawnSync(ldd, [program], { encoding: 'utf8' });
  if (result.status !== 0) throw new EngineError('ToolFailed', 'ResourceUnavailable', `ldd ${program} failed: ${(result.stderr || result.stdout).trim()}`, program);
  const libraries: string[] = [];
  for (const line of result.stdout.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"; the vdso has no file.
    const match = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (match) libraries.push(match[1]!);
    else if (/not found/.test(line)) throw new EngineError('LibraryNotFound', 'ResourceUnavailable', `${program} needs a library this host lacks: ${line.trim()}`, program);
  }
  return libraries;
}
