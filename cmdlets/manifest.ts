// The build's manifest of every cmdlet's brief (synopsis, parameter names), so that listing commands
// (Get-Command, Get-Help without a name) imports no cmdlet module. `scripts/build-manifest.mjs` writes
// it next to the compiled registry after `tsc`; a manifest that is missing, or older than any compiled
// cmdlet (a `tsc` run without the script), is ignored and the cmdlets are loaded instead.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { briefOf, type CommandBrief } from '../src/runtime/cmdlet.js';
import type { CommandEntry } from '../src/runtime/session.js';

export type Manifest = Record<string, CommandBrief>;

const compiledDir = fileURLToPath(new URL('.', import.meta.url));
const FILE = 'manifest.json';

export async function buildManifest(commands: readonly CommandEntry[]): Promise<Manifest> {
  const decls = await Promise.all(commands.map((c) => c.load()));
  return Object.fromEntries(commands.map((c, i) => [c.name, briefOf(decls[i]!.default)]));
}

export async function writeManifest(commands: readonly CommandEntry[], dir = compiledDir): Promise<void> {
  writeFileSync(join(dir, FILE), `${JSON.stringify(await buildManifest(commands))}\n`);
}

/** The manifest in `dir`, or null when it is missing or a cmdlet module was compiled after it. */
export function readManifest(dir = compiledDir): Manifest | null {
  let written: number;
  try {
    written = statSync(join(dir, FILE)).mtimeMs;
  } catch {
    return null;
  }
  for (const family of readdirSync(dir, { withFileTypes: true })) {
    if (!family.isDirectory()) continue;
    const familyDir = join(dir, family.name);
    for (const file of readdirSync(familyDir)) {
      if (file.endsWith('.js') && statSync(join(familyDir, file)).mtimeMs > written) return null;
    }
  }
  return JSON.parse(readFileSync(join(dir, FILE), 'utf8')) as Manifest;
}

let current: Manifest | null | undefined;

/** This build's brief of a cmdlet, if the manifest is there and up to date. */
export function manifestBrief(name: string): CommandBrief | undefined {
  if (current === undefined) current = readManifest();
  return current?.[name];
}
