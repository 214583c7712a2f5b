// Statements: statement lists and their traps, assignment, if, loops, switch, return, exit,
// throw, try/catch/finally.
import type { Assignment, AttributeNode, Expression, Pipeline, PipelineChain, SourceSpan, Statement, TrapStatement } from '../../language/ast.js';
import {
  BreakSignal,
  ContinueSignal,
  ErrorRecord,
  ExitSignal,
  PipelineStoppedError,
  ReturnSignal,
  RuntimeError,
  resourceError,
  runtimeError,
} from '../errors.js';
import { binaryOperator } from '../operators.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LoopEnumerator } from '../enumerator.js';
import { validationRules } from '../paramblock.js';
import { validationProblemNow } from '../validation.js';
import { DotNetException, exceptionTypeNamed } from '../exceptions.js';
import { ScriptBlock } from '../scriptblock.js';
import { ConversionError, Hashtable, enumerate, toBool, toNumber, toStr, unwrap } from '../values.js';
import { runner, type Env, type Output, checkpoint, collect, guard, asRuntimeError } from './env.js';
import { reportable, runSyncStatement, distribute, setVariable, combined, store, loneExpression, isSyncStatement } from './sync.js';
import { blockScope, collectScriptBlock } from './blocks.js';

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
        const value = await runner.evaluate(lone, env);
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

function executeStatement(statement: Statement, env: Env): Output {
  switch (statement.kind) {
    case 'Pipeline':
      return runner.runPipeline(statement, env);
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
  yield* chain.left.kind === 'Pipeline' ? runner.runPipeline(chain.left, env) : runChain(chain.left, env);
  const succeeded = env.session.errorCount === before && env.session.lastSuccess;
  if (chain.operator === '&&' ? succeeded : !succeeded) yield* runner.runPipeline(chain.right, env);
}

async function* runAssignment(statement: Assignment, env: Env): Output {
  await assign(statement, env);
}

async function assign(statement: Assignment, env: Env): Promise<void> {
  if (statement.operator === '??=') {
    const current = await runner.evaluate(statement.target, env);
    if (current !== null && current !== undefined) return;
  }
  let value = await statementValue(statement.value, env);
  if (statement.operator !== '=') value = combined(statement, await runner.evaluate(statement.target, env), value);
  if (statement.attributes && statement.target.kind === 'Variable') {
    setVariable(statement.target, value, env, statement.typeConstraint, await variableCheck(statement.target.name, statement.attributes, env));
    return;
  }
  await assignTo(statement.target, value, env, statement.typeConstraint);
}

export async function assignTo(target: Assignment['target'], value: unknown, env: Env, typeConstraint?: string): Promise<void> {
  if (target.kind === 'Variable') {
    setVariable(target, value, env, typeConstraint);
    return;
  }
  if (target.kind === 'ArrayLiteral') {
    const parts = distribute(target.elements.length, value);
    for (const [i, element] of target.elements.entries()) await assignTo(element as Assignment['target'], parts[i], env);
    return;
  }
  const object = await runner.evaluate(target.object, env);
  store(target, object, target.kind === 'Member' ? (typeof target.member === 'string' ? target.member : toStr(await runner.evaluate(target.member, env))) : await runner.evaluate(target.index, env), value);
}

/**
 * The check a variable's validation attributes make of every value it is given (about_Functions_Advanced_Parameters:
 * "validation attributes on variables"): PowerShell's ValidationMetadataException when one fails. Its
 * [ValidateScript()] runs synchronously, so it must be one expression (`{ $_ -gt 0 }`).
 */
async function variableCheck(name: string, attributes: readonly AttributeNode[], env: Env): Promise<(value: unknown) => void> {
  const rules = await validationRules(attributes, (e) => runner.evaluate(e, env));
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

async function* runIf(statement: Extract<Statement, { kind: 'If' }>, env: Env): Output {
  for (const clause of statement.clauses) {
    if (toBool(await statementValue(clause.condition, env))) {
      yield* executeStatements(clause.body.statements, env);
      return;
    }
  }
  if (statement.elseBody) yield* executeStatements(statement.elseBody.statements, env);
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
  const value = await runner.evaluate(condition, env);
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
  if (value) yield* value.kind === 'Pipeline' ? runner.runPipeline(value, env) : runChain(value, env);
  throw new ReturnSignal();
}

async function* runExit(code: Expression | null, env: Env): Output {
  const value = code ? await runner.evaluate(code, env) : 0;
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

/** The value of a statement used as an expression: a lone expression keeps its value (arrays stay arrays); pipelines collect. */
export async function statementValue(statement: Statement, env: Env): Promise<unknown> {
  const lone = loneExpression(statement);
  if (lone !== undefined) return runner.evaluate(lone, env);
  if (statement.kind === 'Assignment') {
    await assign(statement, env);
    return runner.evaluate(statement.target, env);
  }
  return unwrap(await collect(executeStatement(statement, env)));
}
