// Script blocks, named blocks (begin, process, end, clean) and param() blocks: running a block,
// binding its parameters.
import type { FunctionDefinition, NamedBlocks, ParamBlock, SourceSpan, Statement } from '../../language/ast.js';
import { Binder, type Binding } from '../binder.js';
import { ReturnSignal } from '../errors.js';
import { LoopEnumerator } from '../enumerator.js';
import { invalidArgument, paramTarget as buildParamTarget, simpleTarget, type ParamTarget } from '../paramblock.js';
import type { Scope } from '../scope.js';
import { ScriptBlock } from '../scriptblock.js';
import { cast } from '../types.js';
import { Hashtable, SwitchParameter, toBool, unwrap } from '../values.js';
import { runner, type Env, called, type Output, checkpoint, collect } from './env.js';
import { runSyncStatement, isSyncStatement } from './sync.js';
import { ScriptCmdlet } from './should-process.js';

export interface InvokeOptions {
  input?: unknown;
  args?: unknown[];
  /** Run in the block's own scope (writes reach the caller), with a private $_. */
  dotSource?: boolean;
}

/** The scope a script block runs in, with $args and (given input) $_. */
export function blockScope(block: ScriptBlock, options: InvokeOptions): Scope {
  const scope = options.dotSource ? block.scope.transparentChild({}) : block.scope.child();
  scope.define('args', options.args ?? []);
  if ('input' in options) {
    scope.define('_', options.input);
    scope.define('PSItem', options.input);
  }
  return scope;
}

export async function* invokeScriptBlock(block: ScriptBlock, env: Env, options: InvokeOptions = {}): Output {
  const blockEnv = called(env, blockScope(block, options));
  await bindBlockParameters(block, options.args ?? [], blockEnv);
  if (block.node.blocks) yield* runNamedBlocks(block.node.blocks, blockEnv, null);
  else yield* runBlock(block.node.body, blockEnv);
}

/** Binds a script block's `param()` block, if it has one, to positional arguments. */
export async function bindBlockParameters(block: ScriptBlock, args: readonly unknown[], blockEnv: Env): Promise<void> {
  if (!block.node.params) return;
  const target = await paramTarget(block.node.params, blockEnv, '<script block>', block);
  const binder = new Binder(target);
  const binding = binder.bindArguments(
    args.map((value) => ({ kind: 'positional' as const, value, span: null })),
    bindOptions(blockEnv, false),
  );
  await defineParameters(target, binding, binder, blockEnv, blockEnv.scope);
}

/**
 * A script block that is one synchronous statement (`{ $_ % 2 -eq 0 }`, the usual Where-Object
 * filter, `{ $_ }`) runs without generators: its output, at once; undefined for other blocks.
 */
function syncBlockOutput(block: ScriptBlock, env: Env, options: InvokeOptions): unknown[] | undefined {
  const node = block.node;
  if (node.params !== null || node.blocks || node.body.length !== 1 || !isSyncStatement(node.body[0]!)) return undefined;
  const value = runSyncStatement(node.body[0]!, { ...env, scope: blockScope(block, options) });
  return Array.isArray(value) ? [...value] : value instanceof LoopEnumerator ? value.drain() : value === undefined ? [] : [value];
}

/** Runs a script block: a synchronous one's output at once, another's as it comes. */
export function runScriptBlock(block: ScriptBlock, env: Env, options: InvokeOptions): unknown[] | AsyncIterable<unknown> {
  return syncBlockOutput(block, env, options) ?? invokeScriptBlock(block, env, options);
}

/** Runs a script block and collects its output. */
export async function collectScriptBlock(block: ScriptBlock, env: Env, options: InvokeOptions): Promise<unknown[]> {
  return syncBlockOutput(block, env, options) ?? collect(invokeScriptBlock(block, env, options));
}

/** Runs one named block (or a body): `return` ends just that block. */
export async function* runBlock(statements: readonly Statement[], env: Env): Output {
  try {
    yield* runner.executeStatements(statements, env);
  } catch (e) {
    if (!(e instanceof ReturnSignal)) throw e;
  }
}

/**
 * Runs `begin` once, `process` for each pipeline object ($_ and $input set; `bindItem` binds the
 * pipeline parameters, false skips the object) or once without input, `end` once ($input: the
 * objects no process block took), and `clean` last whatever happened, its output dropped
 * (about_Functions_Advanced_Methods). The blocks share env.scope.
 */
export async function* runNamedBlocks(blocks: NamedBlocks, env: Env, upstream: AsyncIterable<unknown> | null, bindItem?: (item: unknown) => Promise<boolean>): Output {
  const scope = env.scope;
  // Clean runs only when another block ran (PipelineBehaviour.Tests.ps1).
  let ran = false;
  let completed = false;
  try {
    if (blocks.begin) {
      ran = true;
      yield* runBlock(blocks.begin, env);
    }
    if (blocks.process) {
      if (upstream) {
        for await (const item of upstream) {
          const turn = checkpoint(env);
          if (turn) await turn;
          if (bindItem && !(await bindItem(item))) continue;
          scope.define('_', item);
          scope.define('PSItem', item);
          scope.define('input', new LoopEnumerator([item]));
          ran = true;
          yield* runBlock(blocks.process, env);
        }
      } else {
        scope.define('input', new LoopEnumerator([]));
        ran = true;
        yield* runBlock(blocks.process, env);
      }
    }
    if (blocks.end) {
      scope.define('input', new LoopEnumerator(upstream && !blocks.process ? await collect(upstream) : []));
      ran = true;
      yield* runBlock(blocks.end, env);
    }
    completed = true;
  } finally {
    if (blocks.clean && ran) {
      try {
        await collect(runBlock(blocks.clean, env));
      } catch (e) {
        // An error in clean is reported, unless one is already on its way out.
        if (completed) throw e;
      }
    }
  }
}

export function bindOptions(env: Env, expectingInput: boolean) {
  return {
    scriptFile: env.scriptFile,
    expectingInput,
    warn: (message: string, span: SourceSpan | null) => env.session.warnOnce(message, span),
  };
}

const paramTargets = new WeakMap<object, ParamTarget>();

/** The binder target of a `param()` block, worked out once per block. */
export async function paramTarget(block: ParamBlock, env: Env, name: string, key: object): Promise<ParamTarget> {
  let target = paramTargets.get(key);
  if (!target) {
    target = await buildParamTarget(block, name, (e) => runner.evaluate(e, env));
    paramTargets.set(key, target);
  }
  return target;
}

export async function functionTarget(fn: FunctionDefinition, env: Env): Promise<ParamTarget> {
  const block = fn.params ?? fn.body.params;
  if (block) return paramTarget(block, env, fn.name, fn);
  let target = paramTargets.get(fn);
  if (!target) {
    target = simpleTarget(fn.name);
    paramTargets.set(fn, target);
  }
  return target;
}

/** Sets each parameter as a variable: bound value, else its default expression, else $null/$false. */
export async function defineParameters(target: ParamTarget, binding: Binding, binder: Binder, env: Env, scope: Scope, span: SourceSpan | null = null): Promise<void> {
  const values = binder.finalValues(binding);
  const invalid = await invalidArgument(target, values, binding.bound, (block, value) => collectScriptBlock(block, env, { input: value }).then(unwrap), span);
  if (invalid) throw invalid;
  for (const name of Object.keys(target.parameters)) {
    let value = values[name];
    if (!binding.bound.has(name)) {
      const fallback = target.defaults.get(name);
      if (fallback) {
        value = await runner.evaluate(fallback, { ...env, scope });
        const type = target.types.get(name);
        if (type) value = cast(type, value);
      } else if (value === undefined) value = null;
    }
    scope.define(name, target.parameters[name]!.type === 'switch' ? new SwitchParameter(toBool(value)) : value);
  }
  scope.define('args', binding.extra);
  if (target.advanced) {
    scope.define('PSCmdlet', new ScriptCmdlet(env, binding, target));
    // -WhatIf on an advanced function reaches the commands it runs (about_Functions_CmdletBindingAttribute).
    if (binding.common.whatIf) scope.define('WhatIfPreference', true);
    // So do -ErrorAction and -Verbose, as the preference variables of its scope (about_CommonParameters).
    if (binding.common.errorAction) scope.define('ErrorActionPreference', binding.common.errorAction);
    if (binding.bound.has('Verbose')) scope.define('VerbosePreference', binding.common.verbose ? 'Continue' : 'SilentlyContinue');
  }
  scope.define('PSBoundParameters', Hashtable.fromEntries([...binding.bound].filter((n) => n in binding.values).map((n) => [n, binding.values[n]])));
}
