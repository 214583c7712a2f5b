#!/usr/bin/env node
// Builds native/mcnet.node, the transport's batched receive path (see native/mcnet.c), with the
// node-gyp that npm bundles. It is an accelerator, not a requirement: when no compiler is present
// the build says so and mcshell uses Node's dgram (slower per datagram, same behaviour).
// MCSHELL_REQUIRE_NATIVE=1 makes a failed build an error (CI sets it, so CI proves the build).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dir = resolve(new URL('../native', import.meta.url).pathname);
const output = join(dir, 'build/Release/mcnet.node');
// The sources are binding.gyp's own list (plus the file itself), so a new source file cannot be missed.
const gyp = join(dir, 'binding.gyp');
const sources = [gyp, ...JSON.parse(readFileSync(gyp, 'utf8')).targets.flatMap((t) => t.sources.map((f) => join(dir, f)))];

const upToDate = existsSync(output) && sources.every((s) => statSync(s).mtimeMs <= statSync(output).mtimeMs);
if (!upToDate) {
  // npm puts its node-gyp on PATH for scripts and names it in npm_config_node_gyp.
  const gyp = process.env.npm_config_node_gyp;
  const [cmd, args] = gyp ? [process.execPath, [gyp]] : ['node-gyp', []];
  const r = spawnSync(cmd, [...args, 'rebuild', '--loglevel=error', '--directory', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : `node-gyp exited with ${r.status}`;
    if (process.env.MCSHELL_REQUIRE_NATIVE === '1') {
      console.error(`build-native: ${why}`);
      process.exit(1);
    }
    console.warn(`build-native: the native receive path was not built (${why}); mcshell will use Node's dgram.`);
  }
}
