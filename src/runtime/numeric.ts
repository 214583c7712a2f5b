// PowerShell's numeric types and arithmetic (Binders.cs BinaryNumericOp, NumericOps.cs): the
// operation runs in the wider operand type (at least Int32), an Int32/UInt32/Int64/UInt64 result
// that overflows becomes a Double, a Decimal operand makes the operation Decimal (overflow is an
// error), a signed negative operand with an unsigned one widens (UInt32 → Int64, UInt64 → Decimal),
// and an integer division that is not exact gives a Double. Values: see TypedNumber.
import {
  DECIMAL_MAX,
  DECIMAL_MAX_SCALE,
  INTEGER_TYPES,
  type NumericType,
  TypedNumber,
  divideRoundHalfEven,
  fitsInteger,
  makeNumber,
  parseDecimal,
  plainNumberType,
  roundToBigInt,
  scanNumber,
} from '../language/numbers.js';
import { TypedConversionError } from './exceptions.js';

export type AnyNumericType = NumericType | 'BigInteger';

/** .NET's TypeCode order, which decides the operation type of two operands. */
const TYPE_CODE: Readonly<Record<AnyNumericType | 'Boolean', number>> = {
  Boolean: 3,
  SByte: 5,
  Byte: 6,
  Int16: 7,
  UInt16: 8,
  Int32: 9,
  UInt32: 10,
  Int64: 11,
  UInt64: 12,
  Single: 13,
  Double: 14,
  Decimal: 15,
  BigInteger: 16,
};

export function isNumeric(value: unknown): value is number | bigint | TypedNumber {
  return typeof value === 'number' || typeof value === 'bigint' || value instanceof TypedNumber;
}

/** The .NET numeric type of a value, or undefined for anything else. */
export function numericType(value: unknown): AnyNumericType | undefined {
  if (typeof value === 'number') return plainNumberType(value);
  if (typeof value === 'bigint') return 'BigInteger';
  if (value instanceof TypedNumber) return value.type;
  return undefined;
}

const isFloating = (type: string) => type === 'Double' || type === 'Single';

/** The value as an exact integer (integer types, BigInteger, booleans). */
function bigOf(value: number | bigint | TypedNumber | boolean): bigint {
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (typeof value.value === 'bigint' && value.type !== 'Decimal') return value.value;
  // A Double or Decimal as an integer: BigInteger's conversion truncates.
  return value.type === 'Decimal' ? (value.value as bigint) / 10n ** BigInt(value.scale) : BigInt(Math.trunc(value.value as number));
}

// ---------------------------------------------------------------- Decimal

interface Dec {
  m: bigint;
  s: number;
}

function overflow(what: string): TypedConversionError {
  return new TypedConversionError(`Value was either too large or too small for ${what}.`, 'System.OverflowException');
}

function divideByZero(): TypedConversionError {
  return new TypedConversionError('Attempted to divide by zero.', 'System.DivideByZeroException');
}

/** A double as .NET's Decimal conversion makes it: 15 significant digits, trailing zeros dropped. */
function decimalFromDouble(n: number): Dec {
  const parsed = Number.isFinite(n) ? parseDecimal(n.toPrecision(15)) : undefined;
  if (!parsed) throw overflow('a Decimal');
  let { mantissa: m, scale: s } = parsed;
  while (s > 0 && m % 10n === 0n) {
    m /= 10n;
    s--;
  }
  return { m, s };
}

function decOf(value: number | bigint | TypedNumber | boolean): Dec {
  if (value instanceof TypedNumber && value.type === 'Decimal') return { m: value.value as bigint, s: value.scale };
  if ((typeof value === 'number' && plainNumberType(value) === 'Double') || (value instanceof TypedNumber && isFloating(value.type))) return decimalFromDouble(Number(value));
  const m = bigOf(value);
  if (m > DECIMAL_MAX || m < -DECIMAL_MAX) throw overflow('a Decimal');
  return { m, s: 0 };
}

/** A Decimal result: rounded to the places and digits a Decimal holds, else an overflow error. */
function decimalResult(m: bigint, s: number): TypedNumber {
  while (s > DECIMAL_MAX_SCALE || ((m > DECIMAL_MAX || m < -DECIMAL_MAX) && s > 0)) {
    m = divideRoundHalfEven(m, 10n);
    s--;
  }
  if (m > DECIMAL_MAX || m < -DECIMAL_MAX) throw overflow('a Decimal');
  return new TypedNumber('Decimal', m, s);
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const s = Math.max(a.s, b.s);
  return [a.m * 10n ** BigInt(s - a.s), b.m * 10n ** BigInt(s - b.s), s];
}

function decimalOp(op: string, a: Dec, b: Dec): TypedNumber {
  switch (op) {
    case '+':
    case '-': {
      const [x, y, s] = align(a, b);
      return decimalResult(op === '+' ? x + y : x - y, s);
    }
    case '*':
      return decimalResult(a.m * b.m, a.s + b.s);
    case '%': {
      if (b.m === 0n) throw divideByZero();
      const [x, y, s] = align(a, b);
      return decimalResult(x % y, s);
    }
  }
  // Division: the exact quotient at the smallest scale that holds it, else as many digits as fit.
  if (b.m === 0n) throw divideByZero();
  let s = Math.max(a.s - b.s, 0);
  for (;;) {
    const numerator = a.m * 10n ** BigInt(s - a.s + b.s);
    const exact = numerator % b.m === 0n;
    const q = divideRoundHalfEven(numerator, b.m);
    if (exact) return decimalResult(q, s);
    const next = divideRoundHalfEven(numerator * 10n, b.m);
    if (s >= DECIMAL_MAX_SCALE || next > DECIMAL_MAX || next < -DECIMAL_MAX) return decimalResult(q, s);
    s++;
  }
}

// ---------------------------------------------------------------- arithmetic

type Operand = number | bigint | TypedNumber | boolean;

function operandType(value: Operand): AnyNumericType | 'Boolean' {
  return typeof value === 'boolean' ? 'Boolean' : numericType(value)!;
}

const isSigned = (type: string) => type === 'SByte' || type === 'Int16' || type === 'Int32' || type === 'Int64' || type === 'Boolean';

/** `a op b` (+ - * / %) on two numbers or on two bigints; dividing by zero is an error. */
function basicOp(op: string, a: number, b: number): number;
function basicOp(op: string, a: bigint, b: bigint): bigint;
function basicOp(op: string, a: number | bigint, b: number | bigint): number | bigint {
  if ((op === '/' || op === '%') && Number(b) === 0) throw divideByZero();
  // Both operands are numbers or both bigints: the same operators serve either.
  const [x, y] = [a, b] as [number, number];
  return op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : x % y;
}

/** Integer arithmetic in `type`; a result outside it (or an inexact quotient) is a Double. */
function integerOp(op: string, type: NumericType, a: bigint, b: bigint): unknown {
  if (op === '/' && b !== 0n && a % b !== 0n) return Number(a) / Number(b);
  // MinValue % -1 overflows in the CLR; PowerShell answers 0.
  const result = op === '%' && b === -1n ? 0n : basicOp(op, a, b);
  return fitsInteger(type, result) ? makeNumber(type, result) : makeNumber('Double', Number(result));
}

/** `a op b` for two numeric operands (booleans count as Int32): + - * / %. */
export function numericOp(op: string, left: Operand, right: Operand): unknown {
  if (typeof left === 'number' && typeof right === 'number' && (left | 0) === left && (right | 0) === right) {
    // The commonest case, two Int32s; `+ 0`: an Int32 result is never -0 (0 * -1 is 0).
    const result = basicOp(op, left, right);
    return result >= -(2 ** 31) && result <= 2 ** 31 - 1 ? result + 0 : makeNumber('Double', result);
  }
  const lt = operandType(left);
  const rt = operandType(right);
  // BigInteger's operators: the other operand converts to a BigInteger (a double truncates).
  if (lt === 'BigInteger' || rt === 'BigInteger') return basicOp(op, bigOf(left), bigOf(right));
  const code = Math.max(TYPE_CODE[lt], TYPE_CODE[rt]);
  if (code === TYPE_CODE.Decimal) return decimalOp(op, decOf(left), decOf(right));
  if (code >= TYPE_CODE.Single) return makeNumber('Double', basicOp(op, Number(left), Number(right)));
  const a = bigOf(left);
  const b = bigOf(right);
  const negativeSigned = (isSigned(lt) && a < 0n) || (isSigned(rt) && b < 0n);
  if (code <= TYPE_CODE.Int32) return integerOp(op, 'Int32', a, b);
  if (code === TYPE_CODE.UInt32) return integerOp(op, negativeSigned ? 'Int64' : 'UInt32', a, b);
  if (code === TYPE_CODE.Int64) return integerOp(op, 'Int64', a, b);
  if (!negativeSigned) return integerOp(op, 'UInt64', a, b);
  // A negative signed operand with a UInt64: Decimal, falling back to Double on overflow.
  try {
    return decimalOp(op, { m: a, s: 0 }, { m: b, s: 0 });
  } catch (e) {
    if (!(e instanceof TypedConversionError) || e.exceptionType !== 'System.OverflowException') throw e;
    return numericOp(op, Number(a), makeNumber('Double', Number(b)) as Operand);
  }
}

/** Three-way comparison of two numeric operands, exact for integers and Decimals. */
export function compareNumeric(left: Operand, right: Operand): number {
  const lt = operandType(left);
  const rt = operandType(right);
  if (isFloating(lt) || isFloating(rt)) {
    const a = Number(left);
    const b = Number(right);
    return a < b ? -1 : a > b ? 1 : a === b ? 0 : Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : 1;
  }
  if (lt === 'Decimal' || rt === 'Decimal') {
    const [x, y] = align(decOf(left), decOf(right));
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const a = bigOf(left);
  const b = bigOf(right);
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------- conversion

const TYPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  SByte: 'a signed byte',
  Byte: 'an unsigned byte',
  Int16: 'an Int16',
  UInt16: 'a UInt16',
  Int32: 'an Int32',
  UInt32: 'a UInt32',
  Int64: 'an Int64',
  UInt64: 'a UInt64',
  Decimal: 'a Decimal',
};

/**
 * A numeric value converted to `type` as a cast does: doubles and Decimals round half to even into
 * integer types (BigInteger truncates), and a value outside the type is an overflow error.
 */
export function convertNumber(value: Operand, type: AnyNumericType): number | bigint | TypedNumber {
  const from = operandType(value);
  if (type === 'BigInteger') return bigOf(value);
  if (type === 'Double' || type === 'Single') return makeNumber(type, Number(value));
  if (type === 'Decimal') {
    const d = decOf(value);
    return new TypedNumber('Decimal', d.m, d.s);
  }
  let integer: bigint;
  if (from === 'Decimal') {
    const d = decOf(value);
    integer = divideRoundHalfEven(d.m, 10n ** BigInt(d.s));
  } else if (isFloating(from)) {
    const n = Number(value);
    if (!Number.isFinite(n)) throw overflow(TYPE_DESCRIPTIONS[type]!);
    integer = roundToBigInt(n);
  } else {
    integer = bigOf(value);
  }
  if (!fitsInteger(type, integer)) throw overflow(TYPE_DESCRIPTIONS[type]!);
  return makeNumber(type, integer);
}

/**
 * `-band -bor -bxor` (Binders.cs BinaryBitwiseOp): integers in the wider type (at least Int32);
 * Doubles and Decimals as UInt64, signed when either operand is negative.
 */
export function bitwiseOp(op: string, left: Operand, right: Operand): unknown {
  const lt = operandType(left);
  const rt = operandType(right);
  const apply = (a: bigint, b: bigint) => (op === '-band' ? a & b : op === '-bor' ? a | b : a ^ b);
  if (lt === 'BigInteger' || rt === 'BigInteger') return apply(bigOf(left), bigOf(right));
  const code = Math.max(TYPE_CODE[lt], TYPE_CODE[rt]);
  if (code >= TYPE_CODE.Single) {
    const a = convertNumber(left, Number(left) < 0 ? 'Int64' : 'UInt64');
    const b = convertNumber(right, Number(right) < 0 ? 'Int64' : 'UInt64');
    const result = BigInt.asUintN(64, apply(bigOf(a), bigOf(b)));
    return Number(left) < 0 || Number(right) < 0 ? makeNumber('Int64', BigInt.asIntN(64, result)) : makeNumber('UInt64', result);
  }
  const type: NumericType = code <= TYPE_CODE.Int32 ? 'Int32' : code <= TYPE_CODE.UInt32 ? 'UInt32' : code <= TYPE_CODE.Int64 ? 'Int64' : 'UInt64';
  const { bits, signed } = INTEGER_TYPES[type]!;
  const wrap = (n: bigint) => (signed ? BigInt.asIntN(bits, n) : BigInt.asUintN(bits, n));
  return makeNumber(type, wrap(apply(wrap(bigOf(left)), wrap(bigOf(right)))));
}

/** `-shl -shr`: in the left operand's type (at least Int32), the count masked to its width. */
export function shiftOp(op: string, left: Operand, right: Operand): unknown {
  const lt = operandType(left);
  const count = bigOf(right);
  if (lt === 'BigInteger') return op === '-shl' ? bigOf(left) << count : bigOf(left) >> count;
  const type: NumericType = TYPE_CODE[lt] <= TYPE_CODE.Int32 ? 'Int32' : lt === 'UInt32' || lt === 'Int64' || lt === 'UInt64' ? lt : 'Int64';
  const a = isFloating(lt) || lt === 'Decimal' ? bigOf(convertNumber(left, 'Int64')) : bigOf(left);
  const { bits, signed } = INTEGER_TYPES[type]!;
  const masked = count & BigInt(bits - 1);
  const result = op === '-shl' ? a << masked : a >> masked;
  return makeNumber(type, signed ? BigInt.asIntN(bits, result) : BigInt.asUintN(bits, result));
}

/** `-bnot`: types narrower than Int32 give an Int32; the others keep their type (Doubles: the narrowest that holds them). */
export function bitwiseNotOp(value: Operand): unknown {
  const type = operandType(value);
  if (type === 'BigInteger') return ~bigOf(value);
  if (isFloating(type) || type === 'Decimal') {
    const n = Number(value);
    const fits = (['Int32', 'UInt32', 'Int64', 'UInt64'] as const).find((t) => n >= Number(numericLimit(t, false)) && n <= Number(numericLimit(t, true)));
    if (!fits) throw overflow('a UInt64');
    return bitwiseNotOp(convertNumber(value, fits) as Operand);
  }
  const target: NumericType = TYPE_CODE[type] <= TYPE_CODE.Int32 ? 'Int32' : (type as NumericType);
  const { bits, signed } = INTEGER_TYPES[target]!;
  const result = ~bigOf(value);
  return makeNumber(target, signed ? BigInt.asIntN(bits, result) : BigInt.asUintN(bits, result));
}

/** MaxValue and MinValue of the numeric types. */
export function numericLimit(type: AnyNumericType, max: boolean): unknown {
  if (type === 'Decimal') return new TypedNumber('Decimal', max ? DECIMAL_MAX : -DECIMAL_MAX, 0);
  if (type === 'Double') return makeNumber('Double', max ? Number.MAX_VALUE : -Number.MAX_VALUE);
  if (type === 'Single') return makeNumber('Single', max ? 3.4028234663852886e38 : -3.4028234663852886e38);
  if (type === 'BigInteger') return undefined;
  const { bits, signed } = INTEGER_TYPES[type]!;
  const value = signed ? (max ? (1n << BigInt(bits - 1)) - 1n : -(1n << BigInt(bits - 1))) : max ? (1n << BigInt(bits)) - 1n : 0n;
  return makeNumber(type, value);
}

/** The numeric types by the names a script writes them (`[int]`, `[System.UInt64]`, `[bigint]`), lower case, without `system.`. */
export const NUMERIC_TYPE_NAMES: Readonly<Record<string, AnyNumericType>> = {
  sbyte: 'SByte',
  byte: 'Byte',
  short: 'Int16',
  int16: 'Int16',
  ushort: 'UInt16',
  uint16: 'UInt16',
  int: 'Int32',
  int32: 'Int32',
  uint: 'UInt32',
  uint32: 'UInt32',
  long: 'Int64',
  int64: 'Int64',
  ulong: 'UInt64',
  uint64: 'UInt64',
  float: 'Single',
  single: 'Single',
  double: 'Double',
  decimal: 'Decimal',
  bigint: 'BigInteger',
  'numerics.biginteger': 'BigInteger',
};

/** Text converted to a numeric type as a cast does: exact for Decimal and BigInteger digits. */
export function parseAs(text: string, type: AnyNumericType): number | bigint | TypedNumber | undefined {
  const t = text.trim();
  if (t === '') return convertNumber(0, type);
  if (type === 'Decimal' && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) {
    const d = parseDecimal(t);
    if (!d) throw overflow('a Decimal');
    return new TypedNumber('Decimal', d.mantissa, d.scale);
  }
  if (type === 'BigInteger' && /^[+-]?\d+$/.test(t)) return BigInt(t);
  const n = scanNumber(t);
  return n === undefined ? undefined : convertNumber(n, type);
}
