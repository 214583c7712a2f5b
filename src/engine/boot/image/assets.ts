// Where this mcshell's build lies (the folder holding dist/ and native/): the boot-image builder
// takes the bundled agent and the native addon from there. Kept out of the shell bundle
// (scripts/build-shell.mjs), as it finds files relative to itself.
import { fileURLToPath } from 'node:url';

export function mcshellRoot(): string {
  // dist/src/engine/boot/image/assets.js → the folder holding dist/
  return fileURLToPath(new URL('../../../../../', import.meta.url));
}
