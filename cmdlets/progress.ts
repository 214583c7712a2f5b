// Progress of long cmdlets (hashing a large image, receiving one) for a person at a terminal:
// one line on stderr, redrawn in place at most a few times a second and cleared at the end.
// Nothing is written when output is piped or in the interactive shell's live screen (which
// draws its own), so machine output and the Ink display stay clean.
import type { CmdletContext } from '../src/runtime/cmdlet.js';
import { printable } from '../src/format/printable.js';
import { liveViewHost } from '../src/runtime/live.js';

export interface ProgressReporter {
  update(done: number, total: number): void;
  end(): void;
}

const REDRAW_MS = 200;

export function progressReporter(ctx: CmdletContext<unknown>, activity: string): ProgressReporter {
  const stderr = process.stderr;
  if (!ctx.host.isTerminal || !stderr.isTTY || liveViewHost(ctx.host)) return { update() {}, end() {} };
  let last = 0;
  let drawn = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < REDRAW_MS) return;
      last = now;
      const percent = total > 0 ? Math.floor((100 * done) / total) : 100;
      stderr.write(`\r\x1b[K${printable(activity)}: ${percent}% (${(done / 1048576).toFixed(0)} of ${(total / 1048576).toFixed(0)} MiB)`);
      drawn = true;
    },
    end() {
      if (drawn) stderr.write('\r\x1b[K');
    },
  };
}
