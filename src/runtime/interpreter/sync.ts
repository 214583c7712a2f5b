// Synchronous evaluation: expressions, assignments and statements that need no awaiting.
// Most expressions run no statement, command or method (which could call a script block), so
// nothing in them needs awaiting. Evaluating those synchronously spares a promise per node, and a
// script block that is one such expression (a Where-Object filter) runs without generators.
import type { Assignment, Expression, SourceSpan, Statement } from '../../language/ast.js';
import { PipelineStoppedError, RuntimeError, runtimeError } from '../errors.js';
import { arithmetic, binaryOperator, bitwiseNot } from '../operators.js';
import { Char } from '../char.js';
import { splitWhitespace } from '../regex.js';
import { onDrive, setEnvironment } from '../drives.js';
import { ScriptBlock } from '../scriptblock.js';
import { TypeRef, cast, getStatic, isType } from '../types.js';
import { psTypeNames } from '../typeinfo.js';
import { ConversionError, Hashtable, hasProperty, enumerate, getMember, isPlainObject, setMember, toBool, toNumber, toStr } from '../values.js';
import { type Env, guard, lookupVariable } from './env.js';

/** The expression of a pipeline that is just one expression. */
export function loneExpression(statement: Statement): Expression | undefined {
  if (statement.kind !== 'Pipeline' || statement.elements.length !== 1) return undefined;
  const element = statement.elements[0]!;
  return element.kind === 'ExpressionElement' ? element.expression : undefined;
}

/**
 * Whether `expr` can be evaluated by evaluateNow. Worked out each time rather than cached per node:
 * the walk reads a few fields of the nodes evaluation visits anyway, and most code of a script runs
 * once, where a cache (a WeakMap keyed by node) cost more than all the walks it spared.
 */
export function isSync(expr: Expression): boolean {
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
export const takesScriptBlock = new Set(['-split', '-csplit', '-isplit', '-replace', '-creplace', '-ireplace']);

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
export function isSyncStatement(statement: Statement): boolean {
  // `??=` evaluates its value only when the target is $null: assign() does that.
  // A declaration with validation attributes works them out first (assign()).
  if (statement.kind === 'Assignment') return statement.operator !== '??=' && !statement.attributes && syncExpression(statement.value) !== undefined && (statement.target.kind === 'Variable' || isSync(statement.target));
  return syncExpression(statement) !== undefined;
}

/** A value inside "…": arrays joined with $OFS (a space when it is not set), as PowerShell expands them. */
export function expandedText(value: unknown, env: Env): string {
  if (!Array.isArray(value)) return toStr(value);
  const separator = env.scope.has('OFS') ? toStr(env.scope.get('OFS')) : ' ';
  return value.map(toStr).join(separator);
}

/** evaluate() for an expression where isSync holds. */
export function evaluateNow(expr: Expression, env: Env): unknown {
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

export function memberValue(expr: { isStatic: boolean; span: SourceSpan }, object: unknown, name: string, env: Env): unknown {
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
export function strictIndex(expr: Extract<Expression, { kind: 'Index' }>, object: unknown, index: unknown, env: Env): unknown {
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

export const incrementOperators = new Set(['++', '--', 'post++', 'post--']);

export function unaryValue(expr: Extract<Expression, { kind: 'Unary' }>, value: unknown): unknown {
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
export const undecided = Symbol('undecided');

/** The value of `-and` / `-or` / `??` when the left operand decides it, else `undecided`. */
export function shortCircuit(expr: Extract<Expression, { kind: 'Binary' }>, left: unknown): unknown {
  const op = expr.operator;
  if (op === '-and' && !toBool(left)) return false;
  if (op === '-or' && toBool(left)) return true;
  if (op === '??' && left !== null && left !== undefined) return left;
  return undecided;
}

export function binaryValue(expr: Extract<Expression, { kind: 'Binary' }>, left: unknown, right: unknown, env: Env): unknown {
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

export function castValue(expr: Extract<Expression, { kind: 'Cast' }>, value: unknown): unknown {
  return guard(expr.span, 'InvalidCastConversion', () => cast(expr.type, value), 'InvalidArgument');
}

// Statements that need no awaiting: a lone synchronous expression, or an assignment of one.

/**
 * A statement-terminating error that the statement list reports and continues past; with
 * `$ErrorActionPreference = 'Stop'` it ends the script instead (about_Preference_Variables).
 */
export function reportable(e: unknown, env: Env): e is RuntimeError {
  return e instanceof RuntimeError && !e.scriptTerminating && !env.inTry && toStr(lookupVariable('ErrorActionPreference', env)).toLowerCase() !== 'stop';
}

/**
 * Runs a statement for which isSyncStatement holds, exactly as executeStatements would, and
 * returns its output value (undefined for an assignment or after a reported error).
 */
export function runSyncStatement(statement: Statement, env: Env): unknown {
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
export function combined(statement: Assignment, current: unknown, value: unknown): unknown {
  if (statement.operator === '=' || statement.operator === '??=') return value;
  return guard(statement.span, 'InvalidOperation', () => arithmetic(statement.operator[0]!, current, value));
}

/** `$a, $b, $c = 1, 2, 3, 4`: one value each, the last takes the rest (about_Assignment_Operators, Assigning multiple variables). */
export function distribute(count: number, value: unknown): unknown[] {
  const items = Array.isArray(value) ? value : [value];
  const parts = items.slice(0, count - 1);
  while (parts.length < count - 1) parts.push(null);
  const rest = items.slice(count - 1);
  parts.push(rest.length === 0 ? null : rest.length === 1 ? rest[0] : rest);
  return parts;
}

/** Sets a variable; `[int]$x = …` makes `int` its type, and a typed variable converts what it is given. */
export function setVariable(target: Extract<Expression, { kind: 'Variable' }>, value: unknown, env: Env, typeConstraint?: string, check?: (value: unknown) => void): void {
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

/** Sets a property (`key`: its name) or an element (`key`: the index) of `object`. */
export function store(target: Extract<Assignment['target'], { kind: 'Member' | 'Index' }>, object: unknown, key: unknown, value: unknown): void {
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
