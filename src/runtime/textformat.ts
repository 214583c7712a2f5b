// .NET-style format strings: the `-f` operator, `.ToString('N2')`, `Get-Date -Format`.
import { ConversionError, Hashtable, roundHalfEven, toStr, tryToNumber } from './values.js';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const STANDARD_DATE: Record<string, string> = {
  d: 'MM/dd/yyyy',
  D: 'dddd, dd MMMM yyyy',
  t: 'HH:mm',
  T: 'HH:mm:ss',
  g: 'MM/dd/yyyy HH:mm',
  G: 'MM/dd/yyyy HH:mm:ss',
  f: 'dddd, dd MMMM yyyy HH:mm',
  F: 'dddd, dd MMMM yyyy HH:mm:ss',
  s: "yyyy-MM-dd'T'HH:mm:ss",
  o: "yyyy-MM-dd'T'HH:mm:ss.fffffffzzz",
  O: "yyyy-MM-dd'T'HH:mm:ss.fffffffzzz",
};

const pad = (n: number, width: number) => String(Math.abs(n)).padStart(width, '0');

function offset(d: Date, withMinutes: boolean): string {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '-';
  const h = pad(Math.floor(Math.abs(minutes) / 60), 2);
  return withMinutes ? `${sign}${h}:${pad(Math.abs(minutes) % 60, 2)}` : `${sign}${h}`;
}

/** Custom and standard .NET date format strings (`yyyy-MM-dd HH:mm:ss`, `o`, `s`, `u`). */
export function formatDate(d: Date, format: string): string {
  if (format === 'u') return formatDate(new Date(d.getTime() + d.getTimezoneOffset() * 60_000), "yyyy-MM-dd HH:mm:ss'Z'");
  const spec = STANDARD_DATE[format] ?? format;
  let out = '';
  for (let i = 0; i < spec.length; ) {
    const ch = spec[i]!;
    if (ch === "'" || ch === '"') {
      const end = spec.indexOf(ch, i + 1);
      out += spec.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? spec.length : end + 1;
      continue;
    }
    if (ch === '\\' && i + 1 < spec.length) {
      out += spec[i + 1];
      i += 2;
      continue;
    }
    let run = 1;
    while (spec[i + run] === ch) run++;
    i += run;
    switch (ch) {
      case 'y':
        out += run <= 2 ? pad(d.getFullYear() % 100, run) : pad(d.getFullYear(), run);
        break;
      case 'M':
        out += run >= 4 ? MONTHS[d.getMonth()] : run === 3 ? MONTHS[d.getMonth()]!.slice(0, 3) : pad(d.getMonth() + 1, run);
        break;
      case 'd':
        out += run >= 4 ? DAYS[d.getDay()] : run === 3 ? DAYS[d.getDay()]!.slice(0, 3) : pad(d.getDate(), run);
        break;
      case 'H':
        out += pad(d.getHours(), run);
        break;
      case 'h':
        out += pad(d.getHours() % 12 || 12, run);
        break;
      case 'm':
        out += pad(d.getMinutes(), run);
        break;
      case 's':
        out += pad(d.getSeconds(), run);
        break;
      case 'f':
      case 'F':
        out += pad(d.getMilliseconds(), 3).padEnd(7, '0').slice(0, run);
        break;
      case 't':
        out += (d.getHours() < 12 ? 'AM' : 'PM').slice(0, run);
        break;
      case 'z':
        out += run >= 3 ? offset(d, true) : offset(d, false);
        break;
      case 'K':
        out += offset(d, true);
        break;
      default:
        out += ch.repeat(run);
    }
  }
  return out;
}

function groupThousands(integer: string): string {
  return integer.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** .NET rounds format output half away from zero. */
function fixed(n: number, decimals: number): string {
  const factor = 10 ** decimals;
  const rounded = Math.sign(n) * Math.round(Math.abs(n) * factor + 1e-9) / factor;
  return rounded.toFixed(decimals);
}

function customNumber(n: number, format: string): string {
  const [intPart = '', fracPart = ''] = format.split('.');
  const decimals = fracPart.replace(/[^0#]/g, '').length;
  const minDecimals = fracPart.replace(/[^0]/g, '').length;
  let text = fixed(n, decimals);
  if (decimals > minDecimals) text = text.replace(new RegExp(`0{1,${decimals - minDecimals}}$`), '').replace(/\.$/, '');
  const negative = text.startsWith('-');
  let [whole = '', frac] = (negative ? text.slice(1) : text).split('.');
  const minInt = intPart.replace(/[^0]/g, '').length;
  whole = whole.padStart(minInt, '0');
  if (whole === '0' && minInt === 0) whole = '';
  if (intPart.includes(',')) whole = groupThousands(whole);
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

export function formatNumber(n: number, format: string): string {
  const m = /^([NnFfDdXxPpEeGgCc])(\d*)$/.exec(format);
  if (!m) return /[0#]/.test(format) ? customNumber(n, format) : format;
  const precision = m[2] === '' ? undefined : Number(m[2]);
  switch (m[1]!.toUpperCase()) {
    case 'N': {
      const [whole, frac] = fixed(n, precision ?? 2).split('.');
      return `${groupThousands(whole!)}${frac ? `.${frac}` : ''}`;
    }
    case 'F':
      return fixed(n, precision ?? 2);
    case 'D': {
      const i = roundHalfEven(n);
      return `${i < 0 ? '-' : ''}${pad(i, precision ?? 1)}`;
    }
    case 'X': {
      const hex = (roundHalfEven(n) >>> 0).toString(16).padStart(precision ?? 1, '0');
      return m[1] === 'X' ? hex.toUpperCase() : hex;
    }
    case 'P':
      return `${fixed(n * 100, precision ?? 2)} %`;
    case 'E': {
      const text = n.toExponential(precision ?? 6).replace(/e([+-])(\d+)$/, (_, s: string, e: string) => `E${s}${e.padStart(3, '0')}`);
      return m[1] === 'e' ? text.toLowerCase() : text;
    }
    case 'C':
      return `¤${formatNumber(n, `N${precision ?? 2}`)}`;
    default:
      return toStr(n);
  }
}

/** Formats one value with an optional format spec (`{0:N2}`). */
export function formatValue(value: unknown, spec: string | undefined): string {
  if (spec === undefined || spec === '') return toStr(value);
  if (value instanceof Date) return formatDate(value, spec);
  const n = typeof value === 'number' ? value : typeof value === 'string' ? undefined : tryToNumber(value);
  return n === undefined ? toStr(value) : formatNumber(n, spec);
}

/** `'{0,-10} {1:N2}' -f $a, $b` */
export function formatOperator(format: string, args: unknown[]): string {
  return format.replace(/\{\{|\}\}|\{(\d+)(?:\s*,\s*(-?\d+))?(?::([^}]*))?\}/g, (match, index?: string, align?: string, spec?: string) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const i = Number(index);
    if (i >= args.length) throw new ConversionError(`Format index {${i}} has no argument: ${args.length} given.`);
    const text = formatValue(args[i] instanceof Hashtable ? toStr(args[i]) : args[i], spec);
    if (!align) return text;
    const width = Number(align);
    return width < 0 ? text.padEnd(-width) : text.padStart(width);
  });
}
