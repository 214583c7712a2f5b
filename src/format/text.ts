// Text rendering of pipeline objects: tables for objects with up to four displayed properties,
// lists beyond, scalars on their own line. Tables stream: column widths come from the declared
// view or the first few rows (waiting at most a moment), later rows never wait, and a value too
// wide for its column is cut with a visible `…`. A change of object shape starts a new table.
import type { OutputType } from '../runtime/cmdlet.js';
import { ErrorRecord } from '../runtime/errors.js';
import { isNumeric } from '../runtime/numeric.js';
import { Hashtable, SHOWN_AS_TEXT, getMember, isPlainObject, propertyNames, toStr, typeNameOf } from '../runtime/values.js';
import { renderErrorFull } from './errors.js';
import { printable } from './printable.js';
import { createStyle, type Style } from './style.js';

export type View = NonNullable<OutputType['view']>;

export interface TextOptions {
  columns: number;
  style: Style;
  views: ReadonlyMap<string, View>;
  /** Rows sampled to size columns before the first table line is written. */
  sampleRows?: number;
  /** With a timer, a slow producer's sampled rows are flushed after this many ms. */
  flushAfterMs?: number;
  /** Force a layout and properties (Format-Table / Format-List). */
  layout?: 'table' | 'list';
  properties?: readonly (string | CalculatedProperty)[];
  /** Size columns from all rows (Format-Table -AutoSize): waits for the end. */
  autoSize?: boolean;
  /** Wrap long cells onto further lines instead of cutting them (Format-Table -Wrap). */
  wrap?: boolean;
  /** Source texts by file, for carets under error spans. */
  sources?: ReadonlyMap<string, string>;
}

export interface CalculatedProperty {
  label: string;
  value(item: unknown): unknown;
}

interface Shape {
  key: string;
  layout: 'table' | 'list';
  columns: { label: string; get(item: unknown): unknown; width?: number }[];
}

const ELLIPSIS = '…';

export function truncate(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? ELLIPSIS.slice(0, width) : text.slice(0, width - 1) + ELLIPSIS;
}

/** A value inside a table cell or list entry: one line, arrays as `{a, b}`, control characters visible. */
export function cellText(value: unknown): string {
  if (Array.isArray(value)) return `{${value.map(cellText).join(', ')}}`;
  if (value instanceof Hashtable) return `{${value.entries().map(([k, v]) => `${printable(toStr(k))}=${cellText(v)}`).join('; ')}}`;
  const text = value instanceof ErrorRecord ? value.message : toStr(value);
  const newline = text.indexOf('\n');
  return printable(newline < 0 ? text : `${text.slice(0, newline).trimEnd()}${ELLIPSIS}`);
}

/** Objects worth a table or list (not scalars). */
function isRecordLike(value: unknown): boolean {
  if (value !== null && typeof value === 'object' && SHOWN_AS_TEXT in value) return false;
  return value instanceof Hashtable || isPlainObject(value) || (value !== null && typeof value === 'object' && !(value instanceof Date) && !Array.isArray(value) && propertyNames(value).length > 0);
}

export class TextFormatter {
  private shape: Shape | null = null;
  private pending: unknown[] = [];
  private widths: number[] | null = null;
  private timer: NodeJS.Timeout | null = null;
  private wroteBlock = false;

  constructor(
    private readonly write: (line: string) => void,
    private readonly options: TextOptions,
  ) {}

  private shapeOf(item: unknown): Shape {
    const props = this.options.properties;
    if (props) {
      const columns = props.map((p) =>
        typeof p === 'string' ? { label: printable(p), get: (o: unknown) => getMember(o, p) } : { label: printable(p.label), get: (o: unknown) => p.value(o) },
      );
      return { key: 'explicit', layout: this.options.layout ?? (columns.length <= 4 ? 'table' : 'list'), columns };
    }
    if (item instanceof Hashtable) {
      return { key: 'hashtable', layout: this.options.layout ?? 'table', columns: [{ label: 'Name', get: (e) => (e as [unknown, unknown])[0] }, { label: 'Value', get: (e) => (e as [unknown, unknown])[1] }] };
    }
    const typeName = typeNameOf(item);
    const view = typeName ? this.options.views.get(typeName) : undefined;
    const names = view ? [...view.properties] : propertyNames(item);
    const columns = names.map((n) => ({ label: printable(n), get: (o: unknown) => getMember(o, n), width: view?.widths?.[n] }));
    const layout = this.options.layout ?? view?.layout ?? (names.length <= 4 ? 'table' : 'list');
    // Types that share a view (files and directories) share a table.
    return { key: `${view ? 'view' : (typeName ?? '')}|${names.join('\u0000')}`, layout, columns };
  }

  /** Writes one pipeline object (arrays inside the stream are shown element by element). */
  add(item: unknown): void {
    if (item === null || item === undefined) return;
    if (Array.isArray(item)) {
      for (const element of item) this.add(element);
      return;
    }
    if (item instanceof ErrorRecord && !this.options.properties) {
      this.flush();
      this.shape = null;
      this.block(renderErrorFull(item, this.options.sources));
      return;
    }
    if (!isRecordLike(item)) {
      this.flush();
      this.shape = null;
      this.write(printable(toStr(item), true));
      return;
    }
    const shape = this.shapeOf(item);
    if (!this.shape || this.shape.key !== shape.key || shape.layout !== this.shape.layout) {
      this.flush();
      this.shape = shape;
      this.widths = null;
    }
    const rows = item instanceof Hashtable && !this.options.properties ? item.entries() : [item];
    if (this.shape.layout === 'list') {
      for (const row of rows) this.writeList(row);
      return;
    }
    if (this.widths) {
      for (const row of rows) this.writeRow(row);
      return;
    }
    this.pending.push(...rows);
    const declared = this.shape.columns.every((c) => c.width !== undefined);
    if (!this.options.autoSize && (declared || this.pending.length >= (this.options.sampleRows ?? 10))) this.flush();
    else if (!this.options.autoSize && this.options.flushAfterMs !== undefined && !this.timer) {
      this.timer = setTimeout(() => this.flush(), this.options.flushAfterMs);
      this.timer.unref();
    }
  }

  /** Writes buffered rows (end of stream, a shape change, or the sampling timer). */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0 || !this.shape) return;
    const rows = this.pending;
    this.pending = [];
    this.widths = this.computeWidths(rows);
    this.writeHeader();
    for (const row of rows) this.writeRow(row);
  }

  end(): void {
    this.flush();
  }

  private block(text: string): void {
    if (this.wroteBlock) this.write('');
    for (const line of text.split('\n')) this.write(line);
    this.wroteBlock = true;
  }

  private computeWidths(rows: unknown[]): number[] {
    const columns = this.shape!.columns;
    const natural = columns.map((c, i) => {
      if (c.width !== undefined) return c.width;
      const longest = Math.max(c.label.length, ...rows.map((r) => cellText(c.get(r)).length));
      return i === columns.length - 1 ? longest : Math.min(longest, 60);
    });
    const available = Math.max(20, this.options.columns - 1) - (columns.length - 1);
    let total = natural.reduce((a, b) => a + b, 0);
    while (total > available) {
      const widest = natural.indexOf(Math.max(...natural));
      if (natural[widest]! <= 6) break;
      natural[widest]!--;
      total--;
    }
    return natural;
  }

  /** A row whose cells continue on further lines: each text line of a cell cut into pieces of the column's width. */
  private writeWrappedRow(row: unknown): void {
    const widths = this.widths!;
    const values = this.shape!.columns.map((c) => c.get(row));
    const pieces = values.map((value, i) => {
      const width = widths[i]!;
      const text = typeof value === 'string' ? value : cellText(value);
      return text.split('\n').flatMap((line) => {
        const shown = printable(line.trimEnd());
        const parts: string[] = [];
        for (let at = 0; at < shown.length; at += width) parts.push(shown.slice(at, at + width));
        return parts.length ? parts : [''];
      });
    });
    const height = Math.max(...pieces.map((p) => p.length));
    for (let line = 0; line < height; line++) {
      const cells = pieces.map((p, i) => {
        const text = p[line] ?? '';
        return isNumeric(values[i]) ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
      });
      this.write(cells.join(' ').trimEnd());
    }
  }

  private writeHeader(): void {
    const { columns } = this.shape!;
    const widths = this.widths!;
    const style = this.options.style;
    if (this.wroteBlock) this.write('');
    this.write(style.green(columns.map((c, i) => truncate(c.label, widths[i]!).padEnd(widths[i]!)).join(' ').trimEnd()));
    this.write(style.green(columns.map((c, i) => '-'.repeat(Math.min(c.label.length, widths[i]!)).padEnd(widths[i]!)).join(' ').trimEnd()));
    this.wroteBlock = true;
  }

  private writeRow(row: unknown): void {
    const widths = this.widths!;
    if (this.options.wrap) {
      this.writeWrappedRow(row);
      return;
    }
    const cells = this.shape!.columns.map((c, i) => {
      const value = c.get(row);
      const text = truncate(cellText(value), widths[i]!);
      return isNumeric(value) ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
    });
    this.write(cells.join(' ').trimEnd());
  }

  private writeList(item: unknown): void {
    const { columns } = this.shape!;
    const labelWidth = Math.max(...columns.map((c) => c.label.length));
    const valueWidth = Math.max(10, this.options.columns - labelWidth - 4);
    const lines = columns.map((c) => `${this.options.style.green(c.label.padEnd(labelWidth))} : ${truncate(cellText(c.get(item)), valueWidth)}`);
    this.block(lines.join('\n'));
  }
}

/** Renders objects to text lines at once (Out-String, tests). */
export function renderText(items: readonly unknown[], options: TextOptions): string[] {
  const lines: string[] = [];
  const formatter = new TextFormatter((l) => lines.push(l), { ...options, flushAfterMs: undefined });
  for (const item of items) formatter.add(item);
  formatter.end();
  return lines;
}

/** Text options for cmdlets that produce text (Format-*, Out-String, Out-File): no colour codes in the strings. */
export function cmdletTextOptions(ctx: { host: { columns: number }; views: ReadonlyMap<string, View> }, width?: number): TextOptions {
  return { columns: width ?? ctx.host.columns, style: createStyle(false), views: ctx.views };
}
