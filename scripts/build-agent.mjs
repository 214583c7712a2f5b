#!/usr/bin/env node
// Bundles the client agent for boot images: `mcshell client` (dist/src/cli/commands/client.js) and
// everything it imports, npm packages included, into one file, dist/agent/agent.mjs, that runs with
// node alone. The native addon loader (dist/src/engine/transport/native.js) looks for the addon
// beside the bundle (mcnet.node), where the boot-image builder puts it.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const nativeLoader = join(dist, 'src/engine/transport/native.js');
const ADDON_PATH = "'../../../../native/build/Release/mcnet.node'";

const addonBesideBundle = {
  name: 'addon-beside-bundle',
  setup(builder) {
    builder.onLoad({ filter: /native\.js$/ }, async (args) => {
      if (args.path !== nativeLoader) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(ADDON_PATH)) throw new Error(`${args.path} no longer loads the addon from ${ADDON_PATH}: update scripts/build-agent.mjs`);
      return { contents: source.replace(ADDON_PATH, "'./mcnet.node'"), loader: 'js' };
    });
  },
};

await build({
  stdin: {
    contents: "import { main } from './src/cli/commands/client.js';\nprocess.exitCode = await main(process.argv.slice(2));\n",
    resolveDir: dist,
    sourcefile: 'agent-entry.js',
  },
  outfile: join(dist, 'agent', 'agent.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [addonBesideBundle],
  // A native addon: loaded from node_modules (the boot-image builder puts it beside the bundle).
  external: ['zstd-napi'],
  // Some bundled packages use require(); an ESM bundle provides it.
  banner: { js: "import { createRequire as __mcshellRequire } from 'node:module'; const require = __mcshellRequire(import.meta.url);" },
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});

// The compression worker a capture starts (disk/zstd-pool.ts finds it beside the bundle).
await build({
  entryPoints: [join(dist, 'src/engine/disk/zstd-worker.js')],
  outfile: join(dist, 'agent', 'zstd-worker.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['zstd-napi'],
  minifyWhitespace: true,
  logLevel: 'warning',
});
