// What the parts of the interpreter share: the environment code runs in, the call depth limit,
// cancellation checkpoints, error conversion, variable lookup, and the runner through which a part
// calls entry points of the parts above it.
import type { Expression, Pipeline, SourceSpan, Statement } from '../../language/ast.js';
import { PipelineStoppedError, RuntimeError, resourceError, runtimeError, type ErrorCategory } from '../errors.js';
import type { StreamRoutes } from '../streams.js';
import { getEnvironment, onDrive } from '../drives.js';
import { TypedConversionError } from '../exceptions.js';
import type { Scope } from '../scope.js';
import type { Session } from '../session.js';
import { ConversionError } from '../values.js';

/** Where code runs: the session, the current scope, the cancellation signal. */
export interface Env {
  session: Session;
  scope: Scope;
  signal: AbortSignal;
  /** Inside a `try` body: statement-terminating errors propagate to its catch. */
  inTry: boolean;
  /** Running a .mcs file (abbreviated parameter names warn). */
  scriptFile: boolean;
  /** Functions, script blocks and scripts being run, nested: limited to maxCallDepth. */
  depth: number;
  /** Redirected streams (`2>&1`, `4>$null` …) of the command running, and of what it calls. */
  streams?: StreamRoutes;
}

/**
 * Nested calls allowed before PowerShell's "call depth overflow" error (runaway recursion fails
 * fast with a catchable error instead of growing for minutes).
 */
export const maxCallDepth = 1000;

/** The environment of a call one level deeper, in `scope`; past maxCallDepth, the overflow error. */
export function called(env: Env, scope: Scope): Env {
  if (env.depth >= maxCallDepth) {
    throw runtimeError(
      { id: 'CallDepthOverflow', category: 'InvalidOperation', message: 'The script failed due to call depth overflow.', exception: 'System.Management.Automation.ScriptCallDepthException' },
      true,
    );
  }
  return { ...env, scope, depth: env.depth + 1 };
}

export type Output = AsyncGenerator<unknown, void, undefined>;

/**
 * Evaluating an expression, running statements and running a pipeline call one another at any
 * depth, across the parts of the interpreter. The parts are layered (env, sync, should-process,
 * blocks, statements, expressions, cmdlet-stage, commands, pipeline: each imports only parts before
 * it), and a part calls these entry points of later parts through `runner`, so that no two parts
 * import each other. interpreter.ts, which imports every part, registers them.
 */
export interface Runner {
  evaluate(expr: Expression, env: Env): Promise<unknown>;
  executeStatements(statements: readonly Statement[], env: Env): Output;
  runPipeline(pipeline: Pipeline, env: Env, input?: AsyncIterable<unknown> | null): Output;
}

function unregistered(): never {
  throw new Error('internal error: the interpreter has not registered its entry points (import interpreter.js)');
}

export const runner: Runner = { evaluate: unregistered, executeStatements: unregistered, runPipeline: unregistered };

export function registerRunner(entries: Runner): void {
  Object.assign(runner, entries);
}

// Ctrl+C aborts env.signal from a signal or keypress handler, which runs only when the event loop
// turns; script code that never waits (`while ($true) { }`) runs in microtasks and would never let
// it. So loops let the event loop turn every few milliseconds of running.
const yieldEvery = 20; // ms: Ctrl+C stops a busy loop well within 100 ms
let iterations = 0;
let nextYield = 0;

/**
 * Once per loop iteration or pipeline item: throws when cancelled; now and then returns a promise
 * to await, which lets the event loop turn (the caller awaits only then: an await costs a microtask).
 */
export function checkpoint(env: Env): Promise<void> | undefined {
  if (env.signal.aborted) throw new PipelineStoppedError();
  if ((++iterations & 127) !== 0 || performance.now() < nextYield) return undefined;
  return turnEventLoop(env);
}

async function turnEventLoop(env: Env): Promise<void> {
  await new Promise((done) => setImmediate(done));
  nextYield = performance.now() + yieldEvery;
  if (env.signal.aborted) throw new PipelineStoppedError();
}

/** Runs `fn`, turning a ConversionError into a statement-terminating error at `span`. */
export function guard<T>(span: SourceSpan, id: string, fn: () => T, category: ErrorCategory = 'InvalidOperation'): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConversionError) {
      const exception = e instanceof TypedConversionError ? e.exception() : undefined;
      throw runtimeError({ id, category, message: e.message, span, ...(exception && { exception }) });
    }
    if (e instanceof RangeError) throw resourceError(e, span);
    throw e;
  }
}

export function lookupVariable(name: string, env: Env): unknown {
  switch (name.toLowerCase()) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    case '?':
      return env.session.lastSuccess;
    case 'psitem':
      return env.scope.get('_');
  }
  const drive = name.includes(':') ? onDrive(name) : null;
  if (drive) return drive.drive === 'env' ? getEnvironment(drive.name) : lookupVariable(drive.name, env);
  return env.scope.get(name);
}

export async function collect(output: AsyncIterable<unknown>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of output) items.push(item);
  return items;
}

/** An error thrown by cmdlet code that is not a record yet (an fs error, a bug) as a record. */
export function asRuntimeError(e: unknown, command: string, span: SourceSpan): RuntimeError {
  if (e instanceof RuntimeError) {
    e.record.command ??= command;
    e.record.span ??= span;
    return e;
  }
  if (e instanceof RangeError) return resourceError(e, span, command);
  if (e instanceof ConversionError) return runtimeError({ id: 'InvalidArgument', category: 'InvalidArgument', message: e.message, command, span });
  const err = e as NodeJS.ErrnoException;
  const known: Record<string, [string, ErrorCategory]> = {
    ENOENT: ['PathNotFound', 'ObjectNotFound'],
    EACCES: ['PermissionDenied', 'PermissionDenied'],
    EPERM: ['PermissionDenied', 'PermissionDenied'],
    EISDIR: ['PathIsDirectory', 'InvalidArgument'],
    EEXIST: ['PathExists', 'ResourceExists'],
    ENAMETOOLONG: ['PathTooLong', 'InvalidArgument'],
  };
  const [id, category] = (err?.code && known[err.code]) || ['UnexpectedError', 'NotSpecified'];
  const message = err?.message ?? String(e);
  return runtimeError({ id, category, message, command, span, cause: e });
}
