// Error rendering: one concise line (plus the source line and a caret for script errors) by
// default, the full record on request (Get-Error, `$Error[0]`), and a JSON line for machines.
import type { SourceSpan } from '../language/ast.js';
import type { ErrorRecord } from '../runtime/errors.js';
import { toPlainData } from '../runtime/values.js';
import { escapeControlsInJson, printable } from './printable.js';
import type { Style } from './style.js';

/** The source line of a span and a caret line under it. */
export function caretLines(span: SourceSpan, source: string | undefined): string[] {
  if (source === undefined) return [];
  const lineStart = source.lastIndexOf('\n', span.startOffset - 1) + 1;
  let lineEnd = source.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = source.length;
  const line = printable(source.slice(lineStart, lineEnd).replace(/\r$/, ''), true);
  const indent = source.slice(lineStart, span.startOffset).replace(/[^\t]/g, ' ');
  const width = Math.max(1, Math.min(span.endOffset, lineStart + line.length) - span.startOffset);
  return [line, `${indent}${'^'.repeat(width)}`];
}

export function renderErrorConcise(record: ErrorRecord, style: Style, sources?: ReadonlyMap<string, string>): string {
  const where = record.location ? `${record.location}: ` : '';
  const first = style.red(printable(`${where}${record.message} [${record.fullyQualifiedId}]`));
  const caret = record.span ? caretLines(record.span, sources?.get(record.span.file)) : [];
  return [first, ...caret.map((l, i) => (i === 1 ? style.red(l) : l))].join('\n');
}

export function renderErrorFull(record: ErrorRecord, sources?: ReadonlyMap<string, string>): string {
  const rows: [string, string][] = [
    ['ErrorId', record.fullyQualifiedId],
    ['Category', record.category],
    ['Message', record.message],
  ];
  if (record.targetObject !== null && record.targetObject !== undefined) rows.push(['TargetObject', JSON.stringify(toPlainData(record.targetObject))]);
  if (record.command) rows.push(['Command', record.command]);
  if (record.location) rows.push(['Location', record.location]);
  if (record.hint) rows.push(['Hint', record.hint]);
  const cause = record.cause instanceof Error && record.cause.stack ? record.cause.stack.split('\n').slice(0, 4).join(' | ') : null;
  if (cause) rows.push(['Cause', cause]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)} : ${printable(v)}`);
  if (record.span) lines.push(...caretLines(record.span, sources?.get(record.span.file)).map((l) => `  ${l}`));
  return lines.join('\n');
}

export function errorToJson(record: ErrorRecord): string {
  const s = record.span;
  return escapeControlsInJson(JSON.stringify({
    error: {
      id: record.fullyQualifiedId,
      category: record.category,
      message: record.message,
      target: toPlainData(record.targetObject),
      hint: record.hint,
      location: s ? { file: s.file, line: s.startLine, column: s.startColumn, endLine: s.endLine, endColumn: s.endColumn } : null,
    },
  }));
}
