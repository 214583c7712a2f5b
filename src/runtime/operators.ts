// PowerShell's operator semantics: the left operand's type drives conversion, string comparison
// is case-insensitive unless the `-c` form is used, an array on the left filters.
import { TimeSpan, Version, asTimeSpan } from './dotnet.js';
import { TypedConversionError } from './exceptions.js';
import { dotNetRegex, replaceMatches, splitByPattern, splitOptions, substitute } from './regex.js';
import { formatOperator } from './textformat.js';
import { ConversionError, Hashtable, enumerate, roundHalfEven, toBool, toNumber, toStr, tryToDate, tryToNumber } from './values.js';
import { matchesWildcard } from './wildcard.js';

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'like', 'notlike', 'match', 'notmatch', 'contains', 'notcontains', 'in', 'notin', 'replace', 'split']);

/** `-ceq` → `{ base: 'eq', caseSensitive: true }`; `-ieq` / `-eq` are case-insensitive. */
export function parseComparison(operator: string): { base: string; caseSensitive: boolean } | null {
  const name = operator.slice(1).toLowerCase();
  if (COMPARISONS.has(name)) return { base: name, caseSensitive: false };
  if ((name[0] === 'c' || name[0] === 'i') && COMPARISONS.has(name.slice(1))) return { base: name.slice(1), caseSensitive: name[0] === 'c' };
  return null;
}

// ICU's order of the printable ASCII characters, case aside: strings made only of them are compared
// here, so that the commonest comparisons (names, words) do not pay for a collator.
const PRIMARY = new Uint8Array(128);
[...' _-,;:!?.\'"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz'].forEach((c, i) => {
  PRIMARY[c.charCodeAt(0)] = PRIMARY[c.toUpperCase().charCodeAt(0)] = i + 1;
});
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** What the ICU collators below answer for two printable-ASCII strings. */
function compareAscii(a: string, b: string, caseSensitive: boolean): number {
  let caseOrder = 0;
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (PRIMARY[x] !== PRIMARY[y]) return PRIMARY[x]! < PRIMARY[y]! ? -1 : 1;
    // The same letter in another case: lowercase first, when nothing else differs.
    caseOrder ||= x > y ? -1 : 1;
  }
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return caseSensitive ? caseOrder : 0;
}

// Created on first use: building an ICU collator costs ~10 ms of start-up.
let insensitive: Intl.Collator | undefined;
let sensitive: Intl.Collator | undefined;

export function compareStrings(a: string, b: string, caseSensitive = false): number {
  if (PRINTABLE_ASCII.test(a) && PRINTABLE_ASCII.test(b)) return compareAscii(a, b, caseSensitive);
  if (caseSensitive) return (sensitive ??= new Intl.Collator('en', { sensitivity: 'variant', caseFirst: 'lower' })).compare(a, b);
  return (insensitive ??= new Intl.Collator('en', { sensitivity: 'accent' })).compare(a, b);
}

/** A value type's own equality (type objects: `$x.GetType() -eq [int]`), for classes this module cannot import. */
export const EQUALS = Symbol.for('mcshell.equals');

export function valuesEqual(left: unknown, right: unknown, caseSensitive = false): boolean {
  if (left === null || left === undefined) return right === null || right === undefined;
  if (right === null || right === undefined) return false;
  if (typeof left === 'string') {
    const r = toStr(right);
    if (caseSensitive || left === r) return left === r;
    return left.length === r.length && (left.toLowerCase() === r.toLowerCase() || compareStrings(left, r) === 0);
  }
  if (typeof left === 'number') {
    const r = typeof right === 'number' ? right : tryToNumber(right);
    return r !== undefined && left === r;
  }
  if (typeof left === 'boolean') return left === toBool(right);
  if (left instanceof Date) {
    const r = tryToDate(right);
    return r !== undefined && r.getTime() === left.getTime();
  }
  if (left instanceof TimeSpan) return right instanceof TimeSpan && left.ticks === right.ticks;
  if (left instanceof Version) return left.compareTo(right instanceof Version ? right : Version.parse(toStr(right))) === 0;
  if (typeof left === 'object' && EQUALS in left) return (left as { [EQUALS](other: unknown): boolean })[EQUALS](right);
  return left === right;
}

/** Ordering with the left operand's type; null sorts first. */
export function compareValues(left: unknown, right: unknown, caseSensitive = false): number {
  const lNull = left === null || left === undefined;
  const rNull = right === null || right === undefined;
  if (lNull || rNull) return lNull && rNull ? 0 : lNull ? -1 : 1;
  if (typeof left === 'number' || typeof left === 'boolean') {
    const l = Number(left);
    const r = tryToNumber(right);
    if (r === undefined) return compareStrings(toStr(left), toStr(right), caseSensitive);
    return l < r ? -1 : l > r ? 1 : 0;
  }
  if (left instanceof Date) {
    const r = tryToDate(right);
    if (r) return Math.sign(left.getTime() - r.getTime());
  }
  if (left instanceof TimeSpan && right instanceof TimeSpan) return Math.sign(left.ticks - right.ticks);
  if (left instanceof Version) return left.compareTo(right instanceof Version ? right : Version.parse(toStr(right)));
  return compareStrings(toStr(left), toStr(right), caseSensitive);
}

/** Named groups and numbered groups as the `$Matches` hashtable. */
function matchesTable(m: RegExpExecArray): Hashtable {
  const table = new Hashtable();
  m.forEach((v, i) => {
    if (v !== undefined) table.set(i, v);
  });
  for (const [name, v] of Object.entries(m.groups ?? {})) if (v !== undefined) table.set(name, v);
  return table;
}

/**
 * A .NET pattern as a JavaScript RegExp, case-insensitive unless asked (regex.ts translates). The
 * global one is shared (cached); a non-global one is the caller's own.
 */
export function regex(pattern: unknown, caseSensitive: boolean, global = true): RegExp {
  const re = dotNetRegex(toStr(pattern), { ignoreCase: !caseSensitive });
  return global ? re : new RegExp(re.source, re.flags.replace('g', ''));
}

function scalarComparison(base: string, left: unknown, right: unknown, cs: boolean, onMatch: ((m: Hashtable) => void) | null): boolean {
  switch (base) {
    case 'eq':
      return valuesEqual(left, right, cs);
    case 'ne':
      return !valuesEqual(left, right, cs);
    case 'gt':
      return compareValues(left, right, cs) > 0;
    case 'ge':
      return compareValues(left, right, cs) >= 0;
    case 'lt':
      return compareValues(left, right, cs) < 0;
    case 'le':
      return compareValues(left, right, cs) <= 0;
    case 'like':
      return matchesWildcard(toStr(left), toStr(right), cs);
    case 'notlike':
      return !matchesWildcard(toStr(left), toStr(right), cs);
    case 'match':
    case 'notmatch': {
      const m = regex(right, cs).exec(toStr(left));
      if (m && onMatch) onMatch(matchesTable(m));
      return base === 'match' ? m !== null : m === null;
    }
  }
  throw new ConversionError(`Unknown comparison -${base}.`);
}


export function comparison(operator: string, left: unknown, right: unknown, setMatches: (m: Hashtable) => void): unknown {
  const parsed = parseComparison(operator);
  if (!parsed) throw new ConversionError(`Unknown operator ${operator}.`);
  const { base, caseSensitive: cs } = parsed;
  switch (base) {
    case 'contains':
      return enumerate(left).some((l) => valuesEqual(l, right, cs));
    case 'notcontains':
      return !enumerate(left).some((l) => valuesEqual(l, right, cs));
    case 'in':
      return enumerate(right).some((r) => valuesEqual(r, left, cs));
    case 'notin':
      return !enumerate(right).some((r) => valuesEqual(r, left, cs));
    case 'replace': {
      // about_Comparison_Operators, Replacement operator: .NET substitutions ($0, ${name}); no substitute removes.
      const [pattern, by = ''] = Array.isArray(right) ? right : [right];
      const template = toStr(by);
      const apply = (v: unknown) => {
        const text = toStr(v);
        return replaceMatches(text, regex(pattern, cs), (m) => substitute(template, m, text));
      };
      return Array.isArray(left) ? left.map(apply) : apply(left);
    }
    case 'split': {
      // about_Split: <delimiter>[, <max-substrings>[, "<options>"]].
      const [pattern, max = 0, options] = Array.isArray(right) ? right : [right];
      const parsed = splitOptions(options, cs);
      const count = Math.trunc(toNumber(max));
      return enumerate(left).flatMap((v) => splitByPattern(toStr(v), toStr(pattern), count, parsed));
    }
  }
  if (Array.isArray(left)) return left.filter((l) => scalarComparison(base, l, right, cs, null));
  return scalarComparison(base, left, right, cs, setMatches);
}

function addHashtables(left: Hashtable, right: unknown): Hashtable {
  if (!(right instanceof Hashtable)) throw new ConversionError('A hashtable can only be added to another hashtable.');
  const result = Hashtable.fromEntries(left.entries());
  for (const [k, v] of right.entries()) {
    if (result.has(k)) throw new ConversionError(`Item has already been added. Key in dictionary: '${toStr(k)}'.`);
    result.set(k, v);
  }
  return result;
}

function repeat<T>(items: T[], times: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < times; i++) out.push(...items);
  return out;
}

function divideByZero(): TypedConversionError {
  return new TypedConversionError('Attempted to divide by zero.', 'System.DivideByZeroException');
}

export function arithmetic(operator: string, left: unknown, right: unknown): unknown {
  if (operator === '+') {
    if (left === null || left === undefined) return right;
    if (Array.isArray(left)) return [...left, ...(Array.isArray(right) ? right : [right])];
    if (left instanceof Hashtable) return addHashtables(left, right);
    if (typeof left === 'string') return left + toStr(right);
    // A date plus a TimeSpan (or a number of ticks, as [datetime] + [long] in .NET).
    if (left instanceof Date) return new Date(left.getTime() + (right instanceof TimeSpan ? right.totalMilliseconds : toNumber(right) / 10_000));
    if (left instanceof TimeSpan) return new TimeSpan(left.ticks + asTimeSpan(right).ticks);
    return toNumber(left) + toNumber(right);
  }
  if (operator === '*') {
    // $null times anything is $null (Binders.cs BinaryMultiply).
    if (left === null || left === undefined) return null;
    if (typeof left === 'string') return left.repeat(Math.max(0, toNumber(right)));
    if (Array.isArray(left)) return repeat(left, toNumber(right));
    return toNumber(left) * toNumber(right);
  }
  // Date minus date is a TimeSpan; minus a TimeSpan, a date.
  if (operator === '-' && left instanceof Date) {
    if (right instanceof TimeSpan) return new Date(left.getTime() - right.totalMilliseconds);
    const d = tryToDate(right);
    return d ? TimeSpan.fromMilliseconds(left.getTime() - d.getTime()) : new Date(left.getTime() - toNumber(right) / 10_000);
  }
  if (operator === '-' && left instanceof TimeSpan) return new TimeSpan(left.ticks - asTimeSpan(right).ticks);
  const l = toNumber(left);
  const r = toNumber(right);
  switch (operator) {
    case '-':
      return l - r;
    case '/':
      if (r === 0) throw divideByZero();
      return l / r;
    case '%':
      if (r === 0) throw divideByZero();
      return l % r;
  }
  throw new ConversionError(`Unknown operator ${operator}.`);
}

/** `'a'..'e'`: single characters give a range of characters (PowerShell 7). */
function isChar(value: unknown): value is string {
  return typeof value === 'string' && value.length === 1 && !/\d/.test(value);
}

export function range(from: unknown, to: unknown): unknown[] {
  if (isChar(from) && isChar(to)) return range(from.charCodeAt(0), to.charCodeAt(0)).map((code) => String.fromCharCode(code as number));
  const a = Math.trunc(toNumber(from));
  const b = Math.trunc(toNumber(to));
  const count = Math.abs(b - a) + 1;
  if (count > 50_000_000) throw new ConversionError(`The range ${a}..${b} is too large.`);
  const step = a <= b ? 1 : -1;
  return Array.from({ length: count }, (_, i) => a + i * step);
}

const isInt32 = (n: number) => n >= -2147483648 && n <= 2147483647;

/** An operand of a bitwise operator: a whole number (doubles round half to even, as .NET converts them). */
function bitwiseOperand(value: unknown): number {
  const n = toNumber(value);
  if (!Number.isFinite(n)) throw new ConversionError(`Cannot convert value "${toStr(value)}" to an integer.`);
  return roundHalfEven(n);
}

/**
 * `-band -bor -bxor -shl -shr` on Int32 when both operands fit, else Int64; shift counts are masked
 * to the width as .NET does (`21 -shr 33` is `21 -shr 1`). about_Arithmetic_Operators, Bitwise operators.
 */
export function bitwise(operator: string, left: unknown, right: unknown): number {
  const l = bitwiseOperand(left);
  const r = bitwiseOperand(right);
  const shift = operator === '-shl' || operator === '-shr';
  const bits = isInt32(l) && (shift || isInt32(r)) ? 32 : 64;
  const a = BigInt(l);
  const b = BigInt(r);
  let result: bigint;
  switch (operator) {
    case '-band':
      result = a & b;
      break;
    case '-bor':
      result = a | b;
      break;
    case '-bxor':
      result = a ^ b;
      break;
    default: {
      const count = b & BigInt(bits - 1);
      result = operator === '-shl' ? a << count : a >> count;
    }
  }
  return Number(BigInt.asIntN(bits, result));
}

/** `-bnot`: the complement in Int32, or Int64 for larger values. */
export function bitwiseNot(value: unknown): number {
  const n = bitwiseOperand(value);
  return Number(BigInt.asIntN(isInt32(n) ? 32 : 64, ~BigInt(n)));
}

export function binaryOperator(operator: string, left: unknown, right: unknown, setMatches: (m: Hashtable) => void): unknown {
  switch (operator) {
    case '-band':
    case '-bor':
    case '-bxor':
    case '-shl':
    case '-shr':
      return bitwise(operator, left, right);
    case '??':
      return left ?? right;
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return arithmetic(operator, left, right);
    case '..':
      return range(left, right);
    case '-f':
      return formatOperator(toStr(left), Array.isArray(right) ? right : [right]);
    case '-join':
      return enumerate(left).map(toStr).join(toStr(right));
    case '-and':
      return toBool(left) && toBool(right);
    case '-or':
      return toBool(left) || toBool(right);
    case '-xor':
      return toBool(left) !== toBool(right);
  }
  return comparison(operator, left, right, setMatches);
}
