// Command history of the interactive shell, kept in the site home (`history`, one JSON string per
// line so multi-line commands survive). New entries are appended; the file is compacted to the
// newest entries when it has grown to twice the limit.
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const LIMIT = 1000;

export class History {
  private constructor(
    private readonly items: string[],
    private readonly file: string | null,
    private linesInFile: number,
  ) {}

  /** A history kept only in memory (tests, or when the file cannot be read). */
  static inMemory(entries: readonly string[] = []): History {
    return new History([...entries], null, 0);
  }

  static async load(file: string): Promise<History> {
    let lines: string[] = [];
    try {
      lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const entries = lines.flatMap((line) => {
      try {
        const entry: unknown = JSON.parse(line);
        return typeof entry === 'string' ? [entry] : [];
      } catch {
        return []; // a line cut short by a crash: skip it
      }
    });
    return new History(entries.slice(-LIMIT), file, lines.length);
  }

  get entries(): readonly string[] {
    return this.items;
  }

  /** Adds a command (not a repeat of the previous one) and saves it. */
  async add(entry: string): Promise<void> {
    if (!entry.trim() || this.items[this.items.length - 1] === entry) return;
    this.items.push(entry);
    if (this.items.length > LIMIT) this.items.splice(0, this.items.length - LIMIT);
    if (!this.file) return;
    await mkdir(dirname(this.file), { recursive: true });
    if (++this.linesInFile > 2 * LIMIT) {
      await writeFile(this.file, this.items.map((item) => `${JSON.stringify(item)}\n`).join(''));
      this.linesInFile = this.items.length;
    } else await appendFile(this.file, `${JSON.stringify(entry)}\n`);
  }

  /** The newest entry before index `before` containing `query` (case-insensitive), or -1. */
  search(query: string, before: number): number {
    const needle = query.toLowerCase();
    for (let i = Math.min(before, this.items.length) - 1; i >= 0; i--) if (this.items[i]!.toLowerCase().includes(needle)) return i;
    return -1;
  }
}
