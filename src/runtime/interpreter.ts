// The tree-walking interpreter. Statements are async generators, so output streams: a pipeline
// stage pulls from the one before it, and when a downstream stage stops pulling (Select-Object
// -First 1) the upstream generators are closed and stop working. Its parts are in interpreter/
// (env.ts tells how they are layered); this module joins them (it registers the entry points the
// parts call across layers) and runs scripts.
import type { Script } from '../language/ast.js';
import { resolve } from 'node:path';
import type { RunOptions, Session } from './session.js';
import { registerRunner, type Env } from './interpreter/env.js';
import { runBlock, runNamedBlocks } from './interpreter/blocks.js';
import { executeStatements } from './interpreter/statements.js';
import { evaluate } from './interpreter/expressions.js';
import { bindScriptArguments, defineScriptVariables } from './interpreter/commands.js';
import { runPipeline } from './interpreter/pipeline.js';

registerRunner({ evaluate, executeStatements, runPipeline });

export { checkpoint, lookupVariable, maxCallDepth, type Env } from './interpreter/env.js';
export { invokeScriptBlock, type InvokeOptions } from './interpreter/blocks.js';
export { evaluate, executeStatements, runPipeline };

export async function execute(session: Session, script: Script, options: RunOptions & { signal: AbortSignal }): Promise<void> {
  const scriptFile = options.scriptFile ?? false;
  const scope = scriptFile ? session.global.child('script') : session.global;
  const env: Env = { session, scope, signal: options.signal, inTry: false, scriptFile, depth: 0 };
  session.sources.set(script.span.file, script.source);
  if (scriptFile) defineScriptVariables(scope, resolve(session.cwd, script.span.file), script.span.file);
  await bindScriptArguments(script, options.args ?? [], env);
  const output = script.blocks ? runNamedBlocks(script.blocks, env, null) : runBlock(script.body, env);
  for await (const item of output) await options.onOutput(item);
}
