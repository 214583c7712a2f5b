// `mcshell` on a terminal: the Ink prompt. The shell's output and errors go to the screen's
// scrollback (formatted as in batch runs, with colour unless NO_COLOR), cmdlets can show live
// views and ask questions in the live area, and the history lives in the site home.
import { join } from 'node:path';
import { render } from 'ink';
import type { Shell, ShellIO } from '../cli/shell.js';
import { complete } from '../runtime/completion.js';
import { isIncomplete } from '../language/index.js';
import { resolveSiteHome } from '../engine/site/store.js';
import { ShellApp } from './app.js';
import { History } from './history.js';
import { liveViewElement, takesKeys, type LiveViewData } from './live-views.js';
import { Screen } from './screen.js';

export interface InteractiveOptions {
  version: string;
  site: string | undefined;
  createShell(io: ShellIO): Promise<Shell>;
}

export async function runInteractive(options: InteractiveOptions): Promise<never> {
  const screen = new Screen();
  const terminal = { isTTY: true, get columns() { return process.stdout.columns; }, write: (chunk: string) => void screen.write(chunk) };
  const historyFile = join(resolveSiteHome({ site: options.site }), 'history');
  const [shell, history] = await Promise.all([
    options.createShell({
      stdout: terminal,
      stderr: terminal,
      host: {
        confirm: (question) => screen.confirm(question),
        clearScreen: () => screen.clear(),
        showLiveView: (view) => {
          const shown = screen.showLiveView(liveViewElement(view as LiveViewData), takesKeys(view as LiveViewData));
          return { close: (finalFrame) => shown.close(finalFrame === undefined ? undefined : liveViewElement(finalFrame as LiveViewData)) };
        },
      },
    }),
    History.load(historyFile).catch((error: unknown) => {
      process.stderr.write(`mcshell: history not loaded (${(error as Error).message})\n`);
      return History.inMemory();
    }),
  ]);
  // The plain prompt start.ts wrote (and anything typed since, echoed by the terminal): Ink draws its own.
  process.stdout.write('\r\x1b[2K');

  let exitCode = 0;
  const app = render(
    <ShellApp
      screen={screen}
      history={history}
      shell={{
        run: (source, signal) => shell.run(source, `<prompt:${history.entries.length}>`, { signal }),
        isIncomplete,
        complete: (line, cursor) => complete(shell.session, line, cursor),
        exitWarning: () => shell.exitWarning(),
      }}
      onExit={(code) => {
        exitCode = code;
        app.unmount();
      }}
    />,
    // Ctrl+C belongs to the shell (cancel the pipeline or the line), not to Ink.
    { exitOnCtrlC: false, maxFps: 15 },
  );
  await app.waitUntilExit();
  // Leaving the shell ends what it runs in-process (the DP service, sessions), as closing a
  // PowerShell window ends its jobs: exit instead of waiting for their sockets to close.
  process.exit(exitCode);
}
