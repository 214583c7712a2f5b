#!/usr/bin/env node
// Bundles the interactive shell's UI (dist/src/ui, as compiled by tsc) with Ink, React and their
// dependencies into one module, dist/src/ui/interactive.bundle.js: Node then reads one file at
// start-up instead of the ~400 modules Ink pulls in, which took most of the time to the first prompt.
// The project's own modules outside src/ui stay imports of the compiled files, so the shell and
// the UI share one copy of them. React's production build is chosen here: its development build
// only adds checks for React developers and costs about half as much again per dashboard frame.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ui = join(root, 'dist/src/ui');

/** Relative imports that leave dist/src/ui are kept as imports, relative to the bundle. */
const projectModulesExternal = {
  name: 'project-modules-external',
  setup(builder) {
    builder.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = resolve(dirname(args.importer), args.path);
      if (target.startsWith(ui + '/') || args.importer.includes('/node_modules/')) return undefined;
      return { path: `./${relative(ui, target)}`.replace(/^\.\/\.\.\//, '../'), external: true };
    });
  },
};

/**
 * DEV=true makes Ink connect React's devtools (react-devtools-core, an optional peer that is not
 * installed) and read its own package.json beside its modules, neither of which the bundle has:
 * in the bundle Ink's isDev() is false and its devtools module empty.
 */
const inkWithoutDevtools = {
  name: 'ink-without-devtools',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]node_modules[\\/]ink[\\/]build[\\/]utils\.js$/ }, () => ({ contents: 'export const isDev = () => false;' }));
    builder.onResolve({ filter: /^\.\/devtools\.js$/ }, (args) => (/[\\/]node_modules[\\/]ink[\\/]/.test(args.importer) ? { path: 'devtools', namespace: 'empty' } : undefined));
    builder.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: '' }));
  },
};

/**
 * Yoga's Emscripten loader fetches its inlined WebAssembly from a data: URL, which makes Node load
 * its fetch implementation (about 45 ms of start-up); without fetch it decodes the base64 itself.
 */
const yogaWithoutFetch = {
  name: 'yoga-without-fetch',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]node_modules[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const check = '"function"!=typeof fetch';
      if (!source.includes(check)) throw new Error(`${args.path}: no ${check} to turn off (has yoga-layout changed?)`);
      return { contents: source.replaceAll(check, 'true') };
    });
  },
};

await build({
  entryPoints: [join(ui, 'interactive.js')],
  outfile: join(ui, 'interactive.bundle.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  define: { 'process.env.NODE_ENV': '"production"' },
  // CommonJS packages (React) calling require() need it in an ES module.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  plugins: [projectModulesExternal, inkWithoutDevtools, yogaWithoutFetch],
  minify: true,
  logLevel: 'warning',
});
