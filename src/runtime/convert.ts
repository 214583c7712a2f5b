// Conversion and validation of parameter arguments to their declared types. Failures are
// ConversionError messages; the binder turns them into error records naming the parameter.
import type { ParameterDeclaration } from './cmdlet.js';
import { ScriptBlock } from './scriptblock.js';
import { ConversionError, Hashtable, SwitchParameter, isPlainObject, toInt, toStr, tryToDate, tryToNumber } from './values.js';

const describe = (value: unknown) => (typeof value === 'string' ? `'${value}'` : toStr(value));

function single(value: unknown): unknown {
  return Array.isArray(value) && value.length === 1 ? value[0] : value;
}

function toEnum(value: unknown, allowed: readonly string[]): string {
  const text = toStr(single(value));
  const match = allowed.find((a) => a.toLowerCase() === text.toLowerCase());
  if (match === undefined) throw new ConversionError(`${describe(text)} is not one of the allowed values: ${allowed.join(', ')}.`);
  return match;
}

function toBoolean(value: unknown): boolean {
  const v = single(value);
  if (typeof v === 'boolean') return v;
  if (v instanceof SwitchParameter) return v.IsPresent;
  if (typeof v === 'number') return v !== 0;
  if (v === null || v === undefined) return false;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true' || t === '$true' || t === '1') return true;
    if (t === 'false' || t === '$false' || t === '0') return false;
  }
  throw new ConversionError(`Cannot convert ${describe(v)} to a boolean: use $true or $false.`);
}

function toNumberStrict(value: unknown, kind: 'int' | 'number' | 'size'): number {
  const v = single(value);
  if (kind === 'int') {
    try {
      return toInt(v, false);
    } catch {
      throw new ConversionError(`Cannot convert ${describe(v)} to an integer.`);
    }
  }
  const n = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? tryToNumber(v, kind === 'size') : undefined;
  if (n === undefined || Number.isNaN(n)) {
    throw new ConversionError(kind === 'size' ? `Cannot convert ${describe(v)} to a size: use a number of bytes or a value such as 4MB.` : `Cannot convert ${describe(v)} to a number.`);
  }
  return kind === 'size' ? Math.round(n) : n;
}

/** Converts an argument to the declared type of a parameter. */
export function convertArgument(value: unknown, decl: ParameterDeclaration): unknown {
  switch (decl.type) {
    case 'string':
      // As PowerShell's [string]: $null becomes ''.
      return toStr(single(value));
    case 'string[]':
      return Array.isArray(value) ? value.map(toStr) : value === null || value === undefined ? [] : [toStr(value)];
    case 'int':
    case 'number':
    case 'size':
      return toNumberStrict(value, decl.type);
    case 'int[]':
      return (Array.isArray(value) ? value : [value]).map((v) => toNumberStrict(v, 'int'));
    case 'bool':
    case 'switch':
      return toBoolean(value);
    case 'date': {
      const d = tryToDate(single(value));
      if (!d) throw new ConversionError(`Cannot convert ${describe(value)} to a date: use a form such as 2024-05-31 or 2024-05-31T14:00.`);
      return d;
    }
    case 'enum':
      return toEnum(value, decl.values ?? []);
    case 'enum[]':
      return (Array.isArray(value) ? value : [value]).map((v) => toEnum(v, decl.values ?? []));
    case 'scriptblock': {
      const v = single(value);
      if (v instanceof ScriptBlock) return v;
      throw new ConversionError(`Expected a script block such as { $_ -gt 1 }, got ${describe(v)}.`);
    }
    case 'scriptblock[]':
      return (Array.isArray(value) ? value : [value]).map((v) => convertArgument(v, { ...decl, type: 'scriptblock' }));
    case 'hashtable': {
      const v = single(value);
      if (v instanceof Hashtable) return v;
      if (isPlainObject(v)) return Hashtable.fromEntries(Object.entries(v));
      throw new ConversionError(`Expected a hashtable such as @{ Name = 'x' }, got ${describe(v)}.`);
    }
    case 'object':
      return value;
    case 'object[]':
      return Array.isArray(value) ? value : value === null || value === undefined ? [] : [value];
  }
}

/** Whether a pipeline object is already of the parameter's type (tried before converting). */
export function isExactType(value: unknown, decl: ParameterDeclaration): boolean {
  switch (decl.type) {
    case 'string':
    case 'enum':
      return typeof value === 'string';
    case 'int':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
    case 'size':
      return typeof value === 'number';
    case 'bool':
    case 'switch':
      return typeof value === 'boolean';
    case 'date':
      return value instanceof Date;
    case 'scriptblock':
      return value instanceof ScriptBlock;
    case 'hashtable':
      return value instanceof Hashtable;
    case 'object':
    case 'object[]':
      return true;
    default:
      return Array.isArray(value);
  }
}

/** Checks declared validation; returns a message (without the parameter name) or null. */
export function validateArgument(value: unknown, decl: ParameterDeclaration): string | null {
  const rule = decl.validate;
  if (!rule) return null;
  const items = Array.isArray(value) ? value : [value];
  if (rule.notEmpty && (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0))) {
    return 'The argument is null or empty. Supply a value that is not empty.';
  }
  for (const item of items) {
    if (rule.set && !rule.set.some((s) => s.toLowerCase() === toStr(item).toLowerCase())) {
      return `${describe(item)} is not one of the allowed values: ${rule.set.join(', ')}.`;
    }
    if (rule.range) {
      const [min, max] = rule.range;
      const n = typeof item === 'number' ? item : tryToNumber(item);
      if (n === undefined || n < min || n > max) return `${describe(item)} is outside the allowed range ${min} to ${max}.`;
    }
    if (rule.pattern && !new RegExp(rule.pattern, 'i').test(toStr(item))) {
      return `${describe(item)} does not match the required pattern ${rule.pattern}.`;
    }
  }
  return null;
}

/** Validation sets canonicalise like enums: `-Mode fast` binds as `Fast`. */
export function canonicalise(value: unknown, decl: ParameterDeclaration): unknown {
  const set = decl.validate?.set;
  if (!set) return value;
  const fix = (v: unknown) => (typeof v === 'string' ? (set.find((s) => s.toLowerCase() === v.toLowerCase()) ?? v) : v);
  return Array.isArray(value) ? value.map(fix) : fix(value);
}
