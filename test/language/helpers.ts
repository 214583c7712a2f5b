import assert from 'node:assert/strict';
import type { Expression, Statement } from '../../src/language/ast.js';
import { parseScript, ScriptSyntaxError } from '../../src/language/index.js';
import { TypedNumber } from '../../src/language/numbers.js';

/** A copy without `span` / `source` / `text` keys, for comparing structure. */
export function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value instanceof TypedNumber) return value;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'span' && key !== 'source')
        .map(([key, v]) => [key, strip(v)]),
    );
  }
  return value;
}

export function body(source: string): unknown[] {
  return strip(parseScript(source).body) as unknown[];
}

/** The single expression of a one-statement script. */
export function expr(source: string): unknown {
  const [statement] = parseScript(source).body as Statement[];
  assert.equal(statement?.kind, 'Pipeline');
  if (statement?.kind !== 'Pipeline') throw new Error('not a pipeline');
  const [element] = statement.elements;
  assert.equal(element?.kind, 'ExpressionElement');
  return strip((element as { expression: Expression }).expression);
}

export function syntaxError(source: string, file = 'test.mcs'): ScriptSyntaxError {
  try {
    parseScript(source, file);
  } catch (error) {
    if (error instanceof ScriptSyntaxError) return error;
    throw error;
  }
  assert.fail(`expected a syntax error for ${JSON.stringify(source)}`);
}

// Small AST constructors (span-free) for expected values.
export const num = (value: number | bigint | TypedNumber, raw = String(value)) => ({ kind: 'Number', value, raw });
export const str = (value: string, quote = 'single') => ({ kind: 'String', value, quote });
export const bare = (value: string) => str(value, 'bare');
export const v = (name: string, scope: string | null = null) => ({ kind: 'Variable', name, scope });
export const bin = (operator: string, left: unknown, right: unknown) => ({ kind: 'Binary', operator, left, right });
export const un = (operator: string, operand: unknown) => ({ kind: 'Unary', operator, operand });
export const arr = (...elements: unknown[]) => ({ kind: 'ArrayLiteral', elements });
export const el = (expression: unknown) => ({ kind: 'ExpressionElement', expression });
export const pipe = (...elements: unknown[]) => ({ kind: 'Pipeline', elements });
export const exprPipe = (expression: unknown) => pipe(el(expression));
export const cmd = (name: unknown, ...args: unknown[]) => ({ kind: 'Command', name, invoked: typeof name !== 'string', dotSource: false, args });
export const pos = (value: unknown) => ({ kind: 'PositionalArgument', value });
export const param = (name: string, value: unknown = null) => ({ kind: 'ParameterArgument', name, value });
