#!/usr/bin/env node
// Bundles the shell for script runs (`mcshell -c …`, `mcshell file.mcs`, a script on stdin): the
// compiled shell (dist/src/cli/shell.js) with the language, the runtime, the formatters and the
// cmdlet registry, into dist/bundle. Node then resolves and reads a few files instead of ~35
// modules at start-up. Each cmdlet stays a chunk of its own that loads when a script first runs it
// (splitting), as the registry intends. Packages stay imports of node_modules. Kept out:
//  - the interactive UI (dist/src/ui/start.js): main.ts starts interactive sessions from the
//    compiled modules, which the UI bundle shares, so the bundle only reaches it through a usage
//    it never has;
//  - modules that find files relative to themselves (import.meta.url), which would look beside the
//    bundle instead: the cmdlet manifest reader (manifest.json and the compiled cmdlets) and the
//    transport's native addon loader. The build fails if another bundled module uses
//    import.meta.url, so that none is added without being kept out.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const outdir = join(dist, 'bundle');
const keptOut = [join(dist, 'src/ui/start.js'), join(dist, 'cmdlets/manifest.js'), join(dist, 'src/engine/transport/native.js'), join(dist, 'src/engine/boot/image/assets.js'), join(dist, 'src/engine/disk/zstd-pool.js')];

/** Imports of the kept-out modules stay imports, of the compiled file, relative to the bundle. */
const compiledModulesKeptOut = {
  name: 'compiled-modules-kept-out',
  setup(builder) {
    builder.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = resolve(dirname(args.importer), args.path);
      return keptOut.includes(target) ? { path: relative(outdir, target), external: true } : undefined;
    });
  },
};

/**
 * The entry: the shell, and the modules every script run imports (dynamically, so that --help and
 * --version skip them) made static here, so that they load as one file instead of a chunk each.
 */
const everyRun = ['src/cli/runtime.js', 'src/runtime/interpreter.js'];
/**
 * esbuild puts each module in the chunk of the set of entry points that reach it, and each dynamic
 * import (of a cmdlet, or of a module the shell loads lazily) is an entry point: the core modules,
 * reached by different sets of them, would each be a chunk of their own. Every module importing the
 * whole core (at its end, so the order of evaluation does not change) makes the core one chunk.
 */
const entry = {
  name: 'entry',
  setup(builder) {
    builder.onResolve({ filter: /^mcshell-(shell|core)$/ }, (args) => ({ path: args.path, namespace: 'entry' }));
    builder.onLoad({ filter: /.*/, namespace: 'entry' }, (args) => ({
      contents: args.path === 'mcshell-shell' ? `export * from './src/cli/shell.js';\nimport 'mcshell-core';` : everyRun.map((m) => `import './${m}';`).join('\n'),
      resolveDir: dist,
    }));
    builder.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(`${dist}/`)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (source.includes('import.meta.url')) throw new Error(`${relative(root, args.path)} uses import.meta.url: add it to keptOut in scripts/build-shell.mjs`);
      return { contents: `${source}\nimport 'mcshell-core';\n`, resolveDir: dirname(args.path) };
    });
  },
};

// Chunk names carry a hash of their contents: start empty, or old chunks would pile up.
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { shell: 'mcshell-shell' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  plugins: [entry, compiledModulesKeptOut],
  // Names stay (internal-error stack traces read as in the sources); only spacing and syntax shrink.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
