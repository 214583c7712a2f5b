// CSV as ConvertTo-Csv / Export-Csv / --output csv write it and ConvertFrom-Csv / Import-Csv read it.
import { getMember, propertyNames, toStr } from '../runtime/values.js';

/** PowerShell 7's -UseQuotes (Always is ConvertTo-Csv's default; AsNeeded is --output csv's) and -QuoteFields. */
export interface CsvQuoting {
  mode: 'Always' | 'AsNeeded' | 'Never';
  /** Columns quoted always; the others as needed. */
  fields?: readonly string[];
}

const AS_NEEDED: CsvQuoting = { mode: 'AsNeeded' };

function quoteMode(column: string, quoting: CsvQuoting): CsvQuoting['mode'] {
  if (quoting.fields) return quoting.fields.some((f) => f.toLowerCase() === column.toLowerCase()) ? 'Always' : 'AsNeeded';
  return quoting.mode;
}

export function csvField(value: string, delimiter = ',', mode: CsvQuoting['mode'] = 'AsNeeded'): string {
  if (mode === 'Never') return value;
  const needed = mode === 'Always' || /["\r\n]/.test(value) || value.includes(delimiter) || value !== value.trim();
  return needed ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Column names for a stream of objects: the first object's properties (scalars get `Value`). */
export function csvColumns(first: unknown): string[] {
  const names = propertyNames(first);
  return names.length ? names : ['Value'];
}

export function csvRow(item: unknown, columns: readonly string[], delimiter = ',', quoting: CsvQuoting = AS_NEEDED): string {
  const hasProps = propertyNames(item).length > 0;
  return columns
    .map((c) => {
      const v = hasProps ? getMember(item, c) : c === 'Value' ? item : null;
      return csvField(Array.isArray(v) ? v.map(toStr).join(' ') : toStr(v), delimiter, quoteMode(c, quoting));
    })
    .join(delimiter);
}

export function csvHeader(columns: readonly string[], delimiter = ',', quoting: CsvQuoting = AS_NEEDED): string {
  return columns.map((c) => csvField(c, delimiter, quoteMode(c, quoting))).join(delimiter);
}

/** The quoting parameters ConvertTo-Csv and Export-Csv declare. */
export const QUOTING_PARAMETERS = {
  // In two parameter sets, as in PowerShell: -UseQuotes and -QuoteFields do not go together.
  UseQuotes: { type: 'enum', values: ['Always', 'AsNeeded', 'Never'], default: 'Always', sets: ['UseQuotes'], description: 'Quote every field (Always, as PowerShell 7 does), only fields that need it (AsNeeded), or none (Never).' },
  QuoteFields: { type: 'string[]', sets: ['QuoteFields'], description: 'Quote only these columns (the others as needed).' },
} as const;

/** Parses CSV text into rows of fields (RFC 4180 quoting, CRLF or LF). */
export function parseCsvRows(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let sawQuote = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') {
      quoted = true;
      sawQuote = true;
    } else if (ch === delimiter) {
      row.push(field);
      field = '';
      sawQuote = false;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.length > 1 || row[0] !== '' || sawQuote) rows.push(row);
      row = [];
      field = '';
      sawQuote = false;
    } else field += ch;
  }
  if (field !== '' || row.length > 0 || sawQuote) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** CSV text as objects keyed by the header row (or the given header). */
export function parseCsv(text: string, delimiter = ',', header?: readonly string[]): Record<string, string>[] {
  const rows = parseCsvRows(text, delimiter).filter((r) => !(r.length === 1 && r[0]!.startsWith('#TYPE')));
  const names = header ?? rows.shift() ?? [];
  return rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i] ?? ''])));
}
