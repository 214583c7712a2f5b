// Numeric literals as PowerShell's tokenizer reads them (tokenizer.cs, TryGetNumberValue): type
// suffixes `y uy s us l ul u n d`, multipliers `kb … pb`, hex and binary digits whose top digit is a
// sign bit at the type's full width (`0xFFFFFFFF` is -1), and integers that widen Int32 → Int64 →
// Decimal → Double. The runtime uses the same reading for text converted to a number (`[int]'0x10'`).

/** The .NET numeric types besides BigInteger (a JavaScript bigint is a BigInteger). */
export type NumericType = 'SByte' | 'Byte' | 'Int16' | 'UInt16' | 'Int32' | 'UInt32' | 'Int64' | 'UInt64' | 'Single' | 'Double' | 'Decimal';

/**
 * A number whose .NET type its JavaScript value does not tell. A plain JavaScript number is an
 * Int32 when it is a whole number in Int32's range, an Int64 when it is another safe integer, and a
 * Double otherwise; every other typed number is one of these. Integer types hold a bigint, Single and
 * Double a number, Decimal a bigint mantissa with `scale` decimal places (1.50 is 150, scale 2).
 */
export class TypedNumber {
  constructor(
    readonly type: NumericType,
    readonly value: number | bigint,
    readonly scale = 0,
  ) {}

  /** The text .NET's ToString() gives. */
  toString(): string {
    return typedNumberToString(this);
  }

  /** The value as a JavaScript number (approximate beyond 2^53), so `Number(x)` and `<` work. */
  valueOf(): number {
    if (typeof this.value === 'number') return this.value;
    return this.scale === 0 ? Number(this.value) : Number(decimalText(this.value, this.scale));
  }
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** The .NET type a plain JavaScript number stands for. */
export function plainNumberType(n: number): 'Int32' | 'Int64' | 'Double' {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return 'Double';
  return n >= INT32_MIN && n <= INT32_MAX ? 'Int32' : 'Int64';
}

/** Bit width and signedness of the integer types. */
export const INTEGER_TYPES: Readonly<Record<string, { bits: number; signed: boolean }>> = {
  SByte: { bits: 8, signed: true },
  Byte: { bits: 8, signed: false },
  Int16: { bits: 16, signed: true },
  UInt16: { bits: 16, signed: false },
  Int32: { bits: 32, signed: true },
  UInt32: { bits: 32, signed: false },
  Int64: { bits: 64, signed: true },
  UInt64: { bits: 64, signed: false },
};

/** Whether `value` fits the integer type. */
export function fitsInteger(type: NumericType, value: bigint): boolean {
  const { bits, signed } = INTEGER_TYPES[type]!;
  return signed ? value >= -(1n << BigInt(bits - 1)) && value < 1n << BigInt(bits - 1) : value >= 0n && value < 1n << BigInt(bits);
}

/** A value of a numeric type in its one representation (see TypedNumber). */
export function makeNumber(type: NumericType | 'BigInteger', value: number | bigint, scale = 0): number | bigint | TypedNumber {
  if (type === 'BigInteger') return typeof value === 'bigint' ? value : BigInt(value);
  if (type === 'Double' || type === 'Single') {
    const n = type === 'Single' ? Math.fround(Number(value)) : Number(value);
    return type === 'Double' && plainNumberType(n) === 'Double' ? n : new TypedNumber(type, n);
  }
  if (type === 'Decimal') return new TypedNumber(type, BigInt(value), scale);
  const big = BigInt(value);
  if (type === 'Int32' || (type === 'Int64' && big >= -(2n ** 53n) + 1n && big <= 2n ** 53n - 1n && (big < BigInt(INT32_MIN) || big > BigInt(INT32_MAX)))) return Number(big);
  return new TypedNumber(type, big);
}

/** `150` scaled by 2 → `1.50`. */
function decimalText(mantissa: bigint, scale: number): string {
  const negative = mantissa < 0n;
  const digits = (negative ? -mantissa : mantissa).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** The largest Decimal mantissa (2^96 - 1) and most decimal places .NET keeps. */
export const DECIMAL_MAX = (1n << 96n) - 1n;
export const DECIMAL_MAX_SCALE = 28;

/** Decimal text (`-1.50`, `15e3`) as a mantissa and scale; undefined when it does not fit a Decimal. */
export function parseDecimal(text: string): { mantissa: bigint; scale: number } | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text.trim());
  if (!m || (m[2] === '' && !m[3])) return undefined;
  let digits = `${m[2]}${m[3] ?? ''}`;
  let scale = (m[3] ?? '').length - Number(m[4] ?? 0);
  if (scale < 0) {
    digits += '0'.repeat(-scale);
    scale = 0;
  }
  let mantissa = BigInt(digits || '0');
  // Beyond 28 places .NET rounds (half to even) the digits it cannot keep.
  while (scale > DECIMAL_MAX_SCALE || (mantissa > DECIMAL_MAX && scale > 0)) {
    mantissa = divideRoundHalfEven(mantissa, 10n);
    scale--;
  }
  if (mantissa > DECIMAL_MAX) return undefined;
  return { mantissa: m[1] === '-' ? -mantissa : mantissa, scale };
}

/** a / b rounded half to even (banker's rounding, as .NET rounds). */
export function divideRoundHalfEven(a: bigint, b: bigint): bigint {
  const negative = a < 0n !== b < 0n;
  const x = a < 0n ? -a : a;
  const y = b < 0n ? -b : b;
  let q = x / y;
  const twice = (x % y) * 2n;
  if (twice > y || (twice === y && q % 2n === 1n)) q++;
  return negative ? -q : q;
}

/** A double rounded half to even to an integer, as .NET converts a double to an integer type. */
export function roundToBigInt(n: number): bigint {
  const floor = Math.floor(n);
  const diff = n - floor;
  const rounded = diff > 0.5 || (diff === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
  return BigInt(rounded);
}

const SUFFIX_TYPES: Readonly<Record<string, NumericType | 'BigInteger' | 'U'>> = {
  y: 'SByte',
  uy: 'Byte',
  s: 'Int16',
  us: 'UInt16',
  l: 'Int64',
  ul: 'UInt64',
  u: 'U',
  n: 'BigInteger',
  d: 'Decimal',
};
const MULTIPLIERS: Readonly<Record<string, bigint>> = { kb: 1n << 10n, mb: 1n << 20n, gb: 1n << 30n, tb: 1n << 40n, pb: 1n << 50n };

/** The digits, suffix and multiplier of a number, as the lexer's Number token matches them. */
const NUMBER = /^([+-]?)(?:0x([0-9a-f]+)|0b([01]+)|((?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?))(uy|us|ul|y|s|l|u|n|d)?(kb|mb|gb|tb|pb)?$/i;

/** Two's complement: the top bit of `width` bits is a sign bit. */
function signed(value: bigint, width: number): bigint {
  return BigInt.asIntN(width, value);
}

/**
 * A numeric literal's value (`0xFFuy`, `1.5d`, `3e2l`, `1lkb`, `-0b10`), or undefined when the
 * text is not one or its value does not fit its type (PowerShell: a bad numeric constant).
 */
export function scanNumber(text: string): number | bigint | TypedNumber | undefined {
  const m = NUMBER.exec(text);
  if (!m) return undefined;
  const [, sign, hex, binary, decimal, suffixText, multiplierText] = m;
  const suffix = suffixText ? SUFFIX_TYPES[suffixText.toLowerCase()]! : undefined;
  const multiplier = multiplierText ? MULTIPLIERS[multiplierText.toLowerCase()]! : 1n;
  const negative = sign === '-';
  if (decimal !== undefined && /[.e]/i.test(decimal)) return realLiteral(`${sign}${decimal}`, suffix, multiplier);
  let value: bigint;
  let width = 0;
  if (hex !== undefined) {
    value = BigInt(`0x${hex}`);
    // The top hex digit is a sign bit only when the digits fill the type: 2 for y, 4 for s, 16 for
    // l, else 8 (or 16 from the 15th digit on); unsigned suffixes have no sign bit.
    const full = suffix === 'SByte' ? 2 : suffix === 'Int16' ? 4 : suffix === 'Int64' ? 16 : hex.length + 1 < 16 ? 8 : 16;
    const unsigned = suffix === 'U' || suffix === 'Byte' || suffix === 'UInt16' || suffix === 'UInt64';
    if (!unsigned && hex.length === full) value = signed(value, full * 4);
    if (hex.length === 16 && (suffix === undefined || suffix === 'U')) width = 64;
  } else if (binary !== undefined) {
    value = BigInt(`0b${binary}`);
    const unsigned = suffix === 'U' || suffix === 'Byte' || suffix === 'UInt16' || suffix === 'UInt64';
    const signBitWidth = [8, 16, 32, 64, 96].includes(binary.length) || binary.length >= 128;
    if (!unsigned && binary[0] === '1' && signBitWidth) value = signed(value, binary.length);
    if (binary.length === 64 && (suffix === undefined || suffix === 'U')) width = 64;
  } else {
    value = BigInt(decimal!);
  }
  value *= negative ? -multiplier : multiplier;
  if (width === 64) return integerOfType(value, suffix === 'U' ? 'UInt64' : 'Int64');
  return integerOfType(value, suffix, decimal !== undefined);
}

/** An integer literal of the suffix's type; without one Int32, Int64, then (decimal digits) Decimal or Double. */
function integerOfType(value: bigint, suffix: NumericType | 'BigInteger' | 'U' | undefined, decimalDigits = false): number | bigint | TypedNumber | undefined {
  if (suffix === 'BigInteger') return value;
  if (suffix === 'Decimal') return value >= -DECIMAL_MAX && value <= DECIMAL_MAX ? makeNumber('Decimal', value) : undefined;
  if (suffix === 'U') {
    if (fitsInteger('UInt32', value)) return makeNumber('UInt32', value);
    return fitsInteger('UInt64', value) ? makeNumber('UInt64', value) : undefined;
  }
  if (suffix !== undefined) return fitsInteger(suffix, value) ? makeNumber(suffix, value) : undefined;
  if (fitsInteger('Int32', value)) return Number(value);
  if (fitsInteger('Int64', value)) return makeNumber('Int64', value);
  if (!decimalDigits) return undefined;
  if (value >= -DECIMAL_MAX && value <= DECIMAL_MAX) return makeNumber('Decimal', value);
  return makeNumber('Double', Number(value));
}

/** A literal with a decimal point or exponent: a Double, a Decimal (`d`), or rounded to an integer type. */
function realLiteral(text: string, suffix: NumericType | 'BigInteger' | 'U' | undefined, multiplier: bigint): number | bigint | TypedNumber | undefined {
  if (suffix === 'Decimal') {
    const d = parseDecimal(text);
    if (!d) return undefined;
    const mantissa = d.mantissa * multiplier;
    return mantissa >= -DECIMAL_MAX && mantissa <= DECIMAL_MAX ? makeNumber('Decimal', mantissa, d.scale) : undefined;
  }
  const n = Number(text) * Number(multiplier);
  if (suffix === undefined) return makeNumber('Double', n);
  if (!Number.isFinite(n)) return undefined;
  // Math.Round, half to even (Utils.AsBigInt), for every integer type.
  return integerOfType(roundToBigInt(n), suffix);
}

/** The shortest text that reads back as the same Single. */
function singleToString(n: number): string {
  for (let digits = 1; digits <= 9; digits++) {
    const text = n.toPrecision(digits);
    if (Math.fround(Number(text)) === n) return doubleToString(Number(text), digits);
  }
  return doubleToString(n, 9);
}

/**
 * A double as PowerShell prints it: up to 15 significant digits, exponent notation with at least
 * two exponent digits from 1E-05 down and from 1E+15 up (`1E+20`, `1E-07`).
 */
export function doubleToString(n: number, precision = 15): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Object.is(n, -0)) return '-0';
  if (Number.isSafeInteger(n) && Math.abs(n) < 1e15) return String(n);
  const [mantissa, exponentText] = n.toExponential(precision - 1).split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent > -5 && exponent < 15) return String(Number(n.toPrecision(precision)));
  const digits = mantissa.replace(/\.?0+$/, '');
  return `${digits}E${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** A TypedNumber's text, as .NET's ToString() gives it. */
function typedNumberToString(value: TypedNumber): string {
  // A Decimal keeps its scale's places: `[decimal]'0.10'` is 0.10.
  if (value.type === 'Decimal') return decimalText(value.value as bigint, value.scale);
  if (value.type === 'Single') return singleToString(value.value as number);
  if (value.type === 'Double') return doubleToString(value.value as number);
  return String(value.value);
}
