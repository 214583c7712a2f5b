// Commands of a pipeline, resolved and bound before anything in it runs: script blocks, functions
// and script files (cmdlets: cmdlet-stage.ts).
import type { CommandCall, FunctionDefinition, Script, SourceSpan } from '../../language/ast.js';
import { Binder, type ArgumentValue, type Binding } from '../binder.js';
import { ErrorRecord, ExitSignal, ReturnSignal, RuntimeError, runtimeError } from '../errors.js';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { LoopEnumerator } from '../enumerator.js';
import { invalidArgument } from '../paramblock.js';
import type { Scope } from '../scope.js';
import { ScriptBlock } from '../scriptblock.js';
import { didYouMean } from '../suggest.js';
import { Hashtable, enumerate, isPlainObject, toStr, unwrap } from '../values.js';
import { type Env, called, type Output, collect, lookupVariable, asRuntimeError } from './env.js';
import {
  invokeScriptBlock,
  bindBlockParameters,
  collectScriptBlock,
  paramTarget,
  defineParameters,
  bindOptions,
  runBlock,
  runNamedBlocks,
  functionTarget,
} from './blocks.js';
import { executeStatements } from './statements.js';
import { evaluate } from './expressions.js';
import { cmdletStage } from './cmdlet-stage.js';

export type Stage = (upstream: AsyncIterable<unknown> | null) => AsyncIterable<unknown>;

async function evaluateArguments(call: CommandCall, env: Env): Promise<ArgumentValue[]> {
  const args: ArgumentValue[] = [];
  for (const arg of call.args) {
    if (arg.kind === 'PositionalArgument') {
      args.push({ kind: 'positional', value: await evaluate(arg.value, env), span: arg.span });
    } else if (arg.kind === 'ParameterArgument') {
      const hasValue = arg.value !== null;
      args.push({ kind: 'named', name: arg.name, value: hasValue ? await evaluate(arg.value!, env) : undefined, hasValue, span: arg.span });
    } else {
      const splat = lookupVariable(arg.variable, env);
      if (splat instanceof Hashtable) {
        for (const [k, v] of splat.entries()) args.push({ kind: 'named', name: toStr(k), value: v, hasValue: true, span: arg.span });
      } else if (isPlainObject(splat)) {
        for (const [k, v] of Object.entries(splat)) args.push({ kind: 'named', name: k, value: v, hasValue: true, span: arg.span });
      } else {
        for (const v of enumerate(splat)) args.push({ kind: 'positional', value: v, span: arg.span });
      }
    }
  }
  return args;
}

function commandNotFound(name: string, env: Env, span: SourceSpan): RuntimeError {
  const names = [
    ...env.session.commandEntries.flatMap((e) => [e.name, ...e.aliases.filter((a) => a.length > 2)]),
    ...env.scope.listFunctions().map((f) => f.name),
  ];
  return runtimeError({
    id: 'CommandNotFound',
    category: 'ObjectNotFound',
    message: `The term '${name}' is not recognized as a cmdlet, function or script file.${didYouMean(name, names)}`,
    target: name,
    span,
    hint: 'Run Get-Command to list the available commands.',
  });
}

/** Resolves a command, evaluates and binds its arguments (before anything in the pipeline runs). */
export async function prepareCommand(call: CommandCall, env: Env, expectingInput: boolean): Promise<Stage> {
  let name: string;
  if (typeof call.name === 'string') name = call.name;
  else {
    const value = await evaluate(call.name, env);
    if (value instanceof ScriptBlock) {
      const args = await evaluateArguments(call, env);
      const positional = args.map((a) => (a.kind === 'positional' ? a.value : `-${a.name}`));
      return (upstream) => scriptBlockStage(value, env, upstream, positional, call.dotSource);
    }
    name = toStr(value);
  }
  const fn = env.scope.getFunction(name);
  if (fn) return functionStage(fn, call, env, expectingInput);
  const entry = env.session.findCmdlet(name);
  if (!entry) {
    // `./child.mcs`, `C:/x/child.mcs`, or a script in this folder named as a command (`deploy.mcs`).
    if (/[\\/]/.test(name) || /\.mcs$/i.test(name)) return scriptFileStage(name, call, env);
    throw commandNotFound(name, env, call.span);
  }
  const decl = await env.session.loadCmdlet(entry);
  const binder = new Binder(decl);
  const binding = binder.bindArguments(await evaluateArguments(call, env), bindOptions(env, expectingInput));
  binder.checkMandatory(binding, expectingInput, call.span);
  return (upstream) => cmdletStage(decl, binder, binding, env, upstream, call.span);
}

async function* scriptBlockStage(block: ScriptBlock, env: Env, upstream: AsyncIterable<unknown> | null, args: unknown[], dotSource: boolean): Output {
  // Dot-sourced, it runs in the caller's scope (what it assigns and defines stays); else in a child of its own.
  const scope = dotSource ? env.scope.transparentChild({}) : block.scope.child();
  const blocks = block.node.blocks;
  if (blocks) {
    const blockEnv = called(env, scope);
    scope.define('args', args);
    await bindBlockParameters(block, args, blockEnv);
    yield* runNamedBlocks(blocks, blockEnv, upstream);
    return;
  }
  scope.define('input', new LoopEnumerator(upstream ? await collect(upstream) : []));
  yield* invokeScriptBlock(new ScriptBlock(block.node, scope), env, { args, dotSource });
}

/** A function's scope: its own, or dot-sourced (`. Set-Here`) the caller's, where what it assigns stays. */
function functionScope(call: CommandCall, env: Env, fn: FunctionDefinition): Scope {
  const scope = call.dotSource ? env.scope.transparentChild({}) : env.scope.child('function');
  scope.define('MyInvocation', functionInvocation(call, env, fn));
  return scope;
}

/** A function's $MyInvocation: its name, how it was called, and the line that called it (about_Automatic_Variables). */
function functionInvocation(call: CommandCall, env: Env, fn: FunctionDefinition): Record<string, unknown> {
  const source = env.session.sources.get(call.span.file) ?? '';
  return {
    MyCommand: { Name: fn.name, CommandType: 'Function' },
    InvocationName: typeof call.name === 'string' ? call.name : fn.name,
    // Worked out when read: most functions never look.
    get Line(): string {
      const lineStart = source.lastIndexOf('\n', call.span.startOffset - 1) + 1;
      const lineEnd = source.indexOf('\n', call.span.startOffset);
      return source.slice(lineStart, lineEnd < 0 ? source.length : lineEnd).replace(/\r$/, '');
    },
    ScriptLineNumber: call.span.startLine,
    OffsetInLine: call.span.startColumn,
    ScriptName: call.span.file.startsWith('<') ? '' : call.span.file,
  };
}

/** A function binds like a cmdlet. With a pipeline parameter its body runs once per input object; otherwise once, with $input. */
async function functionStage(fn: FunctionDefinition, call: CommandCall, env: Env, expectingInput: boolean): Promise<Stage> {
  const target = await functionTarget(fn, env);
  const binder = new Binder(target);
  const binding = binder.bindArguments(await evaluateArguments(call, env), bindOptions(env, expectingInput));
  binder.checkMandatory(binding, expectingInput, call.span);
  const perItem = Object.values(target.parameters).some((p) => p.pipeline);
  const blocks = fn.body.blocks;
  if (blocks) {
    return async function* (upstream) {
      const scope = functionScope(call, env, fn);
      const fnEnv = called(env, scope);
      await defineParameters(target, binding, binder, fnEnv, scope, call.span);
      const bindItem = async (item: unknown): Promise<boolean> => {
        const bound = binder.bindInput(binding, item, call.span);
        if (bound instanceof ErrorRecord) {
          env.session.reportError(bound);
          return false;
        }
        const values = binder.finalValues(bound);
        const fromInput = [...bound.bound].filter((name) => !binding.bound.has(name));
        const invalid = await invalidArgument(target, values, fromInput, (block, value) => collectScriptBlock(block, fnEnv, { input: value }).then(unwrap), call.span);
        if (invalid) {
          env.session.reportError(invalid.record);
          return false;
        }
        for (const name of bound.bound) if (!binding.bound.has(name)) scope.define(name, values[name]);
        return true;
      };
      yield* runNamedBlocks(blocks, fnEnv, upstream, perItem ? bindItem : undefined);
    };
  }

  async function* body(bound: Binding, locals: Record<string, unknown>): Output {
    const scope = functionScope(call, env, fn);
    for (const [k, v] of Object.entries(locals)) scope.define(k, v);
    const fnEnv = called(env, scope);
    await defineParameters(target, bound, binder, fnEnv, scope, call.span);
    try {
      yield* executeStatements(fn.body.body, fnEnv);
    } catch (e) {
      if (!(e instanceof ReturnSignal)) throw e;
    }
  }

  return async function* (upstream) {
    if (upstream && perItem) {
      for await (const item of upstream) {
        const bound = binder.bindInput(binding, item, call.span);
        if (bound instanceof ErrorRecord) env.session.reportError(bound);
        else yield* body(bound, { _: item, PSItem: item });
      }
    } else {
      yield* body(binding, { input: new LoopEnumerator(upstream ? await collect(upstream) : []) });
    }
  };
}

/** Parsed script files by path, re-read when the file changes (a script called in a loop parses once). */
const parsedScripts = new Map<string, { mtimeMs: number; size: number; script: Script }>();

async function loadScriptFile(file: string, written: string, env: Env, span: SourceSpan): Promise<Script> {
  let stats;
  try {
    stats = statSync(file);
  } catch {
    throw commandNotFound(written, env, span);
  }
  const cached = parsedScripts.get(file);
  if (cached && cached.mtimeMs === stats.mtimeMs && cached.size === stats.size) return cached.script;
  const { parseScript, ScriptSyntaxError } = await import('../../language/index.js');
  let script: Script;
  try {
    script = parseScript(readFileSync(file, 'utf8'), file);
  } catch (e) {
    if (!(e instanceof ScriptSyntaxError)) throw asRuntimeError(e, written, span);
    throw runtimeError({ id: 'ParseError', category: 'ParserError', message: e.format(), target: file, span, exception: 'System.Management.Automation.ParseException' });
  }
  parsedScripts.set(file, { mtimeMs: stats.mtimeMs, size: stats.size, script });
  env.session.sources.set(script.span.file, script.source);
  return script;
}

/**
 * `./child.mcs -A 1`, `& ./child.mcs`, `. ./common.mcs`: runs a script file with its own script
 * scope (dot-sourced: in the caller's), its arguments bound to its `param()` block, and pipeline
 * input as $input. `exit N` ends only that script and sets $LASTEXITCODE.
 */
async function scriptFileStage(written: string, call: CommandCall, env: Env): Promise<Stage> {
  const file = resolve(env.session.cwd, written);
  const script = await loadScriptFile(file, written, env, call.span);
  const args = await evaluateArguments(call, env);
  return async function* (upstream) {
    const scope = call.dotSource ? env.scope.transparentChild({}) : env.scope.child('script');
    const scriptEnv: Env = { ...called(env, scope), scriptFile: true };
    defineScriptVariables(scope, file, written);
    await bindScriptArguments(script, args, scriptEnv);
    try {
      if (script.blocks) yield* runNamedBlocks(script.blocks, scriptEnv, upstream);
      else {
        scope.define('input', new LoopEnumerator(upstream ? await collect(upstream) : []));
        yield* runBlock(script.body, scriptEnv);
      }
    } catch (e) {
      if (e instanceof ExitSignal) {
        env.session.global.setLocal('LASTEXITCODE', e.code);
        if (e.code !== 0) env.session.lastSuccess = false;
      } else if (!(e instanceof ReturnSignal)) throw e;
    }
  };
}

/** Binds a script's arguments to its `param()` block, or gives them to it as $args. */
export async function bindScriptArguments(script: Script, args: readonly ArgumentValue[], env: Env): Promise<void> {
  if (script.params) {
    const target = await paramTarget(script.params, env, script.span.file, script);
    const binder = new Binder(target);
    const binding = binder.bindArguments(args, bindOptions(env, false));
    binder.checkMandatory(binding, false, script.params.span);
    await defineParameters(target, binding, binder, env, env.scope);
  } else if (args.length > 0) {
    env.scope.define('args', args.map((a) => (a.kind === 'positional' ? a.value : `-${a.name}`)));
  }
}

/** $PSScriptRoot, $PSCommandPath and $MyInvocation of a running script file (about_Automatic_Variables). */
export function defineScriptVariables(scope: Scope, path: string, invokedAs: string): void {
  scope.define('PSScriptRoot', dirname(path));
  scope.define('PSCommandPath', path);
  scope.define('MyInvocation', {
    MyCommand: { Name: basename(path), Path: path, Definition: path, CommandType: 'ExternalScript' },
    InvocationName: invokedAs,
    PSScriptRoot: dirname(path),
    PSCommandPath: path,
  });
}
