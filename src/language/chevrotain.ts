// Loads Chevrotain from its single-file ESM bundle. The package entry point imports ~100
// lodash-es modules (~350 ms on Node 20, most of `mcshell -c` start-up budget); the bundle
// exposes the same API and loads in ~25 ms, its minified twin (also shipped) ~4 ms faster.
import type * as Chevrotain from 'chevrotain';

const bundle = new URL('../chevrotain.min.mjs', import.meta.resolve('chevrotain'));

export const chevrotain: typeof Chevrotain = await import(bundle.href);
