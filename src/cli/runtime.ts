// What a shell needs to run scripts, as one module: createShell (shell.ts) loads it on first use,
// so that --help and --version load none of it, and in the shell's bundle (scripts/build-shell.mjs)
// one dynamic import is one small file to load rather than one per module.
export { commands } from '../../cmdlets/index.js';
export { exitWarning } from '../../cmdlets/engine.js';
export * as errors from '../format/errors.js';
export { createOutputSink } from '../format/output.js';
export { CLEAR_SCREEN, colorWanted, createStyle } from '../format/style.js';
export { printable } from '../format/printable.js';
export * as language from '../language/index.js';
export { Session } from '../runtime/session.js';
