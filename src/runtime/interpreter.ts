// The tree-walking interpreter. Statements are async generators, so output streams: a pipeline
// stage pulls from the one before it, and when a downstream stage stops pulling (Select-Object
// -First 1) the upstream generators are closed and stop working.
import type {
  Assignment,
  AttributeNode,
  CommandCall,
  Expression,
  FunctionDefinition,
  NamedBlocks,
  ParamBlock,
  Pipeline,
  PipelineChain,
  Redirection,
  Script,
  ScriptBlockExpression,
  SourceSpan,
  Statement,
  TrapStatement,
} from '../language/ast.js';
import { Binder, ERROR_ACTIONS, type ArgumentValue, type Binding } from './binder.js';
import { confirmQuestion } from './confirm.js';
import { FORMATTED_TEXT, type CmdletContext, type CmdletDeclaration, type VariableScope } from './cmdlet.js';
import {
  BreakSignal,
  ContinueSignal,
  ErrorRecord,
  ExitSignal,
  PipelineStoppedError,
  ReturnSignal,
  RuntimeError,
  StopUpstreamSignal,
  resourceError,
  runtimeError,
  type ErrorCategory,
  type ErrorInit,
} from './errors.js';
import { hasScriptMethod, intrinsicMethod } from './intrinsics.js';
import { arithmetic, binaryOperator, bitwiseNot, numericOperand, regex } from './operators.js';
import { Char } from './char.js';
import { allMatches, splitAt, splitWhitespace } from './regex.js';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { LoopEnumerator } from './enumerator.js';
import { InformationRecord, StreamRecord, streamsOf, type StreamRoutes } from './streams.js';
import { getEnvironment, onDrive, setEnvironment } from './drives.js';
import { invalidArgument, paramTarget as buildParamTarget, simpleTarget, validationRules, type ParamTarget } from './paramblock.js';
import { validationProblemNow } from './validation.js';
import { DotNetException, TypedConversionError, exceptionTypeNamed, newException } from './exceptions.js';
import type { Scope } from './scope.js';
import { ScriptBlock } from './scriptblock.js';
import type { ProgressRecord, RunOptions, Session } from './session.js';
import { didYouMean } from './suggest.js';
import { TypeRef, callMethod, callStatic, cast, getStatic, isType } from './types.js';
import { psTypeNames } from './typeinfo.js';
import {
  ConversionError,
  Hashtable,
  hasProperty,
  TYPE_NAME,
  enumerate,
  getMember,
  isPlainObject,
  setMember,
  SHOWN_AS_TEXT,
  SwitchParameter,
  toBool,
  toNumber,
  toStr,
  unwrap,
  withTypeName,
} from './values.js';

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
function called(env: Env, scope: Scope): Env {
  if (env.depth >= maxCallDepth) {
    throw runtimeError(
      { id: 'CallDepthOverflow', category: 'InvalidOperation', message: 'The script failed due to call depth overflow.', exception: 'System.Management.Automation.ScriptCallDepthException' },
      true,
    );
  }
  return { ...env, scope, depth: env.depth + 1 };
}

type Output = AsyncGenerator<unknown, void, undefined>;

// ---------------------------------------------------------------- entry point

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

/** Binds a script's arguments to its `param()` block, or gives them to it as $args. */
async function bindScriptArguments(script: Script, args: readonly ArgumentValue[], env: Env): Promise<void> {
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
function defineScriptVariables(scope: Scope, path: string, invokedAs: string): void {
  scope.define('PSScriptRoot', dirname(path));
  scope.define('PSCommandPath', path);
  scope.define('MyInvocation', {
    MyCommand: { Name: basename(path), Path: path, Definition: path, CommandType: 'ExternalScript' },
    InvocationName: invokedAs,
    PSScriptRoot: dirname(path),
    PSCommandPath: path,
  });
}

// ---------------------------------------------------------------- statements

const noTraps: TrapStatement[] = [];

/**
 * The `trap` statements of a statement list (most have none). Looked for each time: the list is
 * about to run, which costs more than the look, and most lists of a script run once.
 */
function trapsIn(statements: readonly Statement[]): TrapStatement[] {
  for (const statement of statements) if (statement.kind === 'Trap') return statements.filter((s): s is TrapStatement => s.kind === 'Trap');
  return noTraps;
}

export async function* executeStatements(statements: readonly Statement[], env: Env): Output {
  const traps = trapsIn(statements);
  if (traps.length > 0) {
    yield* executeTrapped(statements, traps, env);
    return;
  }
  for (const statement of statements) {
    // Most statements are assignments or expressions that need no awaiting: run them directly.
    if (isSyncStatement(statement)) {
      const value = runSyncStatement(statement, env);
      if (Array.isArray(value)) yield* value;
      else if (value instanceof LoopEnumerator) yield* value.drain();
      else if (value !== undefined) yield value;
      continue;
    }
    if (env.signal.aborted) throw new PipelineStoppedError();
    if (statement.kind === 'FunctionDefinition') {
      env.scope.defineFunction(statement);
      continue;
    }
    const before = env.session.errorCount;
    try {
      const lone = loneExpression(statement);
      if (statement.kind === 'Assignment') await assign(statement, env);
      else if (lone !== undefined) {
        const value = await evaluate(lone, env);
        if (Array.isArray(value)) yield* value;
        else if (value instanceof LoopEnumerator) yield* value.drain();
        else if (value !== undefined) yield value;
      } else yield* executeStatement(statement, env);
      if (statement.kind === 'Pipeline' || statement.kind === 'Assignment') env.session.lastSuccess = env.session.errorCount === before;
    } catch (e) {
      if (!reportable(e, env)) throw e;
      env.session.reportError(e.record);
    }
  }
}

/** Runs a statement list that has `trap` statements: each terminating error goes to the first trap for its type. */
async function* executeTrapped(statements: readonly Statement[], traps: readonly TrapStatement[], env: Env): Output {
  const trying: Env = { ...env, inTry: true };
  for (const statement of statements) {
    if (statement.kind === 'Trap') continue;
    try {
      yield* executeStatements([statement], trying);
    } catch (e) {
      if (!(e instanceof RuntimeError)) throw e;
      // A trap for the error's type goes before a trap for any error, wherever each is written (about_Trap).
      const matching = traps.filter((t) => catchMatches(t.types, e.record, t.span));
      const trap = matching.find((t) => t.types.length > 0) ?? matching[0];
      if (!trap) throw e;
      e.record.span ??= statement.span;
      const scope = env.scope.transparentChild({ _: e.record, PSItem: e.record });
      try {
        yield* executeStatements(trap.body.statements, { ...env, scope });
      } catch (signal) {
        if (signal instanceof ContinueSignal) {
          env.session.errors.unshift(e.record);
          continue;
        }
        if (signal instanceof BreakSignal) throw e;
        throw signal;
      }
      env.session.reportError(e.record);
    }
  }
}

/**
 * A statement-terminating error that the statement list reports and continues past; with
 * `$ErrorActionPreference = 'Stop'` it ends the script instead (about_Preference_Variables).
 */
function reportable(e: unknown, env: Env): e is RuntimeError {
  return e instanceof RuntimeError && !e.scriptTerminating && !env.inTry && toStr(lookupVariable('ErrorActionPreference', env)).toLowerCase() !== 'stop';
}

/**
 * Runs a statement for which isSyncStatement holds, exactly as executeStatements would, and
 * returns its output value (undefined for an assignment or after a reported error).
 */
function runSyncStatement(statement: Statement, env: Env): unknown {
  if (env.signal.aborted) throw new PipelineStoppedError();
  const before = env.session.errorCount;
  let value: unknown;
  try {
    if (statement.kind === 'Assignment') assignNow(statement, evaluateNow(syncExpression(statement.value)!, env), env);
    else value = evaluateNow(syncExpression(statement)!, env);
  } catch (e) {
    if (!reportable(e, env)) throw e;
    env.session.reportError(e.record);
    return undefined;
  }
  env.session.lastSuccess = env.session.errorCount === before;
  return value;
}

function executeStatement(statement: Statement, env: Env): Output {
  switch (statement.kind) {
    case 'Pipeline':
      return runPipeline(statement, env);
    case 'PipelineChain':
      return runChain(statement, env);
    case 'Assignment':
      return runAssignment(statement, env);
    case 'If':
      return runIf(statement, env);
    case 'Foreach':
      return runForeach(statement, env);
    case 'While':
      return runWhile(statement, env);
    case 'For':
      return runFor(statement, env);
    case 'Do':
      return runDo(statement, env);
    case 'Switch':
      return runSwitch(statement, env);
    case 'Break':
      return throwing(new BreakSignal(statement.label));
    case 'Continue':
      return throwing(new ContinueSignal(statement.label));
    case 'Return':
      return runReturn(statement.value, env);
    case 'Exit':
      return runExit(statement.code, env);
    case 'Throw':
      return runThrow(statement, env);
    case 'Try':
      return runTry(statement, env);
    case 'FunctionDefinition':
      env.scope.defineFunction(statement);
      return nothing();
    case 'Trap':
      // Runs as its statement list's handler (executeTrapped).
      return nothing();
  }
}

async function* nothing(): Output {}

async function* throwing(signal: unknown): Output {
  throw signal;
}

async function* runChain(chain: PipelineChain, env: Env): Output {
  const before = env.session.errorCount;
  // The left side's own success decides, not an earlier statement's failure.
  if (chain.left.kind === 'Pipeline') env.session.lastSuccess = true;
  yield* chain.left.kind === 'Pipeline' ? runPipeline(chain.left, env) : runChain(chain.left, env);
  const succeeded = env.session.errorCount === before && env.session.lastSuccess;
  if (chain.operator === '&&' ? succeeded : !succeeded) yield* runPipeline(chain.right, env);
}

async function* runAssignment(statement: Assignment, env: Env): Output {
  await assign(statement, env);
}

async function assign(statement: Assignment, env: Env): Promise<void> {
  if (statement.operator === '??=') {
    const current = await evaluate(statement.target, env);
    if (current !== null && current !== undefined) return;
  }
  let value = await statementValue(statement.value, env);
  if (statement.operator !== '=') value = combined(statement, await evaluate(statement.target, env), value);
  if (statement.attributes && statement.target.kind === 'Variable') {
    setVariable(statement.target, value, env, statement.typeConstraint, await variableCheck(statement.target.name, statement.attributes, env));
    return;
  }
  await assignTo(statement.target, value, env, statement.typeConstraint);
}

async function assignTo(target: Assignment['target'], value: unknown, env: Env, typeConstraint?: string): Promise<void> {
  if (target.kind === 'Variable') {
    setVariable(target, value, env, typeConstraint);
    return;
  }
  if (target.kind === 'ArrayLiteral') {
    const parts = distribute(target.elements.length, value);
    for (const [i, element] of target.elements.entries()) await assignTo(element as Assignment['target'], parts[i], env);
    return;
  }
  const object = await evaluate(target.object, env);
  store(target, object, target.kind === 'Member' ? (typeof target.member === 'string' ? target.member : toStr(await evaluate(target.member, env))) : await evaluate(target.index, env), value);
}

/** `$a, $b, $c = 1, 2, 3, 4`: one value each, the last takes the rest (about_Assignment_Operators, Assigning multiple variables). */
function distribute(count: number, value: unknown): unknown[] {
  const items = Array.isArray(value) ? value : [value];
  const parts = items.slice(0, count - 1);
  while (parts.length < count - 1) parts.push(null);
  const rest = items.slice(count - 1);
  parts.push(rest.length === 0 ? null : rest.length === 1 ? rest[0] : rest);
  return parts;
}

/** Sets a variable; `[int]$x = …` makes `int` its type, and a typed variable converts what it is given. */
function setVariable(target: Extract<Expression, { kind: 'Variable' }>, value: unknown, env: Env, typeConstraint?: string, check?: (value: unknown) => void): void {
  const drive = target.name.includes(':') ? onDrive(target.name) : null;
  if (drive?.drive === 'env') return setEnvironment(drive.name, value === null || value === undefined ? null : toStr(value));
  if (drive) return setVariable({ ...target, name: drive.name }, value, env, typeConstraint, check);
  try {
    guard(target.span, 'InvalidCastConversion', () => env.scope.set(target.name, value, target.scope, typeConstraint, check), 'InvalidArgument');
  } catch (e) {
    // A failed validation check knows no place: the assignment's.
    if (e instanceof RuntimeError) e.record.span ??= target.span;
    throw e;
  }
}

/**
 * The check a variable's validation attributes make of every value it is given (about_Functions_Advanced_Parameters:
 * "validation attributes on variables"): PowerShell's ValidationMetadataException when one fails. Its
 * [ValidateScript()] runs synchronously, so it must be one expression (`{ $_ -gt 0 }`).
 */
async function variableCheck(name: string, attributes: readonly AttributeNode[], env: Env): Promise<(value: unknown) => void> {
  const rules = await validationRules(attributes, (e) => evaluate(e, env));
  const runScript = (block: ScriptBlock, item: unknown): unknown => {
    const body = block.node.body;
    if (block.node.params !== null || body.length !== 1 || !isSyncStatement(body[0]!)) {
      throw new ConversionError(`The [ValidateScript()] of variable $${name} must be a single expression in mcshell (a command in it needs a function parameter instead).`);
    }
    return runSyncStatement(body[0]!, { ...env, scope: blockScope(block, { input: item }) });
  };
  return (value) => {
    const problem = validationProblemNow(rules, value, runScript);
    if (problem !== null) {
      throw runtimeError({ id: 'ValidateSetFailure', category: 'InvalidData', message: `The variable cannot be validated because the value ${toStr(value)} is not a valid value for the ${name} variable. ${problem}`, target: value, exception: 'System.Management.Automation.ValidationMetadataException' });
    }
  };
}

/** assign() for a statement where isSyncStatement holds, given the value. */
function assignNow(statement: Assignment, value: unknown, env: Env): void {
  const target = statement.target;
  if (statement.operator !== '=') value = combined(statement, evaluateNow(target, env), value);
  if (target.kind === 'Variable') {
    setVariable(target, value, env, statement.typeConstraint);
    return;
  }
  if (target.kind === 'ArrayLiteral') {
    const parts = distribute(target.elements.length, value);
    target.elements.forEach((element, i) => assignNow({ ...statement, target: element as Assignment['target'], operator: '=' }, parts[i], env));
    return;
  }
  const object = evaluateNow(target.object, env);
  store(target, object, target.kind === 'Member' ? (typeof target.member === 'string' ? target.member : toStr(evaluateNow(target.member, env))) : evaluateNow(target.index, env), value);
}

/** The value to store: `value`, or for `+=` and the like, `current` combined with it. */
function combined(statement: Assignment, current: unknown, value: unknown): unknown {
  if (statement.operator === '=' || statement.operator === '??=') return value;
  return guard(statement.span, 'InvalidOperation', () => arithmetic(statement.operator[0]!, current, value));
}

/** Sets a property (`key`: its name) or an element (`key`: the index) of `object`. */
function store(target: Extract<Assignment['target'], { kind: 'Member' | 'Index' }>, object: unknown, key: unknown, value: unknown): void {
  if (target.kind === 'Member') {
    guard(target.span, 'PropertyAssignmentException', () => setMember(object, key as string, value));
    return;
  }
  guard(target.span, 'IndexAssignmentException', () => {
    if (object instanceof Hashtable) object.set(key, value);
    else if (Array.isArray(object)) {
      const i = toNumber(key);
      const at = i < 0 ? object.length + i : i;
      if (at < 0 || at >= object.length) throw new ConversionError(`Index ${i} was outside the bounds of the array.`);
      object[at] = value;
    } else setMember(object, toStr(key), value);
  });
}

async function* runIf(statement: Extract<Statement, { kind: 'If' }>, env: Env): Output {
  for (const clause of statement.clauses) {
    if (toBool(await statementValue(clause.condition, env))) {
      yield* executeStatements(clause.body.statements, env);
      return;
    }
  }
  if (statement.elseBody) yield* executeStatements(statement.elseBody.statements, env);
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

/** Whether a `break` or `continue` is for the loop with this label (unlabelled ones are for the innermost). */
function forLoop(signal: BreakSignal | ContinueSignal, label: string | null): boolean {
  return signal.label === null || signal.label === label;
}

/** Runs a loop body; returns false on `break`. */
async function* loopBody(statements: readonly Statement[], env: Env, label: string | null): AsyncGenerator<unknown, boolean, undefined> {
  const turn = checkpoint(env);
  if (turn) await turn;
  try {
    yield* executeStatements(statements, env);
  } catch (e) {
    if (e instanceof BreakSignal && forLoop(e, label)) return false;
    if (!(e instanceof ContinueSignal && forLoop(e, label))) throw e;
  }
  return true;
}

async function* runForeach(statement: Extract<Statement, { kind: 'Foreach' }>, env: Env): Output {
  const enumerator = new LoopEnumerator(enumerate(await statementValue(statement.iterable, env)));
  // $foreach lives while the loop runs; the loop variable and everything else go to the current scope.
  const bodyEnv: Env = { ...env, scope: env.scope.transparentChild({ foreach: enumerator }) };
  while (enumerator.MoveNext()) {
    env.scope.setLocal(statement.variable, enumerator.Current);
    if (!(yield* loopBody(statement.body.statements, bodyEnv, statement.label))) break;
  }
}

async function* runWhile(statement: Extract<Statement, { kind: 'While' }>, env: Env): Output {
  while (toBool(await statementValue(statement.condition, env))) {
    if (!(yield* loopBody(statement.body.statements, env, statement.label))) break;
  }
}

/** The initializer and iterator of a `for` run for their effect: their output is dropped (about_For). */
async function* runFor(statement: Extract<Statement, { kind: 'For' }>, env: Env): Output {
  if (statement.initializer) await collect(executeStatements([statement.initializer], env));
  while (statement.test === null || toBool(await statementValue(statement.test, env))) {
    if (!(yield* loopBody(statement.body.statements, env, statement.label))) break;
    if (statement.iterator) await collect(executeStatements([statement.iterator], env));
  }
}

async function* runDo(statement: Extract<Statement, { kind: 'Do' }>, env: Env): Output {
  do {
    if (!(yield* loopBody(statement.body.statements, env, statement.label))) break;
  } while (toBool(await statementValue(statement.condition, env)) !== statement.until);
}

/** The lines of the file `switch -File` reads. */
function switchFileLines(path: unknown, env: Env, span: SourceSpan): string[] {
  const file = resolve(env.session.cwd, toStr(path));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw asRuntimeError(e, 'switch', span);
  }
  const lines = text.split(/\r\n|\n|\r/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Whether a switch clause's condition matches the current item (about_Switch). */
async function clauseMatches(condition: Expression, item: unknown, statement: Extract<Statement, { kind: 'Switch' }>, env: Env): Promise<boolean> {
  const value = await evaluate(condition, env);
  if (value instanceof ScriptBlock) return toBool(unwrap(await collectScriptBlock(value, env, { input: item, dotSource: true })));
  const options = statement.options;
  const c = options.has('casesensitive') ? 'c' : '';
  const setMatches = (m: Hashtable) => env.scope.set('Matches', m);
  // The last of -Regex, -Wildcard and -Exact given wins, as in PowerShell's parser.
  const mode = [...options].filter((o) => o === 'regex' || o === 'wildcard' || o === 'exact').pop();
  if (mode === 'regex') return toBool(guard(condition.span, 'InvalidRegularExpression', () => binaryOperator(`-${c}match`, toStr(item), value, setMatches)));
  if (mode === 'wildcard') return toBool(binaryOperator(`-${c}like`, toStr(item), value, setMatches));
  // A string condition compares the value as a string (about_Switch, Impact of string conversion).
  return toBool(binaryOperator(`-${c}eq`, typeof value === 'string' ? toStr(item) : item, value, setMatches));
}

async function* runSwitch(statement: Extract<Statement, { kind: 'Switch' }>, env: Env): Output {
  const subject = await statementValue(statement.subject, env);
  const items = statement.options.has('file') ? switchFileLines(subject, env, statement.subject.span) : Array.isArray(subject) ? subject : [subject];
  const enumerator = new LoopEnumerator(items);
  while (enumerator.MoveNext()) {
    const turn = checkpoint(env);
    if (turn) await turn;
    const item = enumerator.Current;
    const itemEnv: Env = { ...env, scope: env.scope.transparentChild({ _: item, PSItem: item, switch: enumerator }) };
    try {
      let matched = false;
      for (const clause of statement.clauses) {
        if (clause.condition === null || !(await clauseMatches(clause.condition, item, statement, itemEnv))) continue;
        matched = true;
        yield* executeStatements(clause.body.statements, itemEnv);
      }
      if (!matched) for (const clause of statement.clauses) if (clause.condition === null) yield* executeStatements(clause.body.statements, itemEnv);
    } catch (e) {
      // `break` leaves the switch; `continue` goes on with the next item.
      if (e instanceof BreakSignal && forLoop(e, statement.label)) return;
      if (!(e instanceof ContinueSignal && forLoop(e, statement.label))) throw e;
    }
  }
}

async function* runReturn(value: Pipeline | PipelineChain | null, env: Env): Output {
  if (value) yield* value.kind === 'Pipeline' ? runPipeline(value, env) : runChain(value, env);
  throw new ReturnSignal();
}

async function* runExit(code: Expression | null, env: Env): Output {
  const value = code ? await evaluate(code, env) : 0;
  throw new ExitSignal(Math.trunc(toNumber(value)));
}

async function* runThrow(statement: Extract<Statement, { kind: 'Throw' }>, env: Env): Output {
  const value = statement.value ? await statementValue(statement.value, env) : env.scope.get('_');
  if (value instanceof ErrorRecord) throw new RuntimeError(value, true);
  if (value instanceof DotNetException) {
    const id = value.type().Name;
    throw runtimeError({ id, category: 'OperationStopped', message: value.Message, span: statement.span, exception: value }, true);
  }
  const message = value === null ? 'ScriptHalted' : toStr(value);
  throw runtimeError({ id: 'RuntimeException', category: 'OperationStopped', message, target: value, span: statement.span }, true);
}

/** Whether a `catch [A], [B]` (or `trap [A]`) clause takes the error: its exception is of one of the types (about_Try_Catch_Finally). */
function catchMatches(types: readonly string[], record: ErrorRecord, span: SourceSpan): boolean {
  if (types.length === 0) return true;
  return types.some((t) => {
    const type = exceptionTypeNamed(t);
    if (type === undefined) throw runtimeError({ id: 'TypeNotFound', category: 'InvalidOperation', message: `Unable to find type [${t}].`, target: t, span });
    return record.exception.isA(type);
  });
}

async function* runTry(statement: Extract<Statement, { kind: 'Try' }>, env: Env): Output {
  try {
    yield* executeStatements(statement.body.statements, { ...env, inTry: true });
  } catch (caught) {
    const e = caught instanceof RangeError ? resourceError(caught, statement.span) : caught;
    if (!(e instanceof RuntimeError)) throw e;
    const handler = statement.catches.find((c) => catchMatches(c.types, e.record, c.span));
    if (!handler) throw e;
    e.record.span ??= statement.span;
    env.session.errors.unshift(e.record);
    const scope = env.scope.transparentChild({ _: e.record, PSItem: e.record });
    yield* executeStatements(handler.body.statements, { ...env, scope });
  } finally {
    if (statement.finallyBody) yield* executeStatements(statement.finallyBody.statements, env);
  }
}

// ---------------------------------------------------------------- values of statements

async function collect(output: AsyncIterable<unknown>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of output) items.push(item);
  return items;
}

/** The value of a statement used as an expression: a lone expression keeps its value (arrays stay arrays); pipelines collect. */
async function statementValue(statement: Statement, env: Env): Promise<unknown> {
  const lone = loneExpression(statement);
  if (lone !== undefined) return evaluate(lone, env);
  if (statement.kind === 'Assignment') {
    await assign(statement, env);
    return evaluate(statement.target, env);
  }
  return unwrap(await collect(executeStatement(statement, env)));
}

/** The expression of a pipeline that is just one expression. */
function loneExpression(statement: Statement): Expression | undefined {
  if (statement.kind !== 'Pipeline' || statement.elements.length !== 1) return undefined;
  const element = statement.elements[0]!;
  return element.kind === 'ExpressionElement' ? element.expression : undefined;
}

// ---------------------------------------------------------------- synchronous evaluation

// Most expressions run no statement, command or method (which could call a script block), so
// nothing in them needs awaiting. Evaluating those synchronously spares a promise per node, and a
// script block that is one such expression (a Where-Object filter) runs without generators.

/**
 * Whether `expr` can be evaluated by evaluateNow. Worked out each time rather than cached per node:
 * the walk reads a few fields of the nodes evaluation visits anyway, and most code of a script runs
 * once, where a cache (a WeakMap keyed by node) cost more than all the walks it spared.
 */
function isSync(expr: Expression): boolean {
  switch (expr.kind) {
    case 'Number':
    case 'String':
    case 'Variable':
    case 'ScriptBlock':
    case 'TypeLiteral':
      return true;
  }
  return isSyncComposite(expr);
}

function isSyncComposite(expr: Expression): boolean {
  switch (expr.kind) {
    case 'ExpandableString':
      return expr.parts.every((part) => typeof part === 'string' || isSync(part));
    case 'ArrayLiteral':
      return expr.elements.every(isSync);
    case 'Paren':
      return syncExpression(expr.pipeline) !== undefined;
    case 'Hashtable':
      return expr.entries.every((entry) => isSync(entry.key) && syncExpression(entry.value) !== undefined);
    case 'Member':
      return isSync(expr.object) && (typeof expr.member === 'string' || isSync(expr.member));
    case 'Index':
      return isSync(expr.object) && isSync(expr.index);
    case 'Unary':
      return !incrementOperators.has(expr.operator) && isSync(expr.operand);
    case 'Binary':
      return isSync(expr.left) && isSync(expr.right) && !(takesScriptBlock.has(expr.operator) && !isLiteral(expr.right));
    case 'Cast':
      return isSync(expr.operand);
    case 'Ternary':
      return isSync(expr.condition) && isSync(expr.whenTrue) && isSync(expr.whenFalse);
    default:
      return false;
  }
}

/** -split and -replace may take a script block (run asynchronously) unless their right side is literal text. */
const takesScriptBlock = new Set(['-split', '-csplit', '-isplit', '-replace', '-creplace', '-ireplace']);

function isLiteral(expr: Expression): boolean {
  if (expr.kind === 'String' || expr.kind === 'Number') return true;
  return expr.kind === 'ArrayLiteral' && expr.elements.every((e) => e.kind === 'String' || e.kind === 'Number');
}

/** The lone expression of `statement` when it is synchronous. */
function syncExpression(statement: Statement): Expression | undefined {
  const lone = loneExpression(statement);
  return lone !== undefined && isSync(lone) ? lone : undefined;
}

/** A lone synchronous expression, or an assignment of one to a variable or synchronous property or element. */
function isSyncStatement(statement: Statement): boolean {
  // `??=` evaluates its value only when the target is $null: assign() does that.
  // A declaration with validation attributes works them out first (assign()).
  if (statement.kind === 'Assignment') return statement.operator !== '??=' && !statement.attributes && syncExpression(statement.value) !== undefined && (statement.target.kind === 'Variable' || isSync(statement.target));
  return syncExpression(statement) !== undefined;
}

/** A value inside "…": arrays joined with $OFS (a space when it is not set), as PowerShell expands them. */
function expandedText(value: unknown, env: Env): string {
  if (!Array.isArray(value)) return toStr(value);
  const separator = env.scope.has('OFS') ? toStr(env.scope.get('OFS')) : ' ';
  return value.map(toStr).join(separator);
}

/** evaluate() for an expression where isSync holds. */
function evaluateNow(expr: Expression, env: Env): unknown {
  switch (expr.kind) {
    case 'Number':
    case 'String':
      return expr.value;
    case 'ExpandableString': {
      let text = '';
      for (const part of expr.parts) text += typeof part === 'string' ? part : expandedText(evaluateNow(part, env), env);
      return text;
    }
    case 'Variable':
      return variableValue(expr, env);
    case 'ArrayLiteral':
      return expr.elements.map((element) => evaluateNow(element, env));
    case 'Paren':
      return evaluateNow(loneExpression(expr.pipeline)!, env);
    case 'Hashtable': {
      const table = new Hashtable();
      for (const entry of expr.entries) table.set(evaluateNow(entry.key, env), evaluateNow(loneExpression(entry.value)!, env));
      return table;
    }
    case 'ScriptBlock':
      return new ScriptBlock(expr, env.scope);
    case 'Member': {
      const object = evaluateNow(expr.object, env);
      if (expr.nullConditional && object === null) return null;
      return memberValue(expr, object, typeof expr.member === 'string' ? expr.member : toStr(evaluateNow(expr.member, env)), env);
    }
    case 'Index': {
      const object = evaluateNow(expr.object, env);
      if (expr.nullConditional && object === null) return null;
      const index = evaluateNow(expr.index, env);
      return guard(expr.span, 'NullArray', () => strictIndex(expr, object, index, env));
    }
    case 'Ternary':
      return evaluateNow(toBool(evaluateNow(expr.condition, env)) ? expr.whenTrue : expr.whenFalse, env);
    case 'Unary':
      return unaryValue(expr, evaluateNow(expr.operand, env));
    case 'Binary': {
      const left = evaluateNow(expr.left, env);
      const decided = shortCircuit(expr, left);
      return decided !== undecided ? decided : binaryValue(expr, left, evaluateNow(expr.right, env), env);
    }
    case 'Cast':
      return castValue(expr, evaluateNow(expr.operand, env));
    case 'TypeLiteral':
      return new TypeRef(expr.type);
    default:
      throw new Error(`internal error: ${expr.kind} is not evaluated synchronously`);
  }
}

// ---------------------------------------------------------------- expressions

/** Runs `fn`, turning a ConversionError into a statement-terminating error at `span`. */
function guard<T>(span: SourceSpan, id: string, fn: () => T, category: ErrorCategory = 'InvalidOperation'): T {
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

function variableValue(expr: Extract<Expression, { kind: 'Variable' }>, env: Env): unknown {
  const scope = expr.scope === 'global' || expr.scope === 'script' ? env.scope.find(expr.scope) : env.scope;
  const value = scope === env.scope ? lookupVariable(expr.name, env) : scope.get(expr.name);
  if (value === null && env.scope.strictVersion() >= 1 && !scope.has(expr.name) && !automaticNames.has(expr.name.toLowerCase()) && !expr.name.includes(':')) {
    throw runtimeError({ id: 'VariableIsUndefined', category: 'InvalidOperation', message: `The variable '$${expr.name}' cannot be retrieved because it has not been set.`, target: expr.name, span: expr.span });
  }
  return value;
}

/** Variables that always exist (Set-StrictMode does not object to them). */
const automaticNames = new Set(['true', 'false', 'null', '?', '_', 'psitem', 'args', 'input']);

export async function evaluate(expr: Expression, env: Env): Promise<unknown> {
  if (isSync(expr)) return evaluateNow(expr, env);
  switch (expr.kind) {
    case 'ExpandableString': {
      let text = '';
      for (const part of expr.parts) text += typeof part === 'string' ? part : expandedText(await evaluate(part, env), env);
      return text;
    }
    case 'ArrayLiteral': {
      const items: unknown[] = [];
      for (const element of expr.elements) items.push(await evaluate(element, env));
      return items;
    }
    case 'ArraySubexpression': {
      const items: unknown[] = [];
      for await (const item of executeStatements(expr.statements, env)) items.push(item);
      return items;
    }
    case 'Subexpression':
      // `$()` of nothing is $null, not AutomationNull: piped, it sends one $null (Parser.Tests.ps1, piping null into a script block).
      return unwrap(await collect(executeStatements(expr.statements, env))) ?? null;
    case 'Paren':
      return statementValue(expr.pipeline, env);
    case 'Hashtable': {
      const table = new Hashtable();
      for (const entry of expr.entries) table.set(await evaluate(entry.key, env), await statementValue(entry.value, env));
      return table;
    }
    case 'Member': {
      const object = await evaluate(expr.object, env);
      if (expr.nullConditional && object === null) return null;
      return memberValue(expr, object, typeof expr.member === 'string' ? expr.member : toStr(await evaluate(expr.member, env)), env);
    }
    case 'MethodCall':
      return evaluateMethod(expr, env);
    case 'Index': {
      const object = await evaluate(expr.object, env);
      if (expr.nullConditional && object === null) return null;
      const index = await evaluate(expr.index, env);
      return guard(expr.span, 'NullArray', () => strictIndex(expr, object, index, env));
    }
    case 'Ternary':
      return evaluate(toBool(await evaluate(expr.condition, env)) ? expr.whenTrue : expr.whenFalse, env);
    case 'Unary':
      return evaluateUnary(expr, env);
    case 'Binary': {
      const left = await evaluate(expr.left, env);
      const decided = shortCircuit(expr, left);
      if (decided !== undecided) return decided;
      const right = await evaluate(expr.right, env);
      const withBlock = takesScriptBlock.has(expr.operator) ? await scriptBlockOperator(expr, left, right, env) : undefined;
      return withBlock !== undefined ? withBlock : binaryValue(expr, left, right, env);
    }
    case 'Cast':
      return castValue(expr, await evaluate(expr.operand, env));
    default:
      // Literals, variables, script blocks and type literals are always synchronous.
      return evaluateNow(expr, env);
  }
}

function memberValue(expr: { isStatic: boolean; span: SourceSpan }, object: unknown, name: string, env: Env): unknown {
  if (expr.isStatic && object instanceof TypeRef) return guard(expr.span, 'InvalidMember', () => getStatic(object, name));
  if (object !== null && object !== undefined && name.toLowerCase() === 'pstypenames') return psTypeNames(object);
  const value = getMember(object, name);
  // Strict mode 2+: a property an object lacks is an error (hashtable keys and arrays aside).
  if (value === null && isPlainObject(object) && env.scope.strictVersion() >= 2 && !hasProperty(object, name)) {
    throw runtimeError({ id: 'PropertyNotFoundStrict', category: 'InvalidOperation', message: `The property '${name}' cannot be found on this object. Verify that the property exists.`, target: name, span: expr.span });
  }
  return value;
}

/** indexValue, with strict mode 3's errors for indexing $null and past an array's end. */
function strictIndex(expr: Extract<Expression, { kind: 'Index' }>, object: unknown, index: unknown, env: Env): unknown {
  if (env.scope.strictVersion() >= 3) {
    if (object === null || object === undefined) throw runtimeError({ id: 'NullArray', category: 'InvalidOperation', message: 'Cannot index into a null array.', span: expr.span });
    if (Array.isArray(object) && typeof index === 'number') {
      const at = index < 0 ? object.length + index : index;
      if (at < 0 || at >= object.length) throw runtimeError({ id: 'IndexOutOfRange', category: 'InvalidOperation', message: 'Index was outside the bounds of the array.', span: expr.span, exception: 'System.IndexOutOfRangeException' });
    }
  }
  return indexValue(object, index);
}

function indexValue(object: unknown, index: unknown): unknown {
  if (object === null || object === undefined) throw new ConversionError('Cannot index into a null array.');
  if (Array.isArray(index)) return index.map((i) => indexValue(object, i));
  if (object instanceof Hashtable) return object.get(index);
  if (Array.isArray(object) || typeof object === 'string') {
    const i = Math.trunc(toNumber(index));
    const at = i < 0 ? object.length + i : i;
    if (at < 0 || at >= object.length) return null;
    // A string's element is a [char].
    return typeof object === 'string' ? Char.from(object[at]) : object[at];
  }
  if (typeof object === 'object') return getMember(object, toStr(index));
  // A scalar is a collection of one: (2)[0] and (2)[-1] are 2.
  const at = toNumber(index);
  return at === 0 || at === -1 ? object : null;
}

const incrementOperators = new Set(['++', '--', 'post++', 'post--']);

/** `++$i` yields the new value, `$i++` the value before (about_Assignment_Operators). */
async function evaluateUnary(expr: Extract<Expression, { kind: 'Unary' }>, env: Env): Promise<unknown> {
  if (!incrementOperators.has(expr.operator)) return unaryValue(expr, await evaluate(expr.operand, env));
  const target = expr.operand;
  if (target.kind !== 'Variable' && target.kind !== 'Member' && target.kind !== 'Index') {
    throw runtimeError({ id: 'InvalidLeftHandSide', category: 'InvalidOperation', message: `${expr.operator} needs a variable.`, span: expr.span });
  }
  const current = await evaluate(target, env);
  const old = guard(expr.span, 'InvalidOperation', () => numericOperand(current));
  const value = guard(expr.span, 'InvalidOperation', () => arithmetic(expr.operator.endsWith('++') ? '+' : '-', old, 1));
  await assignTo(target, value, env);
  return expr.operator.startsWith('post') ? old : value;
}

function unaryValue(expr: Extract<Expression, { kind: 'Unary' }>, value: unknown): unknown {
  switch (expr.operator) {
    case '-not':
    case '!':
      return !toBool(value);
    case ',':
      return [value];
    case '-bnot':
      return guard(expr.span, 'InvalidOperation', () => bitwiseNot(value));
    case '-split':
      return enumerate(value).flatMap((v) => splitWhitespace(toStr(v)));
    case '-join':
      return enumerate(value).map(toStr).join('');
    case '-':
      return guard(expr.span, 'InvalidOperation', () => arithmetic('-', 0, value));
    case '+':
      return guard(expr.span, 'InvalidOperation', () => arithmetic('+', 0, value));
  }
}

/** shortCircuit's answer when the right operand is needed. */
const undecided = Symbol('undecided');

/** The value of `-and` / `-or` / `??` when the left operand decides it, else `undecided`. */
function shortCircuit(expr: Extract<Expression, { kind: 'Binary' }>, left: unknown): unknown {
  const op = expr.operator;
  if (op === '-and' && !toBool(left)) return false;
  if (op === '-or' && toBool(left)) return true;
  if (op === '??' && left !== null && left !== undefined) return left;
  return undecided;
}

function binaryValue(expr: Extract<Expression, { kind: 'Binary' }>, left: unknown, right: unknown, env: Env): unknown {
  const op = expr.operator.toLowerCase();
  if (op === '-is' || op === '-isnot' || op === '-as') {
    const type = right instanceof TypeRef ? right.name : toStr(right);
    if (op === '-as') {
      try {
        return cast(type, left);
      } catch {
        return null;
      }
    }
    return isType(left, type) === (op === '-is');
  }
  return guard(expr.span, 'InvalidOperation', () => binaryOperator(op, left, right, (m) => env.scope.set('Matches', m)));
}

/**
 * `-split { $_ -eq ',' }, max` (each character tested; about_Split, ScriptBlock delimiter) and
 * `-replace 'p', { $_.Value }` ($_ the match; about_Comparison_Operators, Replacement with a script
 * block). undefined when the right side holds no script block (the plain operator applies).
 */
async function scriptBlockOperator(expr: Extract<Expression, { kind: 'Binary' }>, left: unknown, right: unknown, env: Env): Promise<unknown> {
  const [first, second] = Array.isArray(right) ? right : [right];
  const split = expr.operator.endsWith('split');
  const block = split ? first : second;
  if (!(block instanceof ScriptBlock)) return undefined;
  const test = async (input: unknown) => unwrap(await collectScriptBlock(block, env, { input, dotSource: true }));
  if (split) {
    const max = guard(expr.span, 'InvalidOperation', () => Math.trunc(toNumber(second ?? 0)));
    const parts: string[] = [];
    for (const item of enumerate(left)) {
      const text = toStr(item);
      const cuts: { index: number; length: number; captures: string[] }[] = [];
      for (let i = 0; i < text.length; i++) if (toBool(await test(text[i]))) cuts.push({ index: i, length: 1, captures: [] });
      parts.push(...splitAt(text, cuts, max));
    }
    return parts;
  }
  const caseSensitive = expr.operator.startsWith('-c');
  const replaceIn = async (item: unknown): Promise<string> => {
    const text = toStr(item);
    const re = guard(expr.span, 'InvalidRegularExpression', () => regex(first, caseSensitive));
    let out = '';
    let last = 0;
    for (const m of allMatches(re, text)) {
      out += text.slice(last, m.index) + toStr(await test(matchObject(m)));
      last = m.index + m[0].length;
    }
    return out + text.slice(last);
  };
  if (!Array.isArray(left)) return replaceIn(left);
  const results: string[] = [];
  for (const item of left) results.push(await replaceIn(item));
  return results;
}

/** A regex match as .NET's Match: Value, Index, Length, Success, Groups (by number and name). */
function matchObject(m: RegExpExecArray): Record<string, unknown> {
  const groups = new Hashtable();
  m.forEach((value, i) => groups.set(i, { Name: String(i), Value: value ?? '', Success: value !== undefined }));
  for (const [name, value] of Object.entries(m.groups ?? {})) groups.set(name, { Name: name, Value: value ?? '', Success: value !== undefined });
  return { Value: m[0], Index: m.index, Length: m[0].length, Success: true, Groups: groups };
}

function castValue(expr: Extract<Expression, { kind: 'Cast' }>, value: unknown): unknown {
  return guard(expr.span, 'InvalidCastConversion', () => cast(expr.type, value), 'InvalidArgument');
}

async function evaluateMethod(expr: Extract<Expression, { kind: 'MethodCall' }>, env: Env): Promise<unknown> {
  const object = await evaluate(expr.object, env);
  if (expr.nullConditional && object === null) return null;
  const args: unknown[] = [];
  for (const a of expr.args) args.push(await evaluate(a, env));
  const lower = expr.method.toLowerCase();
  if (object instanceof LoopEnumerator) {
    const called = object.call(lower);
    if (called) return called.value;
  }
  if (object instanceof DotNetException && lower === 'gettype') return object.type();
  if (object instanceof ScriptCmdlet && lower === 'shouldprocess') return object.shouldProcess(args, expr.span);
  if (expr.isStatic && object instanceof TypeRef && lower === 'new' && exceptionTypeNamed(object.name) !== undefined) return newException(object.name, args);
  if (object instanceof ScriptBlock && (lower === 'invoke' || lower === 'invokereturnasis')) {
    return unwrap(await collectScriptBlock(object, env, { args }));
  }
  if (object instanceof ScriptBlock && lower === 'getnewclosure') {
    // The variables visible now, copied: later changes to them do not reach the closure (about_Script_Blocks).
    const closure = env.session.global.child();
    for (const { name, value } of env.scope.list()) closure.define(name, value);
    return new ScriptBlock(object.node, closure);
  }
  if (lower === 'foreach' || lower === 'where' || hasScriptMethod(object, lower)) {
    const run = (block: ScriptBlock, input: unknown, blockArgs: unknown[]) => collectScriptBlock(block, env, { input, args: blockArgs, dotSource: true });
    const result = await guardAsync(expr.span, 'MethodInvocationFailed', () => intrinsicMethod(object, lower, args, run));
    if (result !== undefined) return result;
  }
  return guard(expr.span, 'MethodInvocationFailed', () => (expr.isStatic && object instanceof TypeRef ? callStatic(object, expr.method, args) : callMethod(object, expr.method, args)));
}

async function guardAsync<T>(span: SourceSpan, id: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ConversionError) throw runtimeError({ id, category: 'InvalidOperation', message: e.message, span });
    throw e;
  }
}

// ---------------------------------------------------------------- script blocks

export interface InvokeOptions {
  input?: unknown;
  args?: unknown[];
  /** Run in the block's own scope (writes reach the caller), with a private $_. */
  dotSource?: boolean;
}

/** The scope a script block runs in, with $args and (given input) $_. */
function blockScope(block: ScriptBlock, options: InvokeOptions): Scope {
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
async function bindBlockParameters(block: ScriptBlock, args: readonly unknown[], blockEnv: Env): Promise<void> {
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
function runScriptBlock(block: ScriptBlock, env: Env, options: InvokeOptions): unknown[] | AsyncIterable<unknown> {
  return syncBlockOutput(block, env, options) ?? invokeScriptBlock(block, env, options);
}

/** Runs a script block and collects its output. */
async function collectScriptBlock(block: ScriptBlock, env: Env, options: InvokeOptions): Promise<unknown[]> {
  return syncBlockOutput(block, env, options) ?? collect(invokeScriptBlock(block, env, options));
}

// ---------------------------------------------------------------- functions and param() blocks

const paramTargets = new WeakMap<object, ParamTarget>();

/** The binder target of a `param()` block, worked out once per block. */
async function paramTarget(block: ParamBlock, env: Env, name: string, key: object): Promise<ParamTarget> {
  let target = paramTargets.get(key);
  if (!target) {
    target = await buildParamTarget(block, name, (e) => evaluate(e, env));
    paramTargets.set(key, target);
  }
  return target;
}

/** Sets each parameter as a variable: bound value, else its default expression, else $null/$false. */
async function defineParameters(target: ParamTarget, binding: Binding, binder: Binder, env: Env, scope: Scope, span: SourceSpan | null = null): Promise<void> {
  const values = binder.finalValues(binding);
  const invalid = await invalidArgument(target, values, binding.bound, (block, value) => collectScriptBlock(block, env, { input: value }).then(unwrap), span);
  if (invalid) throw invalid;
  for (const name of Object.keys(target.parameters)) {
    let value = values[name];
    if (!binding.bound.has(name)) {
      const fallback = target.defaults.get(name);
      if (fallback) {
        value = await evaluate(fallback, { ...env, scope });
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

// ---------------------------------------------------------------- pipelines and commands

function bindOptions(env: Env, expectingInput: boolean) {
  return {
    scriptFile: env.scriptFile,
    expectingInput,
    warn: (message: string, span: SourceSpan | null) => env.session.warnOnce(message, span),
  };
}

type Stage = (upstream: AsyncIterable<unknown> | null) => AsyncIterable<unknown>;

async function* expressionStage(expr: Expression, env: Env): Output {
  const value = await evaluate(expr, env);
  if (value === undefined) return;
  if (Array.isArray(value) || value instanceof LoopEnumerator) {
    for (const item of enumerate(value)) {
      const turn = checkpoint(env);
      if (turn) await turn;
      yield item;
    }
  } else yield value;
}

export async function* runPipeline(pipeline: Pipeline, env: Env, input: AsyncIterable<unknown> | null = null): Output {
  const stages: Stage[] = [];
  for (const [i, element] of pipeline.elements.entries()) {
    const redirection = element.redirections ? await redirect(element.redirections, env) : null;
    const elementEnv = redirection?.env ?? env;
    const stage: Stage = element.kind === 'ExpressionElement' ? () => expressionStage(element.expression, elementEnv) : await prepareCommand(element, elementEnv, i > 0 || input !== null);
    stages.push(redirection ? (upstream) => redirection.wrap(stage(upstream)) : stage);
  }
  let stream: AsyncIterable<unknown> | null = input;
  for (const stage of stages) stream = stage(stream);
  yield* stream!;
}

/**
 * The environment an element with redirections runs in, and the wrapper of its output: records
 * merged into the output (`4>&1`) come out before the next object, dropped ones (`2>$null`)
 * vanish, and those for a file are written to it when the element ends.
 */
async function redirect(redirections: readonly Redirection[], env: Env): Promise<{ env: Env; wrap: (output: AsyncIterable<unknown>) => Output }> {
  const merged: unknown[] = [];
  const files: { path: string; append: boolean; lines: string[] }[] = [];
  const streams: StreamRoutes = { ...env.streams };
  for (const r of redirections) {
    const target = r.target === null ? undefined : await evaluate(r.target, env);
    let route: (record: unknown) => void;
    if (target === undefined) route = (record) => merged.push(record);
    else if (target === null) route = () => {};
    else {
      const file = { path: resolve(env.session.cwd, toStr(target)), append: r.append, lines: [] as string[] };
      files.push(file);
      route = (record) => file.lines.push(record instanceof ErrorRecord ? record.message : toStr(record));
    }
    for (const stream of streamsOf(r.stream)) streams[stream] = route;
  }
  async function* wrap(output: AsyncIterable<unknown>): Output {
    try {
      for await (const item of output) {
        while (merged.length > 0) yield merged.shift();
        yield item;
      }
      while (merged.length > 0) yield merged.shift();
    } finally {
      for (const file of files) (file.append ? appendFileSync : writeFileSync)(file.path, file.lines.map((l) => `${l}\n`).join(''));
    }
  }
  return { env: { ...env, streams }, wrap };
}

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
async function prepareCommand(call: CommandCall, env: Env, expectingInput: boolean): Promise<Stage> {
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

/** Runs one named block (or a body): `return` ends just that block. */
async function* runBlock(statements: readonly Statement[], env: Env): Output {
  try {
    yield* executeStatements(statements, env);
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
async function* runNamedBlocks(blocks: NamedBlocks, env: Env, upstream: AsyncIterable<unknown> | null, bindItem?: (item: unknown) => Promise<boolean>): Output {
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
  const { parseScript, ScriptSyntaxError } = await import('../language/index.js');
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

async function functionTarget(fn: FunctionDefinition, env: Env): Promise<ParamTarget> {
  const block = fn.params ?? fn.body.params;
  if (block) return paramTarget(block, env, fn.name, fn);
  let target = paramTargets.get(fn);
  if (!target) {
    target = simpleTarget(fn.name);
    paramTargets.set(fn, target);
  }
  return target;
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

/** What a cmdlet block returned: items to iterate (for-await takes both kinds), a promise of its end, or null. */
function drive(result: ReturnType<NonNullable<CmdletDeclaration['process']>>): AsyncIterable<unknown> | Iterable<unknown> | Promise<void> | null {
  if (result === undefined || result === null) return null;
  if (typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return result as AsyncIterable<unknown>;
  if (typeof (result as Iterable<unknown>)[Symbol.iterator] === 'function') return result as Iterable<unknown>;
  return result as Promise<void>;
}

/** An error thrown by cmdlet code that is not a record yet (an fs error, a bug) as a record. */
function asRuntimeError(e: unknown, command: string, span: SourceSpan): RuntimeError {
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

class Context implements CmdletContext {
  readonly boundParameters: ReadonlySet<string>;
  readonly state: unknown;
  /** Yes to All / No to All: the answer for the rest of this command's work in this pipeline. */
  private readonly confirmState: ConfirmState = {};
  /** The -ErrorVariable list the errors written also go to. */
  private readonly errorVariable: unknown[] | undefined;
  constructor(
    private readonly decl: CmdletDeclaration,
    private readonly binding: Binding,
    private readonly env: Env,
    private readonly span: SourceSpan,
    readonly expectingInput: boolean,
  ) {
    this.boundParameters = binding.bound;
    this.state = decl.state?.();
    const name = binding.common.errorVariable;
    if (name !== undefined) {
      // `-ErrorVariable +name` appends to what the variable holds; `name` starts it afresh.
      const append = name.startsWith('+');
      const variable = append ? name.slice(1) : name;
      const current = env.scope.get(variable);
      this.errorVariable = append && Array.isArray(current) ? current : append && current !== null ? [current] : [];
      env.scope.setLocal(variable, this.errorVariable);
    }
  }
  get command() {
    return this.decl.name;
  }
  get signal() {
    return this.env.signal;
  }
  get host() {
    return this.env.session.host;
  }
  get site() {
    return this.env.session.site;
  }
  get views() {
    return this.env.session.views;
  }
  private record(error: ErrorInit | ErrorRecord): ErrorRecord {
    const record = error instanceof ErrorRecord ? error : new ErrorRecord({ ...error, command: this.decl.name });
    record.command ??= this.decl.name;
    record.span ??= this.span;
    return record;
  }
  writeError(error: ErrorInit | ErrorRecord): void {
    const record = this.record(error);
    this.errorVariable?.push(record);
    const preference = toStr(this.env.scope.get('ErrorActionPreference'));
    const action = this.binding.common.errorAction ?? ERROR_ACTIONS.find((a) => a.toLowerCase() === preference.toLowerCase()) ?? 'Continue';
    if (action === 'Stop') throw new RuntimeError(record, true);
    if (action === 'Ignore') return;
    const route = this.env.streams?.error;
    this.env.session.reportError(record, action === 'SilentlyContinue' || route !== undefined);
    if (route && action !== 'SilentlyContinue') route(record);
  }
  error(error: ErrorInit): RuntimeError {
    return new RuntimeError(this.record(error));
  }
  stopUpstream(): never {
    throw new StopUpstreamSignal();
  }
  writeWarning(message: string): void {
    const route = this.env.streams?.warning;
    if (route) route(new StreamRecord(message));
    else this.env.session.warn(message, null);
  }
  writeVerbose(message: string): void {
    const preference = toStr(this.env.scope.get('VerbosePreference')).toLowerCase();
    if (!(this.binding.common.verbose || preference === 'continue')) return;
    const route = this.env.streams?.verbose;
    if (route) route(new StreamRecord(message));
    else this.env.session.host.writeVerbose(message);
  }
  writeInformation(data: unknown, show: boolean): void {
    const route = this.env.streams?.information;
    if (route) route(new InformationRecord(data, toStr(data)));
    else if (show) this.env.session.host.writeHost(toStr(data), false);
  }
  history(): readonly string[] {
    return this.env.session.host.history?.() ?? [];
  }
  writeProgress(progress: ProgressRecord): void {
    if (toStr(this.env.scope.get('ProgressPreference')).toLowerCase() !== 'silentlycontinue') this.env.session.host.writeProgress?.(progress);
  }
  async readLine(prompt: string, options: { mask: boolean }): Promise<string | null> {
    const host = this.env.session.host;
    return host.readLine ? host.readLine(prompt, options) : null;
  }
  writeDebug(message: string): void {
    if (toStr(this.env.scope.get('DebugPreference')).toLowerCase() === 'silentlycontinue') return;
    const route = this.env.streams?.debug;
    if (route) route(new StreamRecord(message));
    else this.env.session.host.writeDebug?.(message);
  }
  bindScriptBlock(node: ScriptBlockExpression): ScriptBlock {
    return new ScriptBlock(node, this.env.scope);
  }
  removeVariable(name: string, scope?: 'global' | 'script' | 'local'): boolean {
    return (scope === 'global' || scope === 'script' ? this.env.scope.find(scope) : this.env.scope).remove(name, scope === undefined);
  }
  writeHost(text: string, options: { noNewline?: boolean } = {}): void {
    const route = this.env.streams?.information;
    if (route) route(new InformationRecord(text, text));
    else this.env.session.host.writeHost(text, options.noNewline ?? false);
  }
  shouldProcess(target: string, action: string, options: { force?: boolean } = {}): Promise<boolean> {
    return shouldProcess(this.env, this.binding, { command: this.decl.name, impact: this.decl.impact, state: this.confirmState, force: options.force }, target, action, this.span);
  }
  invoke(block: ScriptBlock, options: InvokeOptions = {}): unknown[] | AsyncIterable<unknown> {
    return runScriptBlock(block, this.env, options);
  }
  invokeCollect(block: ScriptBlock, options: InvokeOptions = {}): Promise<unknown[]> {
    return collectScriptBlock(block, this.env, options);
  }
  getVariable(name: string): unknown {
    return lookupVariable(name, this.env);
  }
  setVariable(name: string, value: unknown, scope?: 'global' | 'script' | 'local'): void {
    this.env.scope.set(name, value, scope ?? null);
  }
  listVariables(scope?: VariableScope) {
    return scope === undefined ? this.env.scope.list() : this.scopeNamed(scope).list();
  }
  get strictMode(): number {
    return this.env.scope.strictVersion();
  }
  hasVariable(name: string, scope: VariableScope): boolean {
    return this.scopeNamed(scope).hasLocal(name);
  }
  private scopeNamed(scope: VariableScope): Scope {
    if (scope === 'global' || scope === 'script') return this.env.scope.find(scope);
    const found = this.env.scope.ancestor(scope === 'local' ? 0 : scope);
    if (!found) throw this.error({ id: 'ArgumentOutOfRange', category: 'InvalidArgument', message: `The scope number '${scope}' exceeds the number of active scopes.`, target: scope });
    return found;
  }
  resolvePath(path: string): string {
    if (path.includes('\0')) throw this.error({ id: 'InvalidPath', category: 'InvalidArgument', message: `The path '${path.replaceAll('\0', '\\0')}' holds a NUL character, which no file name can.`, target: path });
    return resolve(this.env.session.cwd, path);
  }
  get location() {
    return this.env.session.cwd;
  }
  setLocation(path: string): void {
    this.env.session.setLocation(path);
  }
  listCommands() {
    return this.env.session.listCommands(this.env.scope);
  }
  setStrictMode(version: number): void {
    this.env.scope.setStrictMode(version);
  }
}

/** Yes to All / No to All: the answer for the rest of one command's work in a pipeline. */
interface ConfirmState {
  all?: boolean;
}

interface ShouldProcessCommand {
  command: string;
  impact: CmdletDeclaration['impact'];
  state: ConfirmState;
  /** The command's -Force, which skips the question (undefined: it has no -Force). */
  force?: boolean | undefined;
}

/**
 * -WhatIf / -Confirm for a cmdlet or an advanced function: whether the change should go ahead.
 * -WhatIf (or $WhatIfPreference) describes it instead; -Confirm, or an impact at or above
 * $ConfirmPreference without -Force, asks on the terminal (refusing when there is none).
 */
async function shouldProcess(env: Env, binding: Binding, { command, impact, state, force }: ShouldProcessCommand, target: string, action: string, span: SourceSpan): Promise<boolean> {
  const { whatIf, confirm } = binding.common;
  if (whatIf || (toBool(env.scope.get('WhatIfPreference')) && !binding.bound.has('WhatIf'))) {
    env.session.host.writeHost(`What if: Performing the operation "${action}" on target "${target}".`, false);
    return false;
  }
  const preference = toStr(env.scope.get('ConfirmPreference')).toLowerCase();
  const levels = ['none', 'low', 'medium', 'high'];
  const byImpact = preference !== 'none' && levels.indexOf(impact ?? 'medium') >= levels.indexOf(preference) && !force;
  if (!(confirm ?? byImpact)) return true;
  if (state.all !== undefined) return state.all;
  const host = env.session.host;
  if (!host.confirm) {
    throw runtimeError({
      id: 'ConfirmationRequired',
      category: 'PermissionDenied',
      message: `${command} needs confirmation to ${action.toLowerCase()} "${target}", and there is no terminal to ask on.`,
      target,
      command,
      span,
      hint: `Add ${force !== undefined ? '-Force or ' : ''}-Confirm:$false to go ahead without asking, or -WhatIf to see what it would do.`,
    });
  }
  const answer = await host.confirm(confirmQuestion(action, target));
  if (answer === 'Cancel' || env.signal.aborted) throw new PipelineStoppedError();
  if (answer === 'YesToAll' || answer === 'NoToAll') state.all = answer === 'YesToAll';
  return answer === 'Yes' || answer === 'YesToAll';
}

/** `$PSCmdlet` in an advanced function or script: ShouldProcess() and the bound parameters. */
class ScriptCmdlet {
  /** Yes to All / No to All, for the rest of this function's run. */
  private readonly confirmState: ConfirmState = {};
  constructor(
    private readonly env: Env,
    private readonly binding: Binding,
    private readonly target: ParamTarget,
  ) {}

  get ParameterSetName(): string {
    return new Binder(this.target).chooseSet(this.binding);
  }

  get MyInvocation(): { MyCommand: { Name: string } } {
    return { MyCommand: { Name: this.target.name } };
  }

  /** `$PSCmdlet.ShouldProcess(target)` or `(target, action)`; the action defaults to the command's name. */
  shouldProcess(args: unknown[], span: SourceSpan): Promise<boolean> {
    const [target, action] = args;
    return shouldProcess(this.env, this.binding, { command: this.target.name, impact: this.target.impact, state: this.confirmState }, toStr(target), action === undefined ? this.target.name : toStr(action), span);
  }
}

async function* cmdletStage(
  decl: CmdletDeclaration,
  binder: Binder,
  binding: Binding,
  env: Env,
  upstream: AsyncIterable<unknown> | null,
  span: SourceSpan,
): Output {
  const ctx = new Context(decl, binding, env, span, upstream !== null);
  const outVariable = binding.common.outVariable;
  const pipelineVariable = binding.common.pipelineVariable;
  const collected: unknown[] = [];
  const typeName = decl.outputType?.name;
  const formatsText = typeName === FORMATTED_TEXT.name;
  /** Starts a begin/process/end block: the items it outputs, a promise of its end, or null. */
  function start(block: CmdletDeclaration['process'], values: Record<string, unknown>): ReturnType<typeof drive> {
    return block ? drive(block.call(decl, values as never, ctx)) : null;
  }
  /** Checks for cancellation and tags an output item (run for each item a block outputs). */
  function emitted(item: unknown): unknown {
    if (env.signal.aborted) throw new PipelineStoppedError();
    if (typeName && isPlainObject(item) && !(TYPE_NAME in item)) withTypeName(item, typeName);
    if (formatsText && (typeof item === 'string' || (typeof item === 'object' && item !== null && SHOWN_AS_TEXT in item))) env.session.formattedText.add(item);
    if (outVariable) collected.push(item);
    if (pipelineVariable) env.scope.setLocal(pipelineVariable, item);
    return item;
  }
  // The blocks' output is iterated here rather than through a generator per block: a process
  // block runs once per pipeline object, and each generator layer costs a promise per item.
  try {
    const initial = binder.finalValues(binding);
    const begun = start(decl.begin, initial);
    if (begun instanceof Promise) await begun;
    else if (begun) for await (const item of begun) yield emitted(item);
    try {
      if (upstream) {
        for await (const item of upstream) {
          const turn = checkpoint(env);
          if (turn) await turn;
          const values = binder.inputValues(binding, item, span);
          if (values instanceof ErrorRecord) {
            ctx.writeError(values);
            continue;
          }
          const processed = start(decl.process, values);
          if (processed instanceof Promise) await processed;
          else if (Array.isArray(processed)) for (const out of processed) yield emitted(out);
          else if (processed) for await (const out of processed) yield emitted(out);
        }
      } else {
        const processed = start(decl.process, initial);
        if (processed instanceof Promise) await processed;
        else if (processed) for await (const out of processed) yield emitted(out);
      }
    } catch (e) {
      // Leaving the for-await closes the upstream generators: their work stops here.
      if (!(e instanceof StopUpstreamSignal)) throw e;
    }
    const ended = start(decl.end, initial);
    if (ended instanceof Promise) await ended;
    else if (ended) for await (const item of ended) yield emitted(item);
  } catch (e) {
    if (e instanceof BreakSignal || e instanceof ContinueSignal || e instanceof ReturnSignal || e instanceof ExitSignal || e instanceof PipelineStoppedError) throw e;
    throw asRuntimeError(e, decl.name, span);
  } finally {
    // -OutVariable +name adds to what the variable holds.
    if (outVariable?.startsWith('+')) env.scope.setLocal(outVariable.slice(1), [...enumerate(env.scope.get(outVariable.slice(1))), ...collected]);
    else if (outVariable) env.scope.setLocal(outVariable, collected);
  }
}
