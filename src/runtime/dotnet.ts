// The .NET types scripts create most (`[type]::new()`, `New-Object`, casts): ArrayList and
// Generic.List[T] (growable arrays), StringBuilder, TimeSpan (what date arithmetic gives), Guid,
// DateTime constructors, and exceptions with PowerShell's inheritance. Each object answers its
// methods through `invokeMethod` and shows its properties through `toJSON`, as the value layer
// expects of class instances.
import { randomUUID } from 'node:crypto';
import { ConversionError, enumerate, toNumber, toStr } from './values.js';
import { exceptionTypeNamed, newException } from './exceptions.js';

/** Returned by invokeMethod for a method the object does not have. */
export const NO_METHOD = Symbol('no such method');

export interface MethodHost {
  invokeMethod(lower: string, args: unknown[]): unknown;
}

export function hasMethods(value: unknown): value is MethodHost {
  return value !== null && typeof value === 'object' && typeof (value as MethodHost).invokeMethod === 'function';
}

/** The .NET type name an object of these classes reports (`GetType().FullName`). */
export const DOTNET_TYPE = Symbol.for('mcshell.dotnetType');

// ---------------------------------------------------------------- TimeSpan

const TICKS_PER_MS = 10_000;
const MS = { day: 86_400_000, hour: 3_600_000, minute: 60_000, second: 1000 };

/** System.TimeSpan: a length of time in ticks (100 ns), what subtracting dates gives. */
export class TimeSpan implements MethodHost {
  readonly [DOTNET_TYPE] = 'System.TimeSpan';
  constructor(readonly ticks: number) {}

  static fromMilliseconds(ms: number): TimeSpan {
    return new TimeSpan(Math.round(ms * TICKS_PER_MS));
  }
  /** `new TimeSpan(h, m, s)`, `(d, h, m, s)`, `(d, h, m, s, ms)` or `(ticks)`, as .NET's constructors. */
  static construct(args: unknown[]): TimeSpan {
    const n = args.map(toNumber);
    switch (n.length) {
      case 0:
        return new TimeSpan(0);
      case 1:
        return new TimeSpan(n[0]!);
      case 3:
        return TimeSpan.fromMilliseconds(n[0]! * MS.hour + n[1]! * MS.minute + n[2]! * MS.second);
      case 4:
      case 5:
        return TimeSpan.fromMilliseconds(n[0]! * MS.day + n[1]! * MS.hour + n[2]! * MS.minute + n[3]! * MS.second + (n[4] ?? 0));
    }
    throw new ConversionError(`Cannot find an overload for "TimeSpan" and the argument count: "${n.length}".`);
  }
  /** `[timespan]'1.02:03:04.5'`: [-][d.]hh:mm[:ss[.fffffff]], or a whole number of days. */
  static parse(text: string): TimeSpan {
    const m = /^\s*(-)?(?:(\d+)\.)?(\d+):(\d+)(?::(\d+)(?:\.(\d{1,7}))?)?\s*$/.exec(text);
    if (m) {
      const [, minus, d = '0', h, mi, s = '0', f = '0'] = m;
      const ms = Number(d) * MS.day + Number(h) * MS.hour + Number(mi) * MS.minute + Number(s) * MS.second + Number(`0.${f}`) * 1000;
      return TimeSpan.fromMilliseconds(minus ? -ms : ms);
    }
    if (/^\s*-?\d+\s*$/.test(text)) return TimeSpan.fromMilliseconds(Number(text) * MS.day);
    throw new ConversionError(`Cannot convert value "${text}" to type "System.TimeSpan": String '${text}' was not recognized as a valid TimeSpan.`);
  }

  get totalMilliseconds(): number {
    return this.ticks / TICKS_PER_MS;
  }
  private part(unit: number, modulo: number): number {
    return Math.trunc(this.totalMilliseconds / unit) % modulo;
  }
  get Days(): number {
    return Math.trunc(this.totalMilliseconds / MS.day);
  }
  get Hours(): number {
    return this.part(MS.hour, 24);
  }
  get Minutes(): number {
    return this.part(MS.minute, 60);
  }
  get Seconds(): number {
    return this.part(MS.second, 60);
  }
  get Milliseconds(): number {
    return this.part(1, 1000);
  }

  invokeMethod(lower: string, args: unknown[]): unknown {
    const other = () => asTimeSpan(args[0]);
    switch (lower) {
      case 'add':
        return new TimeSpan(this.ticks + other().ticks);
      case 'subtract':
        return new TimeSpan(this.ticks - other().ticks);
      case 'negate':
        return new TimeSpan(-this.ticks);
      case 'duration':
        return new TimeSpan(Math.abs(this.ticks));
      case 'compareto':
        return Math.sign(this.ticks - other().ticks);
      case 'equals':
        return args[0] instanceof TimeSpan && args[0].ticks === this.ticks;
    }
    return NO_METHOD;
  }

  /** .NET's constant format: `[-][d.]hh:mm:ss[.fffffff]`. */
  toString(): string {
    const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
    const sign = this.ticks < 0 ? '-' : '';
    const fraction = Math.abs(this.ticks) % 10_000_000;
    const days = Math.abs(this.Days);
    return `${sign}${days ? `${days}.` : ''}${pad(this.Hours)}:${pad(this.Minutes)}:${pad(this.Seconds)}${fraction ? `.${pad(fraction, 7)}` : ''}`;
  }
  toJSON(): Record<string, number> {
    const ms = this.totalMilliseconds;
    return {
      Ticks: this.ticks,
      Days: this.Days,
      Hours: this.Hours,
      Milliseconds: this.Milliseconds,
      Minutes: this.Minutes,
      Seconds: this.Seconds,
      TotalDays: ms / MS.day,
      TotalHours: ms / MS.hour,
      TotalMilliseconds: ms,
      TotalMinutes: ms / MS.minute,
      TotalSeconds: ms / MS.second,
    };
  }
}

export function asTimeSpan(value: unknown): TimeSpan {
  if (value instanceof TimeSpan) return value;
  if (typeof value === 'string') return TimeSpan.parse(value);
  if (typeof value === 'number') return new TimeSpan(value);
  throw new ConversionError(`Cannot convert "${toStr(value)}" to type "System.TimeSpan".`);
}

const TIMESPAN_FACTORIES: Record<string, number> = { fromdays: MS.day, fromhours: MS.hour, fromminutes: MS.minute, fromseconds: MS.second, frommilliseconds: 1 };

function timeSpanStatic(lower: string, args: unknown[]): unknown {
  if (lower in TIMESPAN_FACTORIES) return TimeSpan.fromMilliseconds(toNumber(args[0]) * TIMESPAN_FACTORIES[lower]!);
  if (lower === 'fromticks') return new TimeSpan(toNumber(args[0]));
  if (lower === 'parse') return TimeSpan.parse(toStr(args[0]));
  return NO_METHOD;
}

// ---------------------------------------------------------------- lists

/**
 * System.Collections.ArrayList and Generic.List[T]: arrays that grow. Everything that takes an
 * array takes them; operations that build a new array (`+`, slicing) build a plain one.
 */
export class PSList extends Array<unknown> implements MethodHost {
  static override get [Symbol.species]() {
    return Array;
  }
  /** The element type of a List[T] (converted on Add), or null for an ArrayList. */
  elementType: string | null = null;
  typeName = 'System.Collections.ArrayList';

  private converter: ElementConverter | null = null;

  static create(elementType: string | null, items: readonly unknown[], converter: ElementConverter): PSList {
    const list = new PSList();
    list.converter = converter;
    if (elementType) {
      list.elementType = elementType;
      list.typeName = `System.Collections.Generic.List\`1[${elementType}]`;
    }
    for (const item of items) list.push(list.convert(item));
    return list;
  }
  private convert(item: unknown): unknown {
    return this.elementType && this.converter ? this.converter(this.elementType, item) : item;
  }
  invokeMethod(lower: string, args: unknown[]): unknown {
    switch (lower) {
      case 'add':
        this.push(this.convert(args[0]));
        // ArrayList.Add returns the index (why scripts write [void]$list.Add(x)); List[T].Add returns nothing.
        return this.elementType ? undefined : this.length - 1;
      case 'addrange':
        for (const item of enumerate(args[0])) this.push(this.convert(item));
        return undefined;
      case 'insert':
        this.splice(toNumber(args[0]), 0, this.convert(args[1]));
        return undefined;
      case 'remove': {
        // .NET's Equals: the same value (strings case-sensitively).
        const at = this.indexOf(args[0]);
        if (at >= 0) this.splice(at, 1);
        return this.elementType ? at >= 0 : undefined;
      }
      case 'removeat':
        this.splice(toNumber(args[0]), 1);
        return undefined;
      case 'clear':
        this.length = 0;
        return undefined;
      case 'toarray':
        return [...this];
      case 'reverse':
        Array.prototype.reverse.call(this);
        return undefined;
      case 'sort':
        Array.prototype.sort.call(this, defaultCompare);
        return undefined;
    }
    return NO_METHOD;
  }
}

/** A converter for List[T] elements: the language's cast (types.ts passes it in, which imports this module). */
export type ElementConverter = (type: string, value: unknown) => unknown;

/** .NET's default ordering for Sort(): numbers by value, anything else by its text. */
function defaultCompare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return toStr(a).localeCompare(toStr(b));
}

// ---------------------------------------------------------------- StringBuilder

export class StringBuilder implements MethodHost {
  readonly [DOTNET_TYPE] = 'System.Text.StringBuilder';
  constructor(private text = '') {}
  get Length(): number {
    return this.text.length;
  }
  invokeMethod(lower: string, args: unknown[]): unknown {
    switch (lower) {
      case 'append':
        this.text += toStr(args[0]);
        return this;
      case 'appendline':
        this.text += `${args.length ? toStr(args[0]) : ''}\n`;
        return this;
      case 'appendjoin':
        this.text += (args.length === 2 ? enumerate(args[1]) : args.slice(1)).map(toStr).join(toStr(args[0]));
        return this;
      case 'insert':
        this.text = this.text.slice(0, toNumber(args[0])) + toStr(args[1]) + this.text.slice(toNumber(args[0]));
        return this;
      case 'remove':
        this.text = this.text.slice(0, toNumber(args[0])) + this.text.slice(toNumber(args[0]) + toNumber(args[1]));
        return this;
      case 'replace':
        this.text = this.text.split(toStr(args[0])).join(toStr(args[1]));
        return this;
      case 'clear':
        this.text = '';
        return this;
    }
    return NO_METHOD;
  }
  toString(): string {
    return this.text;
  }
  toJSON(): Record<string, number> {
    return { Capacity: Math.max(16, this.text.length), MaxCapacity: 2 ** 31 - 1, Length: this.text.length };
  }
}

// ---------------------------------------------------------------- SecureString

/** Read-Host -AsSecureString: text that never shows (not in output, JSON or Get-Member values). */
export class SecureString {
  readonly [DOTNET_TYPE] = 'System.Security.SecureString';
  readonly #text: string;
  constructor(text: string) {
    this.#text = text;
  }
  get Length(): number {
    return this.#text.length;
  }
  /** The text, for the few places that must have it ([NetworkCredential]::new('', $s).Password). */
  reveal(): string {
    return this.#text;
  }
  toString(): string {
    return 'System.Security.SecureString';
  }
  toJSON(): { Length: number } {
    return { Length: this.#text.length };
  }
}

// ---------------------------------------------------------------- Guid

export class Guid {
  readonly [DOTNET_TYPE] = 'System.Guid';
  constructor(readonly Guid: string) {}
  static parse(text: string): Guid {
    const t = text.trim().replace(/^\{(.*)\}$/, '$1');
    if (/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(t)) {
      const hex = t.replaceAll('-', '').toLowerCase();
      return new Guid(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
    }
    throw new ConversionError(`Cannot convert value "${text}" to type "System.Guid": Guid should contain 32 digits with 4 dashes (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).`);
  }
  toString(): string {
    return this.Guid;
  }
  toJSON(): { Guid: string } {
    return { Guid: this.Guid };
  }
}

// ---------------------------------------------------------------- Regex

/** System.Text.RegularExpressions.Regex (`[regex]'a|b'`): the pattern's text where text is wanted. */
export class Regex implements MethodHost {
  readonly [DOTNET_TYPE] = 'System.Text.RegularExpressions.Regex';
  /** `make(global)` builds the JavaScript expression (the language's .NET-to-JavaScript translation). */
  constructor(
    readonly pattern: string,
    private readonly make: (global: boolean) => RegExp,
  ) {}
  invokeMethod(lower: string, args: unknown[]): unknown {
    const input = toStr(args[0]);
    switch (lower) {
      case 'ismatch':
        return this.make(false).test(input);
      case 'match': {
        const m = this.make(false).exec(input);
        return m ? regexMatch(m) : { Success: false, Value: '', Index: 0, Length: 0, Groups: [] };
      }
      case 'matches':
        return [...input.matchAll(this.make(true))].map(regexMatch);
      case 'replace':
        return input.replace(this.make(true), toStr(args[1]).replace(/\$\{(\w+)\}/g, '$$<$1>'));
      case 'split':
        return input.split(this.make(false));
    }
    return NO_METHOD;
  }
  toString(): string {
    return this.pattern;
  }
  toJSON(): Record<string, unknown> {
    return { Pattern: this.pattern };
  }
}

/** A .NET Match: Success, Value, Index, Length and Groups (each with Name, Value, Success). */
export function regexMatch(m: RegExpMatchArray): Record<string, unknown> {
  const Groups = [...m].map((v, i) => ({ Name: String(i), Success: v !== undefined, Value: v ?? '' }));
  for (const [Name, v] of Object.entries(m.groups ?? {})) Groups.push({ Name, Success: v !== undefined, Value: v ?? '' });
  return { Success: true, Value: m[0], Index: m.index ?? 0, Length: m[0].length, Groups };
}

// ---------------------------------------------------------------- Version

/** System.Version ($PSVersionTable.PSVersion): Major, Minor, Build, Revision; compares part by part. */
export class Version {
  readonly [DOTNET_TYPE] = 'System.Version';
  constructor(
    readonly Major: number,
    readonly Minor: number,
    readonly Build = -1,
    readonly Revision = -1,
  ) {}
  /** `[version]'1.2.10'`: two to four dot-separated numbers. */
  static parse(text: string): Version {
    const parts = text.trim().split('.');
    if (parts.length < 2 || parts.length > 4 || !parts.every((p) => /^\d+$/.test(p))) {
      throw new ConversionError(`Cannot convert value "${text}" to type "System.Version": Version string portion was too short or too long.`);
    }
    const n = parts.map(Number);
    return new Version(n[0]!, n[1]!, n[2] ?? -1, n[3] ?? -1);
  }
  compareTo(other: Version): number {
    return Math.sign(this.Major - other.Major) || Math.sign(this.Minor - other.Minor) || Math.sign(this.Build - other.Build) || Math.sign(this.Revision - other.Revision);
  }
  toString(): string {
    return [this.Major, this.Minor, this.Build, this.Revision].filter((n, i) => i < 2 || n >= 0).join('.');
  }
  toJSON(): Record<string, number> {
    return { Major: this.Major, Minor: this.Minor, Build: this.Build, Revision: this.Revision };
  }
}

// ---------------------------------------------------------------- exceptions

function credential(userName: string, password: string, plain: boolean): Record<string, unknown> & MethodHost {
  const secure = new SecureString(password);
  const object = { UserName: userName, Password: plain ? password : secure };
  return Object.defineProperty(object, 'invokeMethod', {
    enumerable: false,
    value: (lower: string) => (lower === 'getnetworkcredential' ? credential(userName, password, true) : NO_METHOD),
  }) as unknown as Record<string, unknown> & MethodHost;
}

// ---------------------------------------------------------------- construction

/** Type names as scripts write them, normalised: `System.Collections.ArrayList` → `collections.arraylist`. */
const normalise = (type: string) => type.toLowerCase().replace(/\s+/g, '').replace(/^system\./, '');

/** `List[int]`, `Generic.List[string]`, `System.Collections.Generic.List[object]` → the element type, else null. */
function listElementType(t: string): string | null {
  const m = /^(?:(?:collections\.)?generic\.)?list\[(.+)\]$/.exec(t);
  return m ? m[1]! : null;
}

/**
 * `[T]::new(args)` / `New-Object T args` for the types this module knows; NO_METHOD when `type`
 * is not one of them (the caller says so in its own words).
 */
export function construct(type: string, args: unknown[], convert: ElementConverter): unknown {
  const t = normalise(type);
  const element = listElementType(t);
  if (element) return PSList.create(element, args.length === 1 && typeof args[0] !== 'number' ? enumerate(args[0]) : [], convert);
  switch (t) {
    case 'collections.arraylist':
    case 'arraylist':
      return PSList.create(null, args.length === 1 && typeof args[0] !== 'number' ? enumerate(args[0]) : [], convert);
    case 'text.stringbuilder':
    case 'stringbuilder':
      return new StringBuilder(args.length && typeof args[0] === 'string' ? args[0] : '');
    case 'timespan':
      return TimeSpan.construct(args);
    case 'guid':
      return args.length ? Guid.parse(toStr(args[0])) : new Guid('00000000-0000-0000-0000-000000000000');
    case 'datetime': {
      const n = args.map(toNumber);
      if (n.length === 1) return new Date((n[0]! - 621_355_968_000_000_000) / TICKS_PER_MS);
      if (n.length >= 3) return new Date(n[0]!, n[1]! - 1, n[2]!, n[3] ?? 0, n[4] ?? 0, n[5] ?? 0, n[6] ?? 0);
      break;
    }
    case 'object':
    case 'psobject':
      return {};
    case 'management.automation.psnoteproperty':
    case 'psnoteproperty': {
      // A property to add with $x.psobject.Properties.Add() (about_Intrinsic_Members § Object views).
      if (args.length !== 2) break;
      const property = { Name: toStr(args[0]), Value: args[1], MemberType: 'NoteProperty', IsSettable: true, IsGettable: true };
      return Object.defineProperty(property, DOTNET_TYPE, { value: 'System.Management.Automation.PSNoteProperty' });
    }
    case 'net.networkcredential':
    case 'pscredential':
    case 'management.automation.pscredential': {
      // PSCredential(user, SecureString) and NetworkCredential(user, password): .UserName, .Password, .GetNetworkCredential().
      const password = args[1] instanceof SecureString ? args[1].reveal() : toStr(args[1] ?? '');
      return credential(toStr(args[0] ?? ''), password, t === 'net.networkcredential');
    }
  }
  // Exceptions are the ones throw and catch know (exceptions.ts), so `catch [ArgumentException]` matches them.
  const exception = exceptionTypeNamed(type);
  if (exception) return newException(exception, args);
  return NO_METHOD;
}

/** `[TimeSpan]::FromMinutes(5)`, `[Guid]::NewGuid()` … ; NO_METHOD when the type or method is not known here. */
export function callDotNetStatic(type: string, lower: string, args: unknown[], convert: ElementConverter): unknown {
  const t = normalise(type);
  if (lower === 'new') return construct(type, args, convert);
  if (t === 'timespan') return timeSpanStatic(lower, args);
  if (t === 'guid') {
    if (lower === 'newguid') return new Guid(randomUUID());
    if (lower === 'parse') return Guid.parse(toStr(args[0]));
  }
  return NO_METHOD;
}

/** `[TimeSpan]::Zero`, `[Guid]::Empty`; NO_METHOD when not known here. */
export function getDotNetStatic(type: string, lower: string): unknown {
  const t = normalise(type);
  if (t === 'timespan' && lower === 'zero') return new TimeSpan(0);
  if (t === 'timespan' && lower === 'maxvalue') return new TimeSpan(Number.MAX_SAFE_INTEGER);
  if (t === 'guid' && lower === 'empty') return new Guid('00000000-0000-0000-0000-000000000000');
  return NO_METHOD;
}

/** `[T]value` for these types; NO_METHOD when `type` is not one of them. */
export function castDotNet(type: string, value: unknown, convert: ElementConverter): unknown {
  const t = normalise(type);
  const element = listElementType(t);
  if (element) return PSList.create(element, enumerate(value), convert);
  switch (t) {
    case 'collections.arraylist':
    case 'arraylist':
      return PSList.create(null, enumerate(value), convert);
    case 'timespan':
      return asTimeSpan(value);
    case 'guid':
      return value instanceof Guid ? value : Guid.parse(toStr(value));
    case 'text.stringbuilder':
      return new StringBuilder(toStr(value));
    case 'version':
      return value instanceof Version ? value : Version.parse(toStr(value));
  }
  return NO_METHOD;
}
