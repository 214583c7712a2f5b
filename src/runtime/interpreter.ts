// The tree-walking interpreter. Statements are async generators, so output streams: a pipeline
// stage pulls from the one before it, and when a downstream stage stops pulling (Select-Object
// -First 1) the upstream generators are closed and stop working.
import type {
  Assignment,
  CommandCall,
  Expression,
  FunctionDefinition,
  ParamBlock,
  Pipeline,
  PipelineChain,
  Script,
  SourceSpan,
  Statement,
} from '../language/ast.js';
import { Binder, ERROR_ACTIONS, type ArgumentValue, type Binding } from './binder.js';
import { confirmQuestion } from './confirm.js';
import { FORMATTED_TEXT, type CmdletContext, type CmdletDeclaration, type ParameterDeclaration, type ParameterDeclarations, type ParameterType } from './cmdlet.js';
import {
  BreakSignal,
  ContinueSignal,
  ErrorRecord,
  ExitSignal,
  PipelineStoppedError,
  ReturnSignal,
  RuntimeError,
  StopUpstreamSignal,
  runtimeError,
  type ErrorCategory,
  type ErrorInit,
} from './errors.js';
import { arithmetic, binaryOperator } from './operators.js';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Scope } from './scope.js';
import { ScriptBlock } from './scriptblock.js';
import type { RunOptions, Session } from './session.js';
import { didYouMean } from './suggest.js';
import { TypeRef, callMethod, callStatic, cast, getStatic, isType } from './types.js';
import {
  ConversionError,
  Hashtable,
  TYPE_NAME,
  enumerate,
  getMember,
  isPlainObject,
  setMember,
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
}

type Output = AsyncGenerator<unknown, void, undefined>;

// ---------------------------------------------------------------- entry point

export async function execute(session: Session, script: Script, options: RunOptions & { signal: AbortSignal }): Promise<void> {
  const scriptFile = options.scriptFile ?? false;
  const scope = scriptFile ? session.global.child('script') : session.global;
  const env: Env = { session, scope, signal: options.signal, inTry: false, scriptFile };
  await bindScriptArguments(script, env, options.args ?? []);
  try {
    for await (const item of executeStatements(script.body, env)) await options.onOutput(item);
  } catch (e) {
    if (!(e instanceof ReturnSignal)) throw e;
  }
}

/** A script's arguments: its param() block's variables in its scope, or $args without one. */
async function bindScriptArguments(script: Script, env: Env, args: readonly ArgumentValue[]): Promise<void> {
  if (script.params) {
    const target = await paramTarget(script.params, env, script.span.file, script);
    const binder = new Binder(target);
    const binding = binder.bindArguments(args, bindOptions(env, false));
    binder.checkMandatory(binding, false, script.params.span);
    await defineParameters(target, binding, binder, env, env.scope);
  } else if (args.length > 0) {
    env.scope.setLocal('args', args.map((a) => (a.kind === 'positional' ? a.value : `-${a.name}`)));
  }
}

// ---------------------------------------------------------------- statements

export async function* executeStatements(statements: readonly Statement[], env: Env): Output {
  for (const statement of statements) {
    // Most statements are assignments or expressions that need no awaiting: run them directly.
    if (isSyncStatement(statement)) {
      const value = runSyncStatement(statement, env);
      if (Array.isArray(value)) yield* value;
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
        else if (value !== undefined) yield value;
      } else yield* executeStatement(statement, env);
      if (statement.kind === 'Pipeline' || statement.kind === 'Assignment') env.session.lastSuccess = env.session.errorCount === before;
    } catch (e) {
      if (!reportable(e, env)) throw e;
      env.session.reportError(e.record);
    }
  }
}

/** A statement-terminating error that the statement list reports and continues past. */
function reportable(e: unknown, env: Env): e is RuntimeError {
  return e instanceof RuntimeError && !e.scriptTerminating && !env.inTry;
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
    case 'Break':
      return throwing(new BreakSignal());
    case 'Continue':
      return throwing(new ContinueSignal());
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
  }
}

async function* nothing(): Output {}

async function* throwing(signal: unknown): Output {
  throw signal;
}

async function* runChain(chain: PipelineChain, env: Env): Output {
  const before = env.session.errorCount;
  yield* chain.left.kind === 'Pipeline' ? runPipeline(chain.left, env) : runChain(chain.left, env);
  const succeeded = env.session.errorCount === before && env.session.lastSuccess;
  if (chain.operator === '&&' ? succeeded : !succeeded) yield* runPipeline(chain.right, env);
}

async function* runAssignment(statement: Assignment, env: Env): Output {
  await assign(statement, env);
}

async function assign(statement: Assignment, env: Env): Promise<void> {
  let value = await statementValue(statement.value, env);
  if (statement.operator !== '=') value = combined(statement, await evaluate(statement.target, env), value);
  await assignTo(statement.target, value, env);
}

async function assignTo(target: Assignment['target'], value: unknown, env: Env): Promise<void> {
  if (target.kind === 'Variable') {
    env.scope.set(target.name, value, target.scope);
    return;
  }
  const object = await evaluate(target.object, env);
  store(target, object, target.kind === 'Member' ? (typeof target.member === 'string' ? target.member : toStr(await evaluate(target.member, env))) : await evaluate(target.index, env), value);
}

/** assign() for a statement where isSyncStatement holds, given the value. */
function assignNow(statement: Assignment, value: unknown, env: Env): void {
  const target = statement.target;
  if (statement.operator !== '=') value = combined(statement, evaluateNow(target, env), value);
  if (target.kind === 'Variable') {
    env.scope.set(target.name, value, target.scope);
    return;
  }
  const object = evaluateNow(target.object, env);
  store(target, object, target.kind === 'Member' ? (typeof target.member === 'string' ? target.member : toStr(evaluateNow(target.member, env))) : evaluateNow(target.index, env), value);
}

/** The value to store: `value`, or for `+=` and the like, `current` combined with it. */
function combined(statement: Assignment, current: unknown, value: unknown): unknown {
  if (statement.operator === '=') return value;
  return guard(statement.span, 'InvalidOperation', () => arithmetic(statement.operator[0]!, current, value));
}

/** Sets a property (`key`: its name) or an element (`key`: the index) of `object`. */
function store(target: Exclude<Assignment['target'], { kind: 'Variable' }>, object: unknown, key: unknown, value: unknown): void {
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

/** Runs a loop body; returns false on `break`. */
async function* loopBody(statements: readonly Statement[], env: Env): AsyncGenerator<unknown, boolean, undefined> {
  try {
    yield* executeStatements(statements, env);
  } catch (e) {
    if (e instanceof BreakSignal) return false;
    if (!(e instanceof ContinueSignal)) throw e;
  }
  return true;
}

async function* runForeach(statement: Extract<Statement, { kind: 'Foreach' }>, env: Env): Output {
  const items = enumerate(await statementValue(statement.iterable, env));
  for (const item of items) {
    env.scope.setLocal(statement.variable, item);
    if (!(yield* loopBody(statement.body.statements, env))) break;
  }
}

async function* runWhile(statement: Extract<Statement, { kind: 'While' }>, env: Env): Output {
  while (toBool(await statementValue(statement.condition, env))) {
    if (env.signal.aborted) throw new PipelineStoppedError();
    if (!(yield* loopBody(statement.body.statements, env))) break;
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
  const message = value === null ? 'ScriptHalted' : toStr(value);
  throw runtimeError({ id: 'RuntimeException', category: 'OperationStopped', message, target: value, span: statement.span }, true);
}

function catchMatches(types: readonly string[], record: ErrorRecord): boolean {
  if (types.length === 0) return true;
  const names = [record.id, record.category, 'exception', 'runtimeexception', 'system.exception', 'system.management.automation.runtimeexception'].map((n) => n.toLowerCase());
  return types.some((t) => {
    const lower = t.toLowerCase();
    return names.includes(lower) || names.some((n) => lower.endsWith(`.${n}`) || lower === `${n}exception`);
  });
}

async function* runTry(statement: Extract<Statement, { kind: 'Try' }>, env: Env): Output {
  try {
    yield* executeStatements(statement.body.statements, { ...env, inTry: true });
  } catch (e) {
    if (!(e instanceof RuntimeError)) throw e;
    const handler = statement.catches.find((c) => catchMatches(c.types, e.record));
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

/** isSync of composite expressions and syncExpression of statements, worked out once per node. */
const syncCache = new WeakMap<Expression, boolean>();
const syncStatements = new WeakMap<Statement, Expression | null>();

/** Whether `expr` can be evaluated by evaluateNow. */
function isSync(expr: Expression): boolean {
  switch (expr.kind) {
    case 'Number':
    case 'String':
    case 'Variable':
    case 'ScriptBlock':
    case 'TypeLiteral':
      return true;
  }
  let sync = syncCache.get(expr);
  if (sync === undefined) {
    sync = isSyncComposite(expr);
    syncCache.set(expr, sync);
  }
  return sync;
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
      return expr.operator !== '++' && expr.operator !== '--' && isSync(expr.operand);
    case 'Binary':
      return isSync(expr.left) && isSync(expr.right);
    case 'Cast':
      return isSync(expr.operand);
    default:
      return false;
  }
}

/** The lone expression of `statement` when it is synchronous. */
function syncExpression(statement: Statement): Expression | undefined {
  let sync = syncStatements.get(statement);
  if (sync === undefined) {
    const lone = loneExpression(statement);
    sync = lone !== undefined && isSync(lone) ? lone : null;
    syncStatements.set(statement, sync);
  }
  return sync ?? undefined;
}

/** A lone synchronous expression, or an assignment of one to a variable or synchronous property or element. */
function isSyncStatement(statement: Statement): boolean {
  if (statement.kind === 'Assignment') return syncExpression(statement.value) !== undefined && (statement.target.kind === 'Variable' || isSync(statement.target));
  return syncExpression(statement) !== undefined;
}

/** evaluate() for an expression where isSync holds. */
function evaluateNow(expr: Expression, env: Env): unknown {
  switch (expr.kind) {
    case 'Number':
    case 'String':
      return expr.value;
    case 'ExpandableString': {
      let text = '';
      for (const part of expr.parts) text += typeof part === 'string' ? part : toStr(evaluateNow(part, env));
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
      return memberValue(expr, object, typeof expr.member === 'string' ? expr.member : toStr(evaluateNow(expr.member, env)));
    }
    case 'Index': {
      const object = evaluateNow(expr.object, env);
      return indexValue(object, evaluateNow(expr.index, env));
    }
    case 'Unary':
      return unaryValue(expr, evaluateNow(expr.operand, env));
    case 'Binary': {
      const left = evaluateNow(expr.left, env);
      const decided = shortCircuit(expr, left);
      return decided !== undefined ? decided : binaryValue(expr, left, evaluateNow(expr.right, env), env);
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
    if (e instanceof ConversionError) throw runtimeError({ id, category, message: e.message, span });
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
  return env.scope.get(name);
}

function variableValue(expr: Extract<Expression, { kind: 'Variable' }>, env: Env): unknown {
  if (expr.scope === 'global' || expr.scope === 'script') return env.scope.find(expr.scope).get(expr.name);
  return lookupVariable(expr.name, env);
}

export async function evaluate(expr: Expression, env: Env): Promise<unknown> {
  if (isSync(expr)) return evaluateNow(expr, env);
  switch (expr.kind) {
    case 'ExpandableString': {
      let text = '';
      for (const part of expr.parts) text += typeof part === 'string' ? part : toStr(await evaluate(part, env));
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
      return unwrap(await collect(executeStatements(expr.statements, env)));
    case 'Paren':
      return statementValue(expr.pipeline, env);
    case 'Hashtable': {
      const table = new Hashtable();
      for (const entry of expr.entries) table.set(await evaluate(entry.key, env), await statementValue(entry.value, env));
      return table;
    }
    case 'Member': {
      const object = await evaluate(expr.object, env);
      return memberValue(expr, object, typeof expr.member === 'string' ? expr.member : toStr(await evaluate(expr.member, env)));
    }
    case 'MethodCall':
      return evaluateMethod(expr, env);
    case 'Index': {
      const object = await evaluate(expr.object, env);
      return indexValue(object, await evaluate(expr.index, env));
    }
    case 'Unary':
      return evaluateUnary(expr, env);
    case 'Binary': {
      const left = await evaluate(expr.left, env);
      const decided = shortCircuit(expr, left);
      return decided !== undefined ? decided : binaryValue(expr, left, await evaluate(expr.right, env), env);
    }
    case 'Cast':
      return castValue(expr, await evaluate(expr.operand, env));
    default:
      // Literals, variables, script blocks and type literals are always synchronous.
      return evaluateNow(expr, env);
  }
}

function memberValue(expr: { isStatic: boolean; span: SourceSpan }, object: unknown, name: string): unknown {
  if (expr.isStatic && object instanceof TypeRef) return guard(expr.span, 'InvalidMember', () => getStatic(object, name));
  return getMember(object, name);
}

function indexValue(object: unknown, index: unknown): unknown {
  if (object === null || object === undefined) return null;
  if (Array.isArray(index)) return index.map((i) => indexValue(object, i));
  if (object instanceof Hashtable) return object.get(index);
  if (Array.isArray(object) || typeof object === 'string') {
    const i = Math.trunc(toNumber(index));
    const at = i < 0 ? object.length + i : i;
    return at >= 0 && at < object.length ? object[at] : null;
  }
  if (typeof object === 'object') return getMember(object, toStr(index));
  return toNumber(index) === 0 ? object : null;
}

async function evaluateUnary(expr: Extract<Expression, { kind: 'Unary' }>, env: Env): Promise<unknown> {
  if (expr.operator !== '++' && expr.operator !== '--') return unaryValue(expr, await evaluate(expr.operand, env));
  const target = expr.operand;
  if (target.kind !== 'Variable' && target.kind !== 'Member' && target.kind !== 'Index') {
    throw runtimeError({ id: 'InvalidLeftHandSide', category: 'InvalidOperation', message: `${expr.operator} needs a variable.`, span: expr.span });
  }
  const value = toNumber(await evaluate(target, env)) + (expr.operator === '++' ? 1 : -1);
  await assignTo(target, value, env);
  return value;
}

function unaryValue(expr: Extract<Expression, { kind: 'Unary' }>, value: unknown): unknown {
  switch (expr.operator) {
    case '-not':
    case '!':
      return !toBool(value);
    case ',':
      return [value];
    case '-':
      return guard(expr.span, 'InvalidOperation', () => -toNumber(value));
    case '+':
      return guard(expr.span, 'InvalidOperation', () => toNumber(value));
  }
}

/** The value of `-and` / `-or` when the left operand decides it, else undefined. */
function shortCircuit(expr: Extract<Expression, { kind: 'Binary' }>, left: unknown): boolean | undefined {
  const op = expr.operator.toLowerCase();
  if (op === '-and' && !toBool(left)) return false;
  if (op === '-or' && toBool(left)) return true;
  return undefined;
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

function castValue(expr: Extract<Expression, { kind: 'Cast' }>, value: unknown): unknown {
  return guard(expr.span, 'InvalidCastConversion', () => cast(expr.type, value), 'InvalidArgument');
}

async function evaluateMethod(expr: Extract<Expression, { kind: 'MethodCall' }>, env: Env): Promise<unknown> {
  const object = await evaluate(expr.object, env);
  const args: unknown[] = [];
  for (const a of expr.args) args.push(await evaluate(a, env));
  const lower = expr.method.toLowerCase();
  if (object instanceof ScriptBlock && (lower === 'invoke' || lower === 'invokereturnasis')) {
    return unwrap(await collectScriptBlock(object, env, { args }));
  }
  if (Array.isArray(object) && (lower === 'foreach' || lower === 'where') && args[0] instanceof ScriptBlock) {
    const block = args[0];
    const results: unknown[] = [];
    for (const item of object) {
      const out = await collectScriptBlock(block, env, { input: item, dotSource: true });
      if (lower === 'foreach') results.push(...out);
      else if (toBool(unwrap(out))) results.push(item);
    }
    return results;
  }
  return guard(expr.span, 'MethodInvocationFailed', () => (expr.isStatic && object instanceof TypeRef ? callStatic(object, expr.method, args) : callMethod(object, expr.method, args)));
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
  const scope = blockScope(block, options);
  const blockEnv: Env = { ...env, scope };
  if (block.node.params) {
    const target = await paramTarget(block.node.params, blockEnv, '<script block>', block);
    const binder = new Binder(target);
    const binding = binder.bindArguments(
      (options.args ?? []).map((value) => ({ kind: 'positional' as const, value, span: null })),
      bindOptions(env, false),
    );
    await defineParameters(target, binding, binder, blockEnv, scope);
  }
  try {
    yield* executeStatements(block.node.body, blockEnv);
  } catch (e) {
    if (!(e instanceof ReturnSignal)) throw e;
  }
}

/**
 * Runs a script block and collects its output. A block that is one synchronous statement
 * (`{ $_ % 2 -eq 0 }`, the usual Where-Object filter) runs without generators.
 */
async function collectScriptBlock(block: ScriptBlock, env: Env, options: InvokeOptions): Promise<unknown[]> {
  const body = block.node.body;
  if (block.node.params !== null || body.length !== 1 || !isSyncStatement(body[0]!)) return collect(invokeScriptBlock(block, env, options));
  const value = runSyncStatement(body[0]!, { ...env, scope: blockScope(block, options) });
  return Array.isArray(value) ? [...value] : value === undefined ? [] : [value];
}

// ---------------------------------------------------------------- functions and param() blocks

interface ParamTarget {
  name: string;
  parameters: ParameterDeclarations;
  acceptsExtraArguments: boolean;
  defaults: Map<string, Expression>;
  types: Map<string, string>;
}

const paramTargets = new WeakMap<object, ParamTarget>();

const TYPE_FOR: Record<string, ParameterType> = {
  int: 'int',
  int32: 'int',
  int64: 'int',
  long: 'int',
  double: 'number',
  float: 'number',
  decimal: 'number',
  string: 'string',
  'string[]': 'string[]',
  'int[]': 'int[]',
  switch: 'switch',
  bool: 'bool',
  boolean: 'bool',
  datetime: 'date',
  scriptblock: 'scriptblock',
  hashtable: 'hashtable',
  'object[]': 'object[]',
  array: 'object[]',
};

/** A binder target for a `param()` block: functions, script blocks and script files bind like cmdlets. */
async function paramTarget(block: ParamBlock, env: Env, name: string, key: object): Promise<ParamTarget> {
  const cached = paramTargets.get(key);
  if (cached) return cached;
  const parameters: ParameterDeclarations = {};
  const defaults = new Map<string, Expression>();
  const types = new Map<string, string>();
  let advanced = false;
  const literal = async (e: Expression | null) => (e ? evaluate(e, env) : true);
  for (const [index, p] of block.params.entries()) {
    const decl: { -readonly [K in keyof ParameterDeclaration]: ParameterDeclaration[K] } = {
      type: (p.type && TYPE_FOR[p.type.replace(/^system\./, '')]) || 'object',
      description: '',
      position: index,
    };
    if (p.type) types.set(p.name, p.type);
    const validate: NonNullable<ParameterDeclaration['validate']> & Record<string, unknown> = {};
    for (const attribute of p.attributes) {
      const attr = attribute.name.toLowerCase();
      const positional: unknown[] = [];
      for (const e of attribute.positional) positional.push(await evaluate(e, env));
      if (attr === 'parameter') {
        advanced = true;
        for (const named of attribute.named) {
          const value = await literal(named.value);
          switch (named.name.toLowerCase()) {
            case 'mandatory':
              decl.mandatory = toBool(value);
              break;
            case 'position':
              decl.position = toNumber(value);
              break;
            case 'valuefrompipeline':
              if (toBool(value)) decl.pipeline = decl.pipeline === 'property' ? 'both' : 'value';
              break;
            case 'valuefrompipelinebypropertyname':
              if (toBool(value)) decl.pipeline = decl.pipeline === 'value' ? 'both' : 'property';
              break;
            case 'parametersetname':
              decl.sets = [toStr(value)];
              break;
            case 'helpmessage':
              decl.description = toStr(value);
              break;
          }
        }
      } else if (attr === 'validateset') validate.set = positional.map(toStr);
      else if (attr === 'validaterange') validate.range = [toNumber(positional[0]), toNumber(positional[1])];
      else if (attr === 'validatepattern') validate.pattern = toStr(positional[0]);
      else if (attr === 'validatenotnullorempty' || attr === 'validatenotnull') validate.notEmpty = true;
      else if (attr === 'alias') decl.aliases = positional.map(toStr);
      else if (attr === 'allownull') decl.allowNull = true;
      else if (attr === 'allowemptystring') decl.allowEmptyString = true;
      else if (attr === 'allowemptycollection') decl.allowEmptyCollection = true;
    }
    if (Object.keys(validate).length) decl.validate = validate;
    if (decl.type === 'switch') delete decl.position;
    if (p.defaultValue) defaults.set(p.name, p.defaultValue);
    parameters[p.name] = decl;
  }
  const target: ParamTarget = { name, parameters, acceptsExtraArguments: !advanced, defaults, types };
  paramTargets.set(key, target);
  return target;
}

/** Sets each parameter as a variable: bound value, else its default expression, else $null/$false. */
async function defineParameters(target: ParamTarget, binding: Binding, binder: Binder, env: Env, scope: Scope): Promise<void> {
  const values = binder.finalValues(binding);
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
    scope.define(name, value);
  }
  scope.define('args', binding.extra);
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
  if (Array.isArray(value)) {
    for (const item of value) {
      if (env.signal.aborted) throw new PipelineStoppedError();
      yield item;
    }
  } else yield value;
}

export async function* runPipeline(pipeline: Pipeline, env: Env, input: AsyncIterable<unknown> | null = null): Output {
  const stages: Stage[] = [];
  for (const [i, element] of pipeline.elements.entries()) {
    if (element.kind === 'ExpressionElement') {
      stages.push(() => expressionStage(element.expression, env));
    } else {
      stages.push(await prepareCommand(element, env, i > 0 || input !== null));
    }
  }
  let stream: AsyncIterable<unknown> | null = input;
  for (const stage of stages) stream = stage(stream);
  yield* stream!;
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
      return (upstream) => scriptBlockStage(value, env, upstream, positional);
    }
    name = toStr(value);
  }
  const fn = env.scope.getFunction(name);
  if (fn) return functionStage(fn, call, env, expectingInput);
  const entry = env.session.findCmdlet(name);
  if (!entry && /\.mcs$/i.test(name)) return scriptFileStage(name, call, env);
  if (!entry) throw commandNotFound(name, env, call.span);
  const decl = await env.session.loadCmdlet(entry);
  const binder = new Binder(decl);
  const binding = binder.bindArguments(await evaluateArguments(call, env), bindOptions(env, expectingInput));
  binder.checkMandatory(binding, expectingInput, call.span);
  return (upstream) => cmdletStage(decl, binder, binding, env, upstream, call.span);
}

/**
 * `./deploy.mcs -Image win11`: a script file runs in a script scope of its own, its arguments bound
 * to its param() block; `exit` in it ends the script (its code goes to $LASTEXITCODE).
 */
async function scriptFileStage(name: string, call: CommandCall, env: Env): Promise<Stage> {
  const source = await readFile(resolve(env.session.cwd, name), 'utf8').catch(() => {
    throw commandNotFound(name, env, call.span);
  });
  const { parseScript, ScriptSyntaxError } = await import('../language/index.js');
  let script: Script;
  try {
    script = parseScript(source, name);
  } catch (e) {
    if (!(e instanceof ScriptSyntaxError)) throw e;
    throw runtimeError({ id: 'ParseError', category: 'ParserError', message: e.format(), target: name, span: call.span });
  }
  const args = await evaluateArguments(call, env);
  return async function* () {
    const scriptEnv: Env = { ...env, scope: env.session.global.child('script'), scriptFile: true };
    await bindScriptArguments(script, scriptEnv, args);
    try {
      yield* executeStatements(script.body, scriptEnv);
    } catch (e) {
      if (e instanceof ExitSignal) env.session.global.setLocal('LASTEXITCODE', e.code);
      else if (!(e instanceof ReturnSignal)) throw e;
    }
  };
}

async function* scriptBlockStage(block: ScriptBlock, env: Env, upstream: AsyncIterable<unknown> | null, args: unknown[]): Output {
  const input = upstream ? await collect(upstream) : [];
  const scope = block.scope.child();
  scope.define('input', input);
  yield* invokeScriptBlock(new ScriptBlock(block.node, scope), env, { args });
}

async function functionTarget(fn: FunctionDefinition, env: Env): Promise<ParamTarget> {
  const block = fn.params ?? fn.body.params;
  if (block) return paramTarget(block, env, fn.name, fn);
  let target = paramTargets.get(fn);
  if (!target) {
    target = { name: fn.name, parameters: {}, acceptsExtraArguments: true, defaults: new Map(), types: new Map() };
    paramTargets.set(fn, target);
  }
  return target;
}

/** A function binds like a cmdlet. With a pipeline parameter its body runs once per input object; otherwise once, with $input. */
async function functionStage(fn: FunctionDefinition, call: CommandCall, env: Env, expectingInput: boolean): Promise<Stage> {
  const target = await functionTarget(fn, env);
  const binder = new Binder(target);
  const binding = binder.bindArguments(await evaluateArguments(call, env), bindOptions(env, expectingInput));
  binder.checkMandatory(binding, expectingInput, call.span);
  const perItem = Object.values(target.parameters).some((p) => p.pipeline);

  async function* body(bound: Binding, locals: Record<string, unknown>): Output {
    const scope = env.scope.child('function');
    for (const [k, v] of Object.entries(locals)) scope.define(k, v);
    const fnEnv: Env = { ...env, scope };
    await defineParameters(target, bound, binder, fnEnv, scope);
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
      yield* body(binding, { input: upstream ? await collect(upstream) : [] });
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
  private confirmedAll: boolean | undefined;
  constructor(
    private readonly decl: CmdletDeclaration,
    private readonly binding: Binding,
    private readonly env: Env,
    private readonly span: SourceSpan,
    readonly expectingInput: boolean,
  ) {
    this.boundParameters = binding.bound;
    this.state = decl.state?.();
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
    const preference = toStr(this.env.scope.get('ErrorActionPreference'));
    const action = this.binding.common.errorAction ?? ERROR_ACTIONS.find((a) => a.toLowerCase() === preference.toLowerCase()) ?? 'Continue';
    if (action === 'Stop') throw new RuntimeError(record, true);
    this.env.session.reportError(record, action === 'SilentlyContinue');
  }
  error(error: ErrorInit): RuntimeError {
    return new RuntimeError(this.record(error));
  }
  stopUpstream(): never {
    throw new StopUpstreamSignal();
  }
  writeWarning(message: string): void {
    this.env.session.warn(message, null);
  }
  writeVerbose(message: string): void {
    const preference = toStr(this.env.scope.get('VerbosePreference')).toLowerCase();
    if (this.binding.common.verbose || preference === 'continue') this.env.session.host.writeVerbose(message);
  }
  writeHost(text: string, options: { noNewline?: boolean } = {}): void {
    this.env.session.host.writeHost(text, options.noNewline ?? false);
  }
  async shouldProcess(target: string, action: string, options: { force?: boolean } = {}): Promise<boolean> {
    const { whatIf, confirm } = this.binding.common;
    if (whatIf || (toBool(this.env.scope.get('WhatIfPreference')) && !this.binding.bound.has('WhatIf'))) {
      this.env.session.host.writeHost(`What if: Performing the operation "${action}" on target "${target}".`, false);
      return false;
    }
    const preference = toStr(this.env.scope.get('ConfirmPreference')).toLowerCase();
    const levels = ['none', 'low', 'medium', 'high'];
    const impact = this.decl.impact ?? 'medium';
    const byImpact = preference !== 'none' && levels.indexOf(impact) >= levels.indexOf(preference) && !options.force;
    if (!(confirm ?? byImpact)) return true;
    if (this.confirmedAll !== undefined) return this.confirmedAll;
    const host = this.env.session.host;
    if (!host.confirm) {
      throw this.error({
        id: 'ConfirmationRequired',
        category: 'PermissionDenied',
        message: `${this.decl.name} needs confirmation to ${action.toLowerCase()} "${target}", and there is no terminal to ask on.`,
        target,
        hint: `Add ${'force' in options ? '-Force or ' : ''}-Confirm:$false to go ahead without asking, or -WhatIf to see what it would do.`,
      });
    }
    const answer = await host.confirm(confirmQuestion(action, target));
    if (answer === 'Cancel' || this.env.signal.aborted) throw new PipelineStoppedError();
    if (answer === 'YesToAll' || answer === 'NoToAll') this.confirmedAll = answer === 'YesToAll';
    return answer === 'Yes' || answer === 'YesToAll';
  }
  invoke(block: ScriptBlock, options?: InvokeOptions): AsyncIterable<unknown> {
    return invokeScriptBlock(block, this.env, options);
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
  listVariables() {
    return this.env.scope.list();
  }
  resolvePath(path: string): string {
    if (path.includes('\0')) throw this.error({ id: 'InvalidPath', category: 'InvalidArgument', message: `The path '${path.replaceAll('\0', '\\0')}' holds a NUL character, which no file name can.`, target: path });
    return resolve(this.env.session.cwd, path);
  }
  listCommands() {
    return this.env.session.listCommands(this.env.scope);
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
    if (formatsText && typeof item === 'string') env.session.formattedText.add(item);
    if (outVariable) collected.push(item);
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
          if (env.signal.aborted) throw new PipelineStoppedError();
          const perItem = binder.bindInput(binding, item, span);
          if (perItem instanceof ErrorRecord) {
            ctx.writeError(perItem);
            continue;
          }
          const processed = start(decl.process, binder.finalValues(perItem));
          if (processed instanceof Promise) await processed;
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
    if (outVariable) env.scope.setLocal(outVariable, collected);
  }
}
