// Where this mcshell's build lies (the folder holding dist/ and native/): the boot-image builder
// takes the bundled agent and the native addon from there. Kept out of the shell bundle
// (scripts/build-shell.mjs), as it finds files relative to itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function mcshellRoot(): string {
  // dist/src/engine/boot/image/assets.js → the folder holding dist/
  return fileURLToPath(new URL('../../../../../', import.meta.url));
}

let version: string | null = null;

/** This mcshell's version (its package.json), read once. */
export function mcshellVersion(): string {
  return (version ??= (JSON.parse(readFileSync(join(mcshellRoot(), 'package.json'), 'utf8')) as { version: string }).version);
}
