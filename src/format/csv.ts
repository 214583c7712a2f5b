// CSV as ConvertTo-Csv / Export-Csv / --output csv write it and ConvertFrom-Csv / Import-Csv read it.
import { getMember, propertyNames, toStr } from '../runtime/values.js';

export function csvField(value: string, delimiter = ','): string {
  return /["\r\n]/.test(value) || value.includes(delimiter) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Column names for a stream of objects: the first object's properties (scalars get `Value`). */
export function csvColumns(first: unknown): string[] {
  const names = propertyNames(first);
  return names.length ? names : ['Value'];
}

export function csvRow(item: unknown, columns: readonly string[], delimiter = ','): string {
  const hasProps = propertyNames(item).length > 0;
  return columns
    .map((c) => {
      const v = hasProps ? getMember(item, c) : c === 'Value' ? item : null;
      return csvField(Array.isArray(v) ? v.map(toStr).join(' ') : toStr(v), delimiter);
    })
    .join(delimiter);
}

export function csvHeader(columns: readonly string[], delimiter = ','): string {
  return columns.map((c) => csvField(c, delimiter)).join(delimiter);
}

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
