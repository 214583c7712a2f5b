// Where pipeline output goes at the end of a command line: text for people, JSON / JSON lines /
// CSV for tools. Every sink streams: it writes as objects arrive.
import { csvColumns, csvHeader, csvRow } from './csv.js';
import { toJson } from './json.js';
import { TextFormatter, type TextOptions } from './text.js';

export const OUTPUT_FORMATS = ['text', 'json', 'jsonl', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface OutputSink {
  write(item: unknown): void;
  end(): void;
}

/**
 * `write` receives raw chunks (lines end with a newline). With `isFormattedText`, JSON lines
 * write the text it recognises (what ConvertTo-Json, Format-Table … made) as it is.
 */
export function createOutputSink(format: OutputFormat, write: (chunk: string) => void, text: TextOptions, isFormattedText?: (item: unknown) => boolean): OutputSink {
  const line = (l: string) => write(`${l}\n`);
  switch (format) {
    case 'text': {
      const formatter = new TextFormatter(line, { flushAfterMs: 150, ...text });
      return { write: (item) => formatter.add(item), end: () => formatter.end() };
    }
    case 'jsonl':
      return {
        write: (item) => {
          if (isFormattedText?.(item)) {
            const text = String(item);
            write(text.endsWith('\n') ? text : `${text}\n`);
          }
          else line(toJson(item, { compress: true }));
        },
        end: () => {},
      };
    case 'json': {
      // One JSON array, streamed: each element is written as it arrives.
      let count = 0;
      return {
        write: (item) => write(`${count++ === 0 ? '[' : ','}\n  ${toJson(item).replace(/\n/g, '\n  ')}`),
        end: () => write(count === 0 ? '[]\n' : '\n]\n'),
      };
    }
    case 'csv': {
      let columns: string[] | null = null;
      return {
        write: (item) => {
          if (item === null || item === undefined) return;
          if (!columns) {
            columns = csvColumns(item);
            line(csvHeader(columns));
          }
          line(csvRow(item, columns));
        },
        end: () => {},
      };
    }
  }
}
