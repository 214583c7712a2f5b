// Entry of the interactive shell. The UI, with Ink and React, is one module bundled at build time
// (scripts/build-ui.mjs). While it loads, the banner and a plain prompt are already on the screen;
// keys typed meanwhile wait in the terminal, in raw mode (not echoed there, where the Ink prompt
// could not erase them), for the Ink prompt, which takes over the line and shows them.
import { banner, PROMPT } from './greeting.js';
import type { InteractiveOptions } from './interactive.js';

export async function runInteractive(options: InteractiveOptions): Promise<never> {
  process.stdout.write(`${banner(options.version)}\n${PROMPT}`);
  process.stdin.setRawMode(true);
  const ui = await withoutCiDetection(() => import('./interactive.bundle.js'));
  return ui.runInteractive(options);
}

/**
 * Ink reads CI / CONTINUOUS_INTEGRATION once, when it loads, and then draws only the final frame:
 * no live prompt, no dashboard. This shell runs only with a terminal on both ends, so a person is
 * there even if such a variable is set (a CI job that opens a terminal, a test harness); hide the
 * variables while Ink loads and restore them for everything else.
 */
async function withoutCiDetection<T>(load: () => Promise<T>): Promise<T> {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return await load();
  } finally {
    for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
  }
}
