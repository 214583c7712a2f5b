// Type literals (`[int]`, `[Math]`), casts, `-is` / `-as`, and the common .NET methods and static
// members scripts use (`.ToUpper()`, `.Split()`, `[Math]::Round()`, `[string]::IsNullOrEmpty()`).
import { basename, dirname, extname, join } from 'node:path';
import { DOTNET_TYPE, NO_METHOD, Regex, TimeSpan, asTimeSpan, callDotNetStatic, castDotNet, getDotNetStatic, hasMethods } from './dotnet.js';
import { EQUALS, compareValues, regex, valuesEqual } from './operators.js';
import { ScriptBlock } from './scriptblock.js';
import { formatDate, formatNumber, formatOperator } from './textformat.js';
import { fullTypeName, hasTypeName, resolveTypeName, shortTypeName, typeProperties } from './typeinfo.js';
import {
  ConversionError,
  Hashtable,
  enumerate,
  withTypeName,
  isPlainObject,
  PROPERTIES_OF,
  hasProperty,
  roundHalfEven,
  toBool,
  toInt,
  toNumber,
  toStr,
  tryToDate,
} from './values.js';

/** The value of a type literal such as `[Math]`. */
export class TypeRef {
  constructor(readonly name: string) {}
  toString(): string {
    return this.name;
  }
  /** `[int] -eq [System.Int32]`: the same type, however written. */
  [EQUALS](other: unknown): boolean {
    return other instanceof TypeRef && resolveTypeName(other.name).toLowerCase() === resolveTypeName(this.name).toLowerCase();
  }
  /** The type object's properties (`[int].Name` is Int32, `.FullName` System.Int32). */
  toJSON(): Record<string, unknown> {
    return typeProperties(resolveTypeName(this.name));
  }
}

export function normaliseTypeName(type: string): string {
  return type.toLowerCase().replace(/^system\./, '');
}

const INT_TYPES = new Set(['int', 'int32', 'int64', 'long', 'int16', 'short', 'byte', 'uint32', 'uint64', 'uint16', 'sbyte']);
const FLOAT_TYPES = new Set(['double', 'float', 'single', 'decimal']);

/** `[type]value`. Throws ConversionError for a value that does not convert. */
export function cast(type: string, value: unknown): unknown {
  const t = normaliseTypeName(type);
  if (t.endsWith('[]')) {
    const element = t.slice(0, -2);
    const items = enumerate(value);
    if (element === 'object') return [...items];
    // A typed array reports its type (Int32[]); operations that copy it make Object[] again.
    const typed = items.map((v) => cast(element, v));
    Object.defineProperty(typed, DOTNET_TYPE, { value: resolveTypeName(type), enumerable: false });
    return typed;
  }
  if (INT_TYPES.has(t)) return toInt(value);
  if (FLOAT_TYPES.has(t)) return toNumber(value);
  switch (t) {
    case 'string':
      return value === null || value === undefined ? '' : toStr(value);
    case 'bool':
    case 'boolean':
    case 'switch':
      return toBool(value);
    case 'char':
      return typeof value === 'number' ? String.fromCharCode(value) : toStr(value).charAt(0);
    case 'array':
      return [...enumerate(value)];
    case 'hashtable':
      if (value instanceof Hashtable) return value;
      if (isPlainObject(value)) return Hashtable.fromEntries(Object.entries(value));
      break;
    case 'ordered': {
      const entries = value instanceof Hashtable ? value.entries() : isPlainObject(value) ? Object.entries(value) : null;
      if (!entries) break;
      const ordered = Hashtable.fromEntries(entries);
      ordered.ordered = true;
      return ordered;
    }
    case 'pscustomobject':
    case 'psobject':
      if (value instanceof Hashtable) {
        // A `pstypename` key names the object's type instead of becoming a property.
        const typeKey = value.keys().find((k) => toStr(k).toLowerCase() === 'pstypename');
        const entries = value.entries().filter(([k]) => k !== typeKey);
        const object = Object.fromEntries(entries.map(([k, v]) => [toStr(k), v]));
        return typeKey === undefined ? object : withTypeName(object, toStr(value.get(typeKey)));
      }
      return value;
    case 'datetime': {
      const d = tryToDate(value);
      if (d) return d;
      break;
    }
    case 'regex':
    case 'text.regularexpressions.regex':
      if (value instanceof Regex) return value;
      return new Regex(toStr(value), (global) => regex(toStr(value), false, global));
    case 'object':
      return value;
    case 'scriptblock':
      if (value instanceof ScriptBlock) return value;
      break;
    case 'void':
      return undefined;
    default: {
      const converted = castDotNet(type, value, cast);
      if (converted !== NO_METHOD) return converted;
      throw new ConversionError(`Unable to find type [${type}].`);
    }
  }
  throw new ConversionError(`Cannot convert "${toStr(value)}" to type [${type}].`);
}

export function isType(value: unknown, type: string): boolean {
  const t = normaliseTypeName(type);
  if (t.endsWith('[]') || t === 'array') return Array.isArray(value);
  if (INT_TYPES.has(t)) return typeof value === 'number' && Number.isInteger(value);
  if (FLOAT_TYPES.has(t)) return typeof value === 'number';
  switch (t) {
    case 'string':
      return typeof value === 'string';
    case 'bool':
    case 'boolean':
      return typeof value === 'boolean';
    case 'hashtable':
      return value instanceof Hashtable;
    case 'pscustomobject':
      return isPlainObject(value);
    case 'datetime':
      return value instanceof Date;
    case 'scriptblock':
      return value instanceof ScriptBlock;
    case 'object':
    case 'psobject':
      return value !== null && value !== undefined;
  }
  return hasTypeName(value, type);
}

/** The .NET-style type name of a value (for `.GetType().Name`). */
export function dotNetTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'Null';
  return shortTypeName(fullTypeName(value));
}

function roundTo(n: number, digits: number): number {
  const factor = 10 ** digits;
  return roundHalfEven(Number((n * factor).toPrecision(15))) / factor;
}

function noMethod(value: unknown, name: string): never {
  throw new ConversionError(`Method invocation failed because [${dotNetTypeName(value)}] does not contain a method named '${name}'.`);
}

const arg = (args: unknown[], i: number) => toStr(args[i]);

function stringMethod(s: string, lower: string, args: unknown[]): unknown {
  switch (lower) {
    case 'toupper':
    case 'toupperinvariant':
      return s.toUpperCase();
    case 'tolower':
    case 'tolowerinvariant':
      return s.toLowerCase();
    case 'trim':
    case 'trimstart':
    case 'trimend': {
      if (args.length === 0) return lower === 'trim' ? s.trim() : lower === 'trimstart' ? s.trimStart() : s.trimEnd();
      const chars = new Set(args.map(toStr).join(''));
      let start = 0;
      let end = s.length;
      if (lower !== 'trimend') while (start < end && chars.has(s[start]!)) start++;
      if (lower !== 'trimstart') while (end > start && chars.has(s[end - 1]!)) end--;
      return s.slice(start, end);
    }
    case 'split': {
      if (args.length === 0) return s.split(/\s/);
      const separators = enumerate(args[0]).map(toStr);
      const pattern = new RegExp(separators.map((x) => (x.length === 1 ? x : x).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
      return s.split(pattern);
    }
    case 'replace':
      return s.split(arg(args, 0)).join(arg(args, 1));
    case 'contains':
      return s.includes(arg(args, 0));
    case 'startswith':
      return s.startsWith(arg(args, 0));
    case 'endswith':
      return s.endsWith(arg(args, 0));
    case 'indexof':
      return s.indexOf(arg(args, 0), args.length > 1 ? toNumber(args[1]) : 0);
    case 'lastindexof':
      return s.lastIndexOf(arg(args, 0));
    case 'substring': {
      const start = toNumber(args[0]);
      if (start > s.length) throw new ConversionError('startIndex cannot be larger than length of string.');
      return args.length > 1 ? s.substr(start, toNumber(args[1])) : s.slice(start);
    }
    case 'padleft':
      return s.padStart(toNumber(args[0]), args.length > 1 ? arg(args, 1) : ' ');
    case 'padright':
      return s.padEnd(toNumber(args[0]), args.length > 1 ? arg(args, 1) : ' ');
    case 'insert':
      return s.slice(0, toNumber(args[0])) + arg(args, 1) + s.slice(toNumber(args[0]));
    case 'remove':
      return s.slice(0, toNumber(args[0])) + (args.length > 1 ? s.slice(toNumber(args[0]) + toNumber(args[1])) : '');
    case 'tochararray':
      return [...s];
    case 'equals':
      return s === arg(args, 0);
  }
  return noMethod(s, lower);
}

function dateMethod(d: Date, lower: string, args: unknown[]): unknown {
  const n = () => toNumber(args[0]);
  const plus = (ms: number) => new Date(d.getTime() + ms);
  switch (lower) {
    case 'adddays':
      return plus(n() * 86_400_000);
    case 'addhours':
      return plus(n() * 3_600_000);
    case 'addminutes':
      return plus(n() * 60_000);
    case 'addseconds':
      return plus(n() * 1000);
    case 'addmilliseconds':
      return plus(n());
    case 'addmonths':
    case 'addyears': {
      const copy = new Date(d);
      if (lower === 'addmonths') copy.setMonth(copy.getMonth() + n());
      else copy.setFullYear(copy.getFullYear() + n());
      return copy;
    }
    case 'touniversaltime':
    case 'tolocaltime':
      return new Date(d);
    case 'add':
      return plus(asTimeSpan(args[0]).totalMilliseconds);
    case 'addticks':
      return plus(n() / 10_000);
    case 'subtract':
      return args[0] instanceof Date ? TimeSpan.fromMilliseconds(d.getTime() - args[0].getTime()) : plus(-asTimeSpan(args[0]).totalMilliseconds);
  }
  return noMethod(d, lower);
}

const FIXED_SIZE = new Set(['add', 'addrange', 'insert', 'remove', 'removeat', 'clear']);

/**
 * Methods of an array: its own, else member enumeration (`@('a', 'b').ToUpper()` calls the
 * method on each element, as PowerShell 3+ does).
 */
function arrayMethod(items: unknown[], name: string, args: unknown[]): unknown {
  const lower = name.toLowerCase();
  if (lower === 'contains') return items.some((v) => valuesEqual(v, args[0], true));
  if (lower === 'indexof') return items.findIndex((v) => valuesEqual(v, args[0], true));
  if (lower === 'clone') return [...items];
  if (lower === 'getvalue') return items[toNumber(args[0])] ?? null;
  if (lower === 'setvalue') {
    const at = toNumber(args[1]);
    if (at < 0 || at >= items.length) throw new ConversionError(`Exception calling "SetValue" with "2" argument(s): "Index was outside the bounds of the array."`);
    items[at] = args[0];
    return undefined;
  }
  if (FIXED_SIZE.has(lower)) throw new ConversionError(`Exception calling "${name}" with "${args.length}" argument(s): "Collection was of a fixed size."`);
  if (items.length === 0) return noMethod(items, name);
  const results: unknown[] = [];
  for (const item of items) {
    const result = callMethod(item, name, args);
    // Results are unrolled one level, as property enumeration does.
    if (Array.isArray(result)) results.push(...result);
    else if (result !== undefined) results.push(result);
  }
  return results;
}

/** `$value.Method(args)` for built-in types. Script-block `.Invoke()` is handled by the interpreter. */
export function callMethod(value: unknown, name: string, args: unknown[]): unknown {
  const lower = name.toLowerCase();
  if (value === null || value === undefined) throw new ConversionError(`You cannot call a method on a null-valued expression.`);
  if (lower === 'tostring') {
    if (args.length > 0 && typeof value === 'number') return formatNumber(value, toStr(args[0]));
    if (args.length > 0 && value instanceof Date) return formatDate(value, toStr(args[0]));
    return toStr(value);
  }
  if (value === null || value === undefined) throw new ConversionError(`You cannot call a method on a null-valued expression.`);
  if (lower === 'gettype') return new TypeRef(fullTypeName(value));
  if (typeof value === 'string') return stringMethod(value, lower, args);
  if (value instanceof Date) return dateMethod(value, lower, args);
  if (hasMethods(value)) {
    const result = value.invokeMethod(lower, args);
    if (result !== NO_METHOD) return result;
  }
  if (Array.isArray(value) && PROPERTIES_OF in value && lower === 'add') {
    const property = args[0];
    if (!isPlainObject(property) || typeof property['Name'] !== 'string') throw new ConversionError('Properties.Add() takes a property: [psnoteproperty]::new(name, value).');
    const target = (value as { [PROPERTIES_OF]: Record<string, unknown> })[PROPERTIES_OF];
    if (hasProperty(target, property['Name'])) throw new ConversionError(`Cannot add a member with the name "${property['Name']}" because a member with that name already exists.`);
    target[property['Name']] = property['Value'];
    return undefined;
  }
  if (Array.isArray(value)) return arrayMethod(value, name, args);
  if (value instanceof Hashtable) {
    switch (lower) {
      case 'containskey':
      case 'contains': // IDictionary.Contains: a key
        return value.has(args[0]);
      case 'containsvalue':
        return value.values().some((v) => valuesEqual(v, args[0]));
      case 'add':
        if (value.has(args[0])) throw new ConversionError(`Item has already been added. Key in dictionary: '${arg(args, 0)}'.`);
        value.set(args[0], args[1]);
        return undefined;
      case 'remove':
        value.delete(args[0]);
        return undefined;
      case 'clear':
        for (const k of value.keys()) value.delete(k);
        return undefined;
      case 'clone': {
        const copy = Hashtable.fromEntries(value.entries());
        copy.ordered = value.ordered;
        return copy;
      }
      case 'getenumerator':
        return value.entries().map(([Key, Value]) => withTypeName({ Name: Key, Key, Value }, 'System.Collections.DictionaryEntry'));
    }
  }
  if (typeof value === 'number' && lower === 'equals') return value === toNumber(args[0]);
  if (typeof value === 'number' && lower === 'compareto') return Math.sign(value - toNumber(args[0]));
  return noMethod(value, name);
}

const MATH_CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };
const MATH: Record<string, (...a: number[]) => number> = {
  abs: Math.abs,
  ceiling: Math.ceil,
  floor: Math.floor,
  truncate: Math.trunc,
  sqrt: Math.sqrt,
  pow: Math.pow,
  exp: Math.exp,
  log10: Math.log10,
  sign: Math.sign,
  max: Math.max,
  min: Math.min,
  round: (n, digits = 0) => roundTo(n, digits),
  log: (n, base?: number) => (base === undefined ? Math.log(n) : Math.log(n) / Math.log(base)),
};

/** `[Type]::Member` */
export function getStatic(type: TypeRef, member: string): unknown {
  const t = normaliseTypeName(type.name);
  const m = member.toLowerCase();
  const known = getDotNetStatic(type.name, m);
  if (known !== NO_METHOD) return known;
  if (t === 'math' && m in MATH_CONSTANTS) return MATH_CONSTANTS[m];
  if (INT_TYPES.has(t) && (m === 'maxvalue' || m === 'minvalue')) {
    const big = t === 'int64' || t === 'long';
    return m === 'maxvalue' ? (big ? Number.MAX_SAFE_INTEGER : 2 ** 31 - 1) : big ? Number.MIN_SAFE_INTEGER : -(2 ** 31);
  }
  if (t === 'string' && m === 'empty') return '';
  if (t === 'datetime' && m === 'now') return new Date();
  if (t === 'datetime' && m === 'utcnow') return new Date();
  if (t === 'datetime' && m === 'today') {
    const d = new Date();
    return new Date(d.getFullYear(), d.getMonth(), d.getDate());
  }
  throw new ConversionError(`[${type.name}] has no static member '${member}'.`);
}

/** .NET's Boolean.Parse: 'True' / 'False' in any case, with surrounding white space; TryParse gives $false instead of failing. */
function parseBool(text: string, lenient: boolean): boolean {
  const t = text.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false' || lenient) return false;
  throw new ConversionError(`Exception calling "Parse" with "1" argument(s): "String '${text}' was not recognized as a valid Boolean."`);
}

const CHAR_TESTS: Record<string, (c: string) => unknown> = {
  isdigit: (c) => /^\p{Nd}$/u.test(c),
  isletter: (c) => /^\p{L}$/u.test(c),
  isletterordigit: (c) => /^[\p{L}\p{Nd}]$/u.test(c),
  iswhitespace: (c) => /^\s$/.test(c),
  isupper: (c) => /^\p{Lu}$/u.test(c),
  islower: (c) => /^\p{Ll}$/u.test(c),
  ispunctuation: (c) => /^\p{P}$/u.test(c),
  toupper: (c) => c.toUpperCase(),
  tolower: (c) => c.toLowerCase(),
};

/** `[Type]::Method(args)` */
export function callStatic(type: TypeRef, method: string, args: unknown[]): unknown {
  const t = normaliseTypeName(type.name);
  const m = method.toLowerCase();
  const known = callDotNetStatic(type.name, m, args, cast);
  if (known !== NO_METHOD) return known;
  if (m === 'new' && (t === 'regex' || t === 'version')) return cast(t, args.length > 1 && t === 'version' ? args.join('.') : args[0]);
  if (m === 'new') throw new ConversionError(`Cannot create an object of type [${type.name}]: mcshell does not implement it.`);
  if (t === 'math' && MATH[m]) return MATH[m]!(...args.map(toNumber));
  if (t === 'string') {
    if (m === 'isnullorempty') return args[0] === null || args[0] === undefined || toStr(args[0]) === '';
    if (m === 'isnullorwhitespace') return toStr(args[0]).trim() === '';
    if (m === 'join') return (args.length === 2 ? enumerate(args[1]) : args.slice(1)).map(toStr).join(toStr(args[0]));
    if (m === 'format') return formatOperator(toStr(args[0]), args.length === 2 ? enumerate(args[1]) : args.slice(1));
  }
  if (t === 'datetime' && m === 'parse') return cast('datetime', args[0]);
  if ((t === 'bool' || t === 'boolean') && (m === 'parse' || m === 'tryparse')) return parseBool(toStr(args[0]), m === 'tryparse');
  if (t === 'char' && CHAR_TESTS[m]) return CHAR_TESTS[m]!(toStr(args[0]).charAt(args.length > 1 ? toNumber(args[1]) : 0));
  if (t === 'array' && m === 'indexof') return enumerate(args[0]).findIndex((v) => valuesEqual(v, args[1], true));
  if (t === 'array' && m === 'lastindexof') return enumerate(args[0]).findLastIndex((v) => valuesEqual(v, args[1], true));
  if (t === 'array' && (m === 'reverse' || m === 'sort' || m === 'clear') && Array.isArray(args[0])) {
    if (m === 'reverse') args[0].reverse();
    else if (m === 'sort') args[0].sort(compareValues);
    else args[0].fill(null);
    return undefined;
  }
  if (t === 'regex' && ['ismatch', 'match', 'matches', 'replace', 'split'].includes(m)) return (cast('regex', args[1]) as Regex).invokeMethod(m, [args[0], ...args.slice(2)]);
  if (t === 'regex' && m === 'unescape') return toStr(args[0]).replace(/\\(.)/g, '$1');
  if (t === 'regex' && m === 'escape') return toStr(args[0]).replace(/[.*+?^${}()|[\]\\#\s]/g, '\\$&');
  if (t === 'io.path' || t === 'path') {
    if (m === 'combine') return join(...args.map(toStr));
    if (m === 'getfilename') return basename(toStr(args[0]));
    if (m === 'getextension') return extname(toStr(args[0]));
    if (m === 'getdirectoryname') return dirname(toStr(args[0]));
    if (m === 'getfilenamewithoutextension') return basename(toStr(args[0]), extname(toStr(args[0])));
  }
  if (INT_TYPES.has(t) || FLOAT_TYPES.has(t) || t === 'bool' || t === 'datetime') {
    if (m === 'parse') return cast(t, args[0]);
  }
  throw new ConversionError(`[${type.name}] has no static method '${method}'.`);
}
