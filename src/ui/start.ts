// Entry of the interactive shell. The UI, with Ink and React, is one module bundled at build time
// (scripts/build-ui.mjs). While it loads, the banner and a plain prompt are already on the screen;
// keys typed meanwhile wait in the terminal for the Ink prompt, which takes over the line.
import { banner, PROMPT } from './greeting.js';
import type { InteractiveOptions } from './interactive.js';

export async function runInteractive(options: InteractiveOptions): Promise<never> {
  process.stdout.write(`${banner(options.version)}\n${PROMPT}`);
  const ui = await import('./interactive.bundle.js');
  return ui.runInteractive(options);
}
