// The value model of the mcshell language and PowerShell's conversion rules.
// Values are plain JavaScript: null, boolean, number, string, Date, arrays, ordered plain objects
// (PSCustomObject-like), Hashtable (case-insensitive keys, insertion ordered) and ScriptBlock.

import { LoopEnumerator } from './enumerator.js';

/** Hidden type name of an emitted object, used to pick its default view. Not enumerable: JSON and property lists ignore it. */
export const TYPE_NAME = Symbol.for('mcshell.typeName');

export function typeNameOf(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object') return (value as { [TYPE_NAME]?: string })[TYPE_NAME];
  return undefined;
}

export function withTypeName<T extends object>(value: T, typeName: string): T {
  Object.defineProperty(value, TYPE_NAME, { value: typeName, enumerable: false, configurable: true, writable: true });
  return value;
}

/** Marks objects the shell shows as their text (ToString()), not as a table: Select-String's MatchInfo. */
export const SHOWN_AS_TEXT = Symbol.for('mcshell.shownAsText');

/**
 * A script's `[switch]` parameter (System.Management.Automation.SwitchParameter): `.IsPresent`, and
 * true or false wherever a boolean is wanted (`if ($Force)`, `-not`, `-eq $true`, `-Force:$Force`).
 */
export class SwitchParameter {
  constructor(readonly IsPresent: boolean) {
    // dotnet.ts' DOTNET_TYPE (GetType()), which this module cannot import.
    Object.defineProperty(this, Symbol.for('mcshell.dotnetType'), { value: 'System.Management.Automation.SwitchParameter' });
  }
  toString(): string {
    return this.IsPresent ? 'True' : 'False';
  }
  toJSON(): { IsPresent: boolean } {
    return { IsPresent: this.IsPresent };
  }
  /** operators.ts' EQUALS protocol: equal to what converts to the same boolean. */
  [Symbol.for('mcshell.equals')](other: unknown): boolean {
    return this.IsPresent === toBool(other);
  }
}

export class Hashtable {
  private readonly map = new Map<string, [unknown, unknown]>();
  /** Made by `[ordered]`: reports itself as an OrderedDictionary (every Hashtable keeps insertion order). */
  ordered = false;

  static fromEntries(entries: Iterable<[unknown, unknown]>): Hashtable {
    const table = new Hashtable();
    for (const [k, v] of entries) table.set(k, v);
    return table;
  }

  private static normalise(key: unknown): string {
    return typeof key === 'string' ? key.toLowerCase() : toStr(key).toLowerCase();
  }

  get size(): number {
    return this.map.size;
  }
  has(key: unknown): boolean {
    return this.map.has(Hashtable.normalise(key));
  }
  get(key: unknown): unknown {
    return this.map.get(Hashtable.normalise(key))?.[1] ?? null;
  }
  set(key: unknown, value: unknown): void {
    const normalised = Hashtable.normalise(key);
    const existing = this.map.get(normalised);
    this.map.set(normalised, [existing ? existing[0] : key, value]);
  }
  delete(key: unknown): boolean {
    return this.map.delete(Hashtable.normalise(key));
  }
  keys(): unknown[] {
    return [...this.map.values()].map(([k]) => k);
  }
  values(): unknown[] {
    return [...this.map.values()].map(([, v]) => v);
  }
  entries(): [unknown, unknown][] {
    return [...this.map.values()];
  }
  toJSON(): Record<string, unknown> {
    return Object.fromEntries(this.entries().map(([k, v]) => [toStr(k), v]));
  }
}

/** A value the language cannot convert as asked; callers turn it into an error record. */
export class ConversionError extends Error {}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Arrays enumerate; null and AutomationNull are empty; anything else is a single item (PowerShell's `foreach` rule). */
export function enumerate(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  if (value instanceof LoopEnumerator) return value.drain();
  return Array.isArray(value) ? value : [value];
}

/**
 * Collected pipeline output as PowerShell assigns it: one → the item, more → an array, nothing →
 * AutomationNull, which is `undefined`: it equals $null, but enumerates as nothing (`@($r).Count`
 * is 0, `$r | …` sends nothing), where $null is one item.
 */
export function unwrap(items: unknown[]): unknown {
  if (items.length === 0) return undefined;
  return items.length === 1 ? items[0] : items;
}

// ---------------------------------------------------------------- to string

const pad2 = (n: number) => String(n).padStart(2, '0');

/** PowerShell's invariant-culture date text: `01/31/2024 13:05:09`. */
export function dateToString(d: Date): string {
  return `${pad2(d.getMonth() + 1)}/${pad2(d.getDate())}/${d.getFullYear()} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/**
 * Numbers as PowerShell prints them. Whole numbers within 2^53 print in full (mcshell does not tell
 * Int64 from Double); other doubles as .NET's G15: 15 significant digits, and exponent notation
 * with at least two exponent digits from 1E-05 down and from 1E+15 up (`1E+20`, `1E-07`).
 */
export function numberToString(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Number.isSafeInteger(n)) return String(n);
  const [mantissa, exponentText] = n.toExponential(14).split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent > -5 && exponent < 15) return String(Number(n.toPrecision(15)));
  const digits = mantissa.replace(/\.?0+$/, '');
  return `${digits}E${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

export function toStr(value: unknown): string {
  if (value === null || value === undefined) return '';
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
      return numberToString(value);
    case 'bigint':
      return String(value);
  }
  if (value instanceof Date) return dateToString(value);
  if (Array.isArray(value)) return value.map(toStr).join(' ');
  if (value instanceof LoopEnumerator) return value.remaining().map(toStr).join(' ');
  if (value instanceof Hashtable) return 'System.Collections.Hashtable';
  if (isPlainObject(value)) {
    return `@{${Object.entries(value)
      .map(([k, v]) => `${k}=${toStr(v)}`)
      .join('; ')}}`;
  }
  return String(value);
}

// ---------------------------------------------------------------- to number / bool / date

const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const HEX_PATTERN = /^[+-]?0x[0-9a-f]+$/i;
const SIZE_PATTERN = /^([+-]?(?:\d+\.?\d*|\.\d+))\s*(kb|mb|gb|tb|pb)$/i;
const SIZE_UNITS: Record<string, number> = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, pb: 1024 ** 5 };

/** Numeric text as PowerShell reads it: decimals, exponents, hex; with `allowSize`, `4MB` too. */
export function parseNumber(text: string, allowSize = false): number | undefined {
  const t = text.trim().replace(/_/g, '');
  if (t === '') return 0;
  if (NUMBER_PATTERN.test(t)) return Number(t);
  if (HEX_PATTERN.test(t)) return t.startsWith('-') ? -parseInt(t.slice(1), 16) : parseInt(t.replace('+', ''), 16);
  if (allowSize) {
    const m = SIZE_PATTERN.exec(t);
    if (m) return Math.round(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!);
  }
  return undefined;
}

export function tryToNumber(value: unknown, allowSize = false): number | undefined {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return parseNumber(value, allowSize);
  if (value instanceof Date) return value.getTime();
  if (Array.isArray(value) && value.length === 1) return tryToNumber(value[0], allowSize);
  return undefined;
}

export function toNumber(value: unknown): number {
  const n = tryToNumber(value);
  if (n === undefined) throw new ConversionError(`Cannot convert value "${toStr(value)}" to type "number".`);
  return n;
}

/** .NET's rounding for [int] casts: half to even. */
export function roundHalfEven(n: number): number {
  const floor = Math.floor(n);
  const diff = n - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export function toInt(value: unknown, allowSize = false): number {
  const n = tryToNumber(value, allowSize);
  if (n === undefined || !Number.isFinite(n)) throw new ConversionError(`Cannot convert value "${toStr(value)}" to type "int".`);
  return roundHalfEven(n);
}

/** PowerShell truthiness. */
export function toBool(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'number':
      return value !== 0 && !Number.isNaN(value);
    case 'string':
      return value.length > 0;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return false;
    return value.length === 1 ? toBool(value[0]) : true;
  }
  if (value instanceof SwitchParameter) return value.IsPresent;
  return true;
}

export function tryToDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'string') {
    const t = value.trim();
    if (t === '') return undefined;
    const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00` : t);
    return Number.isNaN(ms) ? undefined : new Date(ms);
  }
  return undefined;
}

// ---------------------------------------------------------------- members

/** The actual key of `name` on a plain object, matched case-insensitively as PowerShell does. */
export function findKey(obj: object, name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

/** The displayable property names of an object (hashtables show their keys). */
export function propertyNames(value: unknown): string[] {
  if (value instanceof Hashtable) return value.keys().map(toStr);
  const shown = publicView(value);
  if (shown) return Object.keys(shown);
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) return Object.keys(value);
  return [];
}

export function hasProperty(value: unknown, name: string): boolean {
  if (value instanceof Hashtable) return value.has(name);
  const shown = publicView(value);
  if (shown) return findKey(shown, name) !== undefined;
  const lower = name.toLowerCase();
  if (typeof value === 'string') return lower === 'length';
  if (Array.isArray(value)) return lower === 'count' || lower === 'length';
  if (value instanceof Date) return dateMember(value, lower) !== undefined;
  if (value !== null && typeof value === 'object') return findKey(value, name) !== undefined;
  return false;
}

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function dateMember(d: Date, lower: string): unknown {
  switch (lower) {
    case 'year':
      return d.getFullYear();
    case 'month':
      return d.getMonth() + 1;
    case 'day':
      return d.getDate();
    case 'hour':
      return d.getHours();
    case 'minute':
      return d.getMinutes();
    case 'second':
      return d.getSeconds();
    case 'millisecond':
      return d.getMilliseconds();
    case 'dayofweek':
      return DAY_NAMES[d.getDay()];
    case 'dayofyear':
      return Math.floor((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 86_400_000) + 1;
    case 'date':
      return new Date(d.getFullYear(), d.getMonth(), d.getDate());
    case 'ticks':
      return d.getTime() * 10_000 + 621_355_968_000_000_000;
  }
  return undefined;
}

/** Class instances (error records) show the properties of their toJSON(), not their internal fields. */
function publicView(value: unknown): Record<string, unknown> | undefined {
  if (value === null || typeof value !== 'object' || isPlainObject(value) || value instanceof Date || Array.isArray(value)) return undefined;
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json !== 'function') return undefined;
  const shown = json.call(value);
  return isPlainObject(shown) ? shown : undefined;
}

/** `$x.Name`: properties case-insensitively, `.Count`/`.Length`, member enumeration over arrays. */
export function getMember(value: unknown, name: string): unknown {
  const lower = name.toLowerCase();
  // $null.Count is 0 (PowerShell 3+: scalars and $null have Count and Length).
  if (value === null || value === undefined) return lower === 'count' || lower === 'length' ? 0 : null;
  if (lower === 'psobject') return psObjectOf(value);
  if (Array.isArray(value)) {
    if (lower === 'count' || lower === 'length') return value.length;
    if (lower === 'rank') return 1;
    const collected: unknown[] = [];
    for (const item of value) {
      const v = getMember(item, name);
      if (v !== null && v !== undefined) collected.push(...(Array.isArray(v) ? v : [v]));
    }
    return unwrap(collected);
  }
  if (value instanceof Hashtable) {
    // `.psbase`: the dictionary's own members, also when a key hides one ($h.keys with a key 'keys').
    if (lower === 'psbase') return { Keys: value.keys(), Values: value.values(), Count: value.size };
    if (value.has(name)) return value.get(name);
    if (lower === 'count') return value.size;
    if (lower === 'keys') return value.keys();
    if (lower === 'values') return value.values();
    return null;
  }
  if (typeof value === 'string') {
    if (lower === 'length') return value.length;
    return lower === 'count' ? 1 : null;
  }
  if (value instanceof Date) return dateMember(value, lower) ?? null;
  if (typeof value === 'object') {
    const shown = publicView(value);
    const shownKey = shown && findKey(shown, name);
    if (shown && shownKey !== undefined) return shown[shownKey] ?? null;
    const key = findKey(value, name);
    if (key !== undefined) return (value as Record<string, unknown>)[key] ?? null;
    // Getters on class instances (error records) are matched case-insensitively too.
    for (let proto = Object.getPrototypeOf(value); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      const getter = Object.getOwnPropertyNames(proto).find((k) => k.toLowerCase() === lower);
      if (getter && Object.getOwnPropertyDescriptor(proto, getter)?.get) return (value as Record<string, unknown>)[getter] ?? null;
    }
    // PowerShell 6+: a single object has Count and Length 1 (about_PSCustomObject § Notes).
    if (lower === 'count' || lower === 'length') return 1;
    return null;
  }
  return lower === 'count' || lower === 'length' ? 1 : null;
}

/** `$x.psobject`: the object's properties (`.Properties`, each with Name, Value, MemberType) and the object itself. */
function psObjectOf(value: unknown): Record<string, unknown> {
  const note = isPlainObject(value);
  const Properties = propertyNames(value).map((Name) => ({ Name, Value: getMember(value, Name), MemberType: note ? 'NoteProperty' : 'Property', IsSettable: note, IsGettable: true }));
  // `.psobject.Properties.Add(note property)` adds to the object itself (types.ts).
  if (note) Object.defineProperty(Properties, PROPERTIES_OF, { value });
  return { Properties, BaseObject: value, ImmediateBaseObject: value };
}

/** On `.psobject.Properties` of a custom object: that object. */
export const PROPERTIES_OF = Symbol.for('mcshell.propertiesOf');

export function setMember(target: unknown, name: string, value: unknown): void {
  if (target instanceof Hashtable) {
    target.set(name, value);
    return;
  }
  if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
    const key = findKey(target, name);
    // As in PowerShell, setting a property an object does not have is an error (Add-Member adds one).
    if (key === undefined && isPlainObject(target)) throw new ConversionError(`The property '${name}' cannot be found on this object. Verify that the property exists and can be set.`);
    (target as Record<string, unknown>)[key ?? name] = value;
    return;
  }
  throw new ConversionError(`The property '${name}' cannot be found on this object.`);
}

/** Deep copy into plain JSON-ready data, for ConvertTo-Json and --output json. */
export function toPlainData(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : numberToString(value);
  if (typeof value !== 'object') return typeof value === 'function' ? null : value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toPlainData);
  if (value instanceof Hashtable) return Object.fromEntries(value.entries().map(([k, v]) => [toStr(k), toPlainData(v)]));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlainData(v)]));
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return toPlainData(json.call(value));
  return toStr(value);
}
