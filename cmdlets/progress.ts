// Progress of long cmdlets (importing a large image, receiving one) for a person at a terminal:
// a bar with the percentage and MiB done, redrawn at most a few times a second and gone at the
// end. In the interactive shell it is a live view (Ink draws it above the prompt); with `-c` on a
// terminal it is one line on stderr redrawn in place. Nothing is shown when output is piped, so
// machine output stays clean.
import type { CmdletContext } from '../src/runtime/cmdlet.js';
import { printable } from '../src/format/printable.js';
import { liveViewHost, ProgressView } from '../src/runtime/live.js';

export interface ProgressReporter {
  update(done: number, total: number): void;
  end(): void;
}

const REDRAW_MS = 200;
const BAR_WIDTH = 30;

export function progressLine(activity: string, done: number, total: number): string {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(share * BAR_WIDTH);
  return `${printable(activity)} [${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${Math.floor(100 * share)}% (${(done / 1048576).toFixed(0)} of ${(total / 1048576).toFixed(0)} MiB)`;
}

export function progressReporter(ctx: CmdletContext<unknown>, activity: string): ProgressReporter {
  const live = liveViewHost(ctx.host);
  const stderr = process.stderr;
  if (!live && (!ctx.host.isTerminal || !stderr.isTTY)) return { update() {}, end() {} };
  let last = 0;
  let view: { progress: ProgressView; close(): void } | null = null;
  let drawn = false;
  const draw = (line: string) => {
    if (!live) return void stderr.write(`\r\x1b[K${line}`);
    if (!view) {
      const progress = new ProgressView();
      view = { progress, ...live.showLiveView(progress) };
    }
    view.progress.show(line);
  };
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < REDRAW_MS) return;
      last = now;
      draw(progressLine(activity, done, total));
      drawn = true;
    },
    end() {
      if (view) view.close();
      else if (drawn) stderr.write('\r\x1b[K');
    },
  };
}
