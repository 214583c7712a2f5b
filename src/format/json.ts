// JSON for ConvertTo-Json and --output json/jsonl. Depth is never cut silently: the default is
// unlimited, and an explicit -Depth that cuts data says so in a warning.
import { ErrorRecord } from '../runtime/errors.js';
import { Hashtable, isPlainObject, toPlainData, toStr } from '../runtime/values.js';
import { escapeControlsInJson } from './printable.js';

export interface JsonOptions {
  /** Levels of nesting kept; deeper values become their string form. */
  depth?: number;
  compress?: boolean;
  /** Called once when depth cut something. */
  onTruncated?: (depth: number) => void;
}

function limit(value: unknown, depth: number, level: number, cut: { happened: boolean }): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const nested = Array.isArray(value) || value instanceof Hashtable || isPlainObject(value) || value instanceof ErrorRecord;
  if (!nested) return value;
  if (level > depth) {
    cut.happened = true;
    return toStr(value);
  }
  if (Array.isArray(value)) return value.map((v) => limit(v, depth, level + 1, cut));
  const entries = value instanceof Hashtable ? value.entries().map(([k, v]) => [toStr(k), v] as const) : Object.entries(value instanceof ErrorRecord ? value.toJSON() : value);
  return Object.fromEntries(entries.map(([k, v]) => [k, limit(v, depth, level + 1, cut)]));
}

export function toJson(value: unknown, options: JsonOptions = {}): string {
  let data = value;
  if (options.depth !== undefined) {
    const cut = { happened: false };
    data = limit(value, options.depth, 0, cut);
    if (cut.happened) options.onTruncated?.(options.depth);
  }
  return escapeControlsInJson(JSON.stringify(toPlainData(data), null, options.compress ? undefined : 2) ?? 'null');
}
