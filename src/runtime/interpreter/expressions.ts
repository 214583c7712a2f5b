// Expressions that may need awaiting (a statement, a command, a method or a script block inside);
// evaluateNow (sync.ts) takes the others.
import type { Expression, SourceSpan } from '../../language/ast.js';
import { runtimeError } from '../errors.js';
import { hasScriptMethod, intrinsicMethod } from '../intrinsics.js';
import { arithmetic, numericOperand, regex } from '../operators.js';
import { allMatches, splitAt } from '../regex.js';
import { LoopEnumerator } from '../enumerator.js';
import { DotNetException, exceptionTypeNamed, newException } from '../exceptions.js';
import { ScriptBlock } from '../scriptblock.js';
import { TypeRef, callMethod, callStatic } from '../types.js';
import { ConversionError, Hashtable, enumerate, toBool, toNumber, toStr, unwrap } from '../values.js';
import { type Env, collect, guard } from './env.js';
import {
  isSync,
  takesScriptBlock,
  expandedText,
  evaluateNow,
  memberValue,
  strictIndex,
  incrementOperators,
  unaryValue,
  undecided,
  shortCircuit,
  binaryValue,
  castValue,
} from './sync.js';
import { ScriptCmdlet } from './should-process.js';
import { collectScriptBlock } from './blocks.js';
import { executeStatements, assignTo, statementValue } from './statements.js';

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
