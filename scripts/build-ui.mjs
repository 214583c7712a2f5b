#!/usr/bin/env node
// Bundles the interactive shell's UI (dist/src/ui, as compiled by tsc) with Ink, React and their
// dependencies into one module, dist/src/ui/interactive.bundle.js: Node then reads one file at
// start-up instead of the ~400 modules Ink pulls in, which took most of the time to the first prompt.
// The project's own modules outside src/ui stay imports of the compiled files, so the shell and
// the UI share one copy of them. React's production build is chosen here: its development build
// only adds checks for React developers and costs about half as much again per dashboard frame.
// MCSHELL_UI_MINIFY=0 leaves the bundle readable, for CPU profiles (scripts/bench-ui.mjs --cpu-prof).
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

/**
 * Ink draws every frame from scratch: Output.get() turns each line of text into one object per
 * character with its styles, paints them on a grid as wide as the terminal and turns the grid back
 * into text, and before that it measures each text's width again, character by character (with a
 * Unicode segmenter as soon as a line holds a block glyph or a dash). For the session dashboard
 * that is some 2,000 characters ten times a second, most of its CPU. Two shortcuts:
 * - When every line of the frame is written by one text starting at the left edge (each line of
 *   mcshell's screen is one <Text>), the grid would only copy that text: the frame is those lines,
 *   as the grid would give them without its trailing blanks. Any other frame (side-by-side texts,
 *   indented boxes, clipping) takes Ink's own path.
 * - A text's width comes from Ink's own measureText, whose cache the layout has just filled for
 *   the same text.
 */
const inkFrameShortcuts = {
  name: 'ink-frame-shortcuts',
  setup(builder) {
    const patch = async (path, replacements, appended = '') => {
      let source = await readFile(path, 'utf8');
      for (const [from, to] of replacements) {
        if (!source.includes(from)) throw new Error(`${path}: no '${from.trim()}' to patch (has ink changed?)`);
        source = source.replace(from, to);
      }
      return { contents: source + appended };
    };
    builder.onLoad({ filter: /[\\/]node_modules[\\/]ink[\\/]build[\\/]render-node-to-output\.js$/ }, (args) =>
      patch(args.path, [
        ["import widestLine from 'widest-line';", "import measureText from './measure-text.js';"],
        ['const currentWidth = widestLine(text);', 'const currentWidth = measureText(text).width;'],
      ]),
    );
    builder.onLoad({ filter: /[\\/]node_modules[\\/]ink[\\/]build[\\/]output\.js$/ }, (args) =>
      patch(
        args.path,
        [
          ['export default class Output {', 'export default class Output {'],
          ['    get() {', '    getOnGrid() {'],
        ],
        `
Output.prototype.get = function () {
  const lines = new Array(this.height).fill('');
  const written = new Array(this.height).fill(false);
  for (const operation of this.operations) {
    if (operation.type !== 'write' || operation.x !== 0 || operation.y < 0) return this.getOnGrid();
    const texts = operation.text.split('\\n');
    for (let index = 0; index < texts.length && operation.y + index < this.height; index++) {
      if (written[operation.y + index]) return this.getOnGrid();
      written[operation.y + index] = true;
      let line = texts[index];
      for (const transformer of operation.transformers) line = transformer(line, index);
      lines[operation.y + index] = line.trimEnd();
    }
  }
  return { output: lines.join('\\n'), height: this.height };
};
`,
      ),
    );
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
  plugins: [projectModulesExternal, inkWithoutDevtools, yogaWithoutFetch, inkFrameShortcuts],
  minify: process.env.MCSHELL_UI_MINIFY !== '0',
  logLevel: 'warning',
});
