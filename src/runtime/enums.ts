// .NET enums scripts name (`[ConsoleColor]::Red`, `[System.IO.FileAttributes]'ReadOnly, Hidden'`,
// `[MidpointRounding]::AwayFromZero`): an enum value is an Int32 with a type, so it counts, compares
// and converts as its number, prints as its name, and an operator whose left operand is an enum
// gives that enum again (Binders.cs BinaryNumericOp: "the result type is an enum").
import { TypedNumber } from '../language/numbers.js';
import { ConversionError, toStr } from './values.js';

export class EnumType {
  private readonly byName = new Map<string, number>();

  constructor(
    readonly fullName: string,
    /** Members in declaration order, with their values. */
    readonly members: readonly (readonly [string, number])[],
    /** A [Flags] enum: values combine, and print as the names of their bits. */
    readonly flags = false,
  ) {
    for (const [name, value] of members) this.byName.set(name.toLowerCase(), value);
  }

  get name(): string {
    return this.fullName.slice(this.fullName.lastIndexOf('.') + 1);
  }

  member(name: string): EnumValue | undefined {
    const value = this.byName.get(name.toLowerCase());
    return value === undefined ? undefined : new EnumValue(this, value);
  }

  /** A value of this enum from a name, `'A, B'` (flags), an array of names, or a number; ConversionError otherwise. */
  convert(value: unknown): EnumValue {
    if (value instanceof EnumValue && value.enumType === this) return value;
    if (Array.isArray(value)) return this.combine(value.map((v) => this.convert(v).valueOf()), value);
    if (typeof value === 'number' || value instanceof TypedNumber || typeof value === 'bigint') return new EnumValue(this, Number(value));
    const text = toStr(value).trim();
    if (/^[+-]?\d+$/.test(text)) return new EnumValue(this, Number(text));
    const names = text.split(',').map((n) => n.trim());
    const values = names.map((n) => this.byName.get(n.toLowerCase()));
    if (values.some((v) => v === undefined) || (names.length > 1 && !this.flags)) {
      throw new ConversionError(
        `Cannot convert value "${text}" to type "${this.fullName}". Error: "Unable to match the identifier name ${text} to a valid enumerator name. Specify one of the following enumerator names and try again: ${this.members.map(([n]) => n).join(', ')}"`,
      );
    }
    return this.combine(values as number[], text);
  }

  private combine(values: number[], original: unknown): EnumValue {
    if (values.length > 1 && !this.flags) throw new ConversionError(`Cannot convert value "${toStr(original)}" to type "${this.fullName}": it is not a [Flags] enum.`);
    return new EnumValue(this, values.reduce((a, b) => a | b, 0));
  }

  /** The text of a value: its member's name; for flags the names of its bits (`ReadOnly, Hidden`); else the number. */
  text(value: number): string {
    const exact = this.members.find(([, v]) => v === value);
    if (exact) return exact[0];
    if (this.flags && value > 0) {
      // .NET's Enum.ToString(): the largest members whose bits remain, listed in ascending order.
      const picked: (readonly [string, number])[] = [];
      let rest = value;
      for (const member of [...this.members].sort((a, b) => b[1] - a[1])) {
        if (member[1] !== 0 && (rest & member[1]) === member[1]) {
          picked.push(member);
          rest &= ~member[1];
        }
      }
      if (rest === 0) return picked.sort((a, b) => a[1] - b[1]).map(([name]) => name).join(', ');
    }
    return String(value);
  }
}

/** A value of an enum: an Int32 that knows its enum. */
export class EnumValue extends TypedNumber {
  constructor(
    readonly enumType: EnumType,
    value: number,
  ) {
    super('Int32', BigInt(value));
  }

  override toString(): string {
    return this.enumType.text(this.valueOf());
  }
}

const ENUMS = [
  new EnumType('System.ConsoleColor', ['Black', 'DarkBlue', 'DarkGreen', 'DarkCyan', 'DarkRed', 'DarkMagenta', 'DarkYellow', 'Gray', 'DarkGray', 'Blue', 'Green', 'Cyan', 'Red', 'Magenta', 'Yellow', 'White'].map((n, i) => [n, i] as const)),
  new EnumType('System.MidpointRounding', ['ToEven', 'AwayFromZero', 'ToZero', 'ToNegativeInfinity', 'ToPositiveInfinity'].map((n, i) => [n, i] as const)),
  new EnumType('System.StringComparison', ['CurrentCulture', 'CurrentCultureIgnoreCase', 'InvariantCulture', 'InvariantCultureIgnoreCase', 'Ordinal', 'OrdinalIgnoreCase'].map((n, i) => [n, i] as const)),
  new EnumType('System.DayOfWeek', ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'].map((n, i) => [n, i] as const)),
  new EnumType('System.Management.Automation.ActionPreference', ['SilentlyContinue', 'Stop', 'Continue', 'Inquire', 'Ignore', 'Suspend', 'Break'].map((n, i) => [n, i] as const)),
  new EnumType(
    'System.IO.FileAttributes',
    [
      ['ReadOnly', 1],
      ['Hidden', 2],
      ['System', 4],
      ['Directory', 16],
      ['Archive', 32],
      ['Device', 64],
      ['Normal', 128],
      ['Temporary', 256],
      ['SparseFile', 512],
      ['ReparsePoint', 1024],
      ['Compressed', 2048],
      ['Offline', 4096],
      ['NotContentIndexed', 8192],
      ['Encrypted', 16384],
      ['IntegrityStream', 32768],
      ['NoScrubData', 131072],
    ],
    true,
  ),
  new EnumType(
    'System.Management.Automation.CommandTypes',
    [
      ['Alias', 1],
      ['Function', 2],
      ['Filter', 4],
      ['Cmdlet', 8],
      ['ExternalScript', 16],
      ['Application', 32],
      ['Script', 64],
      ['Configuration', 256],
      ['All', 383],
    ],
    true,
  ),
];
const BY_NAME = new Map(ENUMS.flatMap((e) => [[e.fullName.toLowerCase(), e] as const, [e.fullName.toLowerCase().replace(/^system\.(management\.automation\.)?/, ''), e] as const]));

/** The enum a script names (`ConsoleColor`, `System.IO.FileAttributes`), if mcshell knows it. */
export function enumTypeNamed(written: string): EnumType | undefined {
  const lower = written.toLowerCase().replace(/\s+/g, '');
  return BY_NAME.get(lower) ?? BY_NAME.get(lower.replace(/^system\./, ''));
}
