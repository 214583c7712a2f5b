// What a value says about its type: the .NET names PowerShell reports (`GetType().Name` /
// `.FullName`, Get-Member's TypeName) and the members Get-Member lists. The names follow .NET
// (System.Int32, System.Collections.Hashtable, System.Management.Automation.PSCustomObject); the
// member lists are the members mcshell implements, with .NET's definitions.
import { DOTNET_TYPE, PSList } from './dotnet.js';
import { ErrorRecord } from './errors.js';
import { ScriptBlock } from './scriptblock.js';
import { Hashtable, isPlainObject, toStr, typeNameOf } from './values.js';

/** PowerShell's type accelerators and the .NET types they stand for. */
const ACCELERATORS: Readonly<Record<string, string>> = {
  int: 'System.Int32',
  int32: 'System.Int32',
  long: 'System.Int64',
  int64: 'System.Int64',
  short: 'System.Int16',
  int16: 'System.Int16',
  byte: 'System.Byte',
  sbyte: 'System.SByte',
  uint32: 'System.UInt32',
  uint64: 'System.UInt64',
  double: 'System.Double',
  float: 'System.Single',
  single: 'System.Single',
  decimal: 'System.Decimal',
  string: 'System.String',
  char: 'System.Char',
  bool: 'System.Boolean',
  boolean: 'System.Boolean',
  datetime: 'System.DateTime',
  timespan: 'System.TimeSpan',
  guid: 'System.Guid',
  object: 'System.Object',
  array: 'System.Array',
  hashtable: 'System.Collections.Hashtable',
  ordered: 'System.Collections.Specialized.OrderedDictionary',
  pscustomobject: 'System.Management.Automation.PSObject',
  psobject: 'System.Management.Automation.PSObject',
  scriptblock: 'System.Management.Automation.ScriptBlock',
  regex: 'System.Text.RegularExpressions.Regex',
  math: 'System.Math',
  type: 'System.Type',
  void: 'System.Void',
  switch: 'System.Management.Automation.SwitchParameter',
  version: 'System.Version',
  arraylist: 'System.Collections.ArrayList',
  'collections.arraylist': 'System.Collections.ArrayList',
  'text.stringbuilder': 'System.Text.StringBuilder',
  'io.path': 'System.IO.Path',
  'io.fileinfo': 'System.IO.FileInfo',
  'io.directoryinfo': 'System.IO.DirectoryInfo',
};

/** The full .NET name of a type as a script writes it (`[int]` → System.Int32); unknown names are kept. */
export function resolveTypeName(written: string): string {
  const lower = written.toLowerCase().replace(/\s+/g, '');
  if (lower.endsWith('[]')) return `${resolveTypeName(written.slice(0, -2))}[]`;
  const bare = lower.replace(/^system\./, '');
  return ACCELERATORS[bare] ?? (lower.startsWith('system.') ? written : `System.${written}`);
}

/** `Int32` from `System.Int32`, `Object[]` from `System.Object[]`, ``List`1`` from a generic list. */
export function shortTypeName(fullName: string): string {
  const generic = fullName.indexOf('[', fullName.indexOf('`'));
  const head = fullName.includes('`') && generic > 0 ? fullName.slice(0, generic) : fullName;
  return head.slice(head.lastIndexOf('.', head.endsWith('[]') ? head.length - 3 : head.length) + 1);
}

/** The full .NET type name of a value, as `GetType().FullName` reports it (null has no type). */
export function fullTypeName(value: unknown): string {
  if (typeof value === 'string') return 'System.String';
  if (typeof value === 'boolean') return 'System.Boolean';
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) <= 2 ** 31 - 1 && !Object.is(value, -0) ? 'System.Int32' : Number.isSafeInteger(value) ? 'System.Int64' : 'System.Double';
  if (typeof value === 'bigint') return 'System.Numerics.BigInteger';
  if (value instanceof Date) return 'System.DateTime';
  if (value instanceof PSList) return value.typeName;
  if (Array.isArray(value)) return (value as { [DOTNET_TYPE]?: string })[DOTNET_TYPE] ?? 'System.Object[]';
  if (value instanceof Hashtable) return (value as { [DOTNET_TYPE]?: string })[DOTNET_TYPE] ?? (value.ordered ? 'System.Collections.Specialized.OrderedDictionary' : 'System.Collections.Hashtable');
  if (value instanceof ScriptBlock) return 'System.Management.Automation.ScriptBlock';
  if (value instanceof ErrorRecord) return 'System.Management.Automation.ErrorRecord';
  if (value !== null && typeof value === 'object') {
    const declared = (value as { [DOTNET_TYPE]?: string })[DOTNET_TYPE];
    if (declared) return declared;
    const stamped = typeNameOf(value);
    if (isPlainObject(value)) return stamped?.startsWith('System.') ? stamped : 'System.Management.Automation.PSCustomObject';
    if (value.constructor?.name === 'TypeRef') return 'System.RuntimeType';
  }
  return 'System.Object';
}

/** Whether `value` is of the type a script names (`-is [System.IO.FileInfo]`), by its full name. */
export function hasTypeName(value: unknown, written: string): boolean {
  if (value === null || value === undefined) return false;
  const wanted = resolveTypeName(written).toLowerCase();
  return fullTypeName(value).toLowerCase() === wanted || (wanted === 'system.collections.hashtable' && value instanceof Hashtable);
}

const VALUE_TYPES = new Set(['System.Int32', 'System.Int64', 'System.Double', 'System.Boolean', 'System.DateTime', 'System.TimeSpan', 'System.Guid', 'System.Char', 'System.Decimal']);

/** The properties of a type object (`[int].Name`, `$x.GetType().FullName`). */
export function typeProperties(fullName: string): Record<string, unknown> {
  const base = VALUE_TYPES.has(fullName) ? 'System.ValueType' : fullName.endsWith('[]') ? 'System.Array' : fullName === 'System.Object' ? null : 'System.Object';
  const dot = fullName.lastIndexOf('.', fullName.endsWith('[]') ? fullName.length - 3 : fullName.length);
  return { IsPublic: true, IsSerial: true, Name: shortTypeName(fullName), BaseType: base, FullName: fullName, Namespace: dot > 0 ? fullName.slice(0, dot) : null };
}

/** `.pstypenames`: the object's type names, most derived first (about_Intrinsic_Members § Type information). */
export function psTypeNames(value: unknown): string[] {
  const names: string[] = [];
  const stamped = isPlainObject(value) ? typeNameOf(value) : undefined;
  if (stamped && !stamped.startsWith('System.')) names.push(stamped);
  for (let type: string | null = fullTypeName(value); type; type = typeProperties(type)['BaseType'] as string | null) names.push(type);
  return names;
}

// ---------------------------------------------------------------- members (Get-Member)

export type MemberType = 'Method' | 'Property' | 'NoteProperty' | 'ParameterizedProperty' | 'AliasProperty';

export interface MemberInfo {
  Name: string;
  MemberType: MemberType;
  Definition: string;
}

/** How a value's type reads in a member definition: accelerators where PowerShell uses them. */
export function definitionType(value: unknown): string {
  if (value === null || value === undefined) return 'object';
  const full = fullTypeName(value);
  const short: Record<string, string> = {
    'System.String': 'string',
    'System.Int32': 'int',
    'System.Int64': 'long',
    'System.Double': 'double',
    'System.Boolean': 'bool',
    'System.DateTime': 'datetime',
    'System.Collections.Hashtable': 'hashtable',
    'System.Management.Automation.ScriptBlock': 'scriptblock',
    'System.Object[]': 'Object[]',
    'System.TimeSpan': 'timespan',
    'System.Guid': 'guid',
  };
  return short[full] ?? full;
}

const OBJECT_METHODS = ['bool Equals(System.Object obj)', 'int GetHashCode()', 'type GetType()', 'string ToString()'];

/** Methods by type: .NET's definitions of the members mcshell implements. */
const METHODS: Record<string, readonly string[]> = {
  'System.String': [
    'bool Contains(string value)',
    'bool EndsWith(string value)',
    'int IndexOf(string value), int IndexOf(string value, int startIndex)',
    'string Insert(int startIndex, string value)',
    'int LastIndexOf(string value)',
    'string PadLeft(int totalWidth), string PadLeft(int totalWidth, char paddingChar)',
    'string PadRight(int totalWidth), string PadRight(int totalWidth, char paddingChar)',
    'string Remove(int startIndex), string Remove(int startIndex, int count)',
    'string Replace(string oldValue, string newValue)',
    'string[] Split(Params char[] separator)',
    'bool StartsWith(string value)',
    'string Substring(int startIndex), string Substring(int startIndex, int length)',
    'char[] ToCharArray()',
    'string ToLower()',
    'string ToLowerInvariant()',
    'string ToUpper()',
    'string ToUpperInvariant()',
    'string Trim(), string Trim(Params char[] trimChars)',
    'string TrimEnd(), string TrimEnd(Params char[] trimChars)',
    'string TrimStart(), string TrimStart(Params char[] trimChars)',
  ],
  'System.Int32': ['int CompareTo(int value)', 'string ToString(string format)'],
  'System.Int64': ['int CompareTo(long value)', 'string ToString(string format)'],
  'System.Double': ['int CompareTo(double value)', 'string ToString(string format)'],
  'System.DateTime': [
    'datetime Add(timespan value)',
    'datetime AddDays(double value)',
    'datetime AddHours(double value)',
    'datetime AddMilliseconds(double value)',
    'datetime AddMinutes(double value)',
    'datetime AddMonths(int months)',
    'datetime AddSeconds(double value)',
    'datetime AddYears(int value)',
    'timespan Subtract(datetime value), datetime Subtract(timespan value)',
    'datetime ToLocalTime()',
    'string ToString(string format)',
    'datetime ToUniversalTime()',
  ],
  'System.TimeSpan': ['timespan Add(timespan ts)', 'int CompareTo(timespan value)', 'timespan Duration()', 'timespan Negate()', 'timespan Subtract(timespan ts)'],
  'System.Collections.Hashtable': [
    'void Add(System.Object key, System.Object value)',
    'void Clear()',
    'bool ContainsKey(System.Object key)',
    'bool ContainsValue(System.Object value)',
    'System.Collections.IDictionaryEnumerator GetEnumerator()',
    'void Remove(System.Object key)',
  ],
  'System.Collections.ArrayList': [
    'int Add(System.Object value)',
    'void AddRange(System.Collections.ICollection c)',
    'void Clear()',
    'bool Contains(System.Object item)',
    'int IndexOf(System.Object value)',
    'void Insert(int index, System.Object value)',
    'void Remove(System.Object obj)',
    'void RemoveAt(int index)',
    'void Reverse()',
    'void Sort()',
    'System.Object[] ToArray()',
  ],
  'System.Text.StringBuilder': [
    'System.Text.StringBuilder Append(string value)',
    'System.Text.StringBuilder AppendJoin(string separator, Params System.Object[] values)',
    'System.Text.StringBuilder AppendLine(), System.Text.StringBuilder AppendLine(string value)',
    'System.Text.StringBuilder Clear()',
    'System.Text.StringBuilder Insert(int index, string value)',
    'System.Text.StringBuilder Remove(int startIndex, int length)',
    'System.Text.StringBuilder Replace(string oldValue, string newValue)',
  ],
  'System.Management.Automation.ScriptBlock': ['System.Collections.ObjectModel.Collection[psobject] Invoke(Params System.Object[] args)'],
  'System.Object[]': ['bool Contains(System.Object value)', 'int IndexOf(System.Object value)'],
};
METHODS['System.Collections.Specialized.OrderedDictionary'] = METHODS['System.Collections.Hashtable']!;

const DATE_PROPERTIES = ['Date', 'Day', 'DayOfWeek', 'DayOfYear', 'Hour', 'Millisecond', 'Minute', 'Month', 'Second', 'Ticks', 'Year'];

function property(name: string, type: string, settable = false): MemberInfo {
  return { Name: name, MemberType: 'Property', Definition: `${type} ${name} {get;${settable ? 'set;' : ''}}` };
}

/** The properties Get-Member lists for a value. */
function propertiesOf(value: unknown, full: string): MemberInfo[] {
  if (typeof value === 'string') return [{ Name: 'Chars', MemberType: 'ParameterizedProperty', Definition: 'char Chars(int index) {get;}' }, property('Length', 'int')];
  if (value instanceof Date) return DATE_PROPERTIES.map((n) => property(n, n === 'Date' ? 'datetime' : n === 'DayOfWeek' ? 'System.DayOfWeek' : n === 'Ticks' ? 'long' : 'int'));
  if (Array.isArray(value)) return [property('Count', 'int'), property('Length', 'int')];
  if (value instanceof Hashtable) return [property('Count', 'int'), property('Keys', 'System.Collections.ICollection'), property('Values', 'System.Collections.ICollection')];
  if (value === null || typeof value !== 'object' || value instanceof ScriptBlock) return [];
  const shown = typeof (value as { toJSON?: unknown }).toJSON === 'function' && !isPlainObject(value) ? ((value as { toJSON(): unknown }).toJSON() as Record<string, unknown>) : (value as Record<string, unknown>);
  // Objects of .NET types (files from Get-ChildItem) have properties; PSCustomObjects have note properties.
  const noteProperties = full === 'System.Management.Automation.PSCustomObject';
  return Object.entries(shown).map(([name, v]) =>
    noteProperties ? { Name: name, MemberType: 'NoteProperty' as const, Definition: `${definitionType(v)} ${name}=${v === null || v === undefined ? 'null' : toStr(v)}` } : property(name, definitionType(v), isPlainObject(value)),
  );
}

/** Every member Get-Member lists for a value, sorted as Get-Member sorts: by member type, then name. */
export function membersOf(value: unknown): MemberInfo[] {
  const full = fullTypeName(value);
  const methods = [...OBJECT_METHODS, ...(METHODS[full] ?? (value instanceof PSList ? METHODS['System.Collections.ArrayList']! : []))];
  const members: MemberInfo[] = [...propertiesOf(value, full)];
  // Overloads share one entry, their definitions joined as Get-Member shows them.
  const byName = new Map<string, MemberInfo>();
  for (const definition of methods) {
    const name = /(\w+)\(/.exec(definition)![1]!;
    const existing = byName.get(name);
    if (existing) existing.Definition += `, ${definition}`;
    else byName.set(name, { Name: name, MemberType: 'Method', Definition: definition });
  }
  members.push(...byName.values());
  const key = (s: string) => s.toLowerCase();
  return members.sort((a, b) => (key(a.MemberType) < key(b.MemberType) ? -1 : key(a.MemberType) > key(b.MemberType) ? 1 : key(a.Name) < key(b.Name) ? -1 : key(a.Name) > key(b.Name) ? 1 : 0));
}
