// A tmux server of the test's own, for driving the real binary in a real terminal.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** A tmux server of our own (-L), so the test never touches the user's sessions. */
export class Tmux {
  readonly socket = `mcshell-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  readonly target = 'shell';

  tmux(...args: string[]): string {
    const result = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`tmux ${args[0]}: ${result.stderr}`);
    return result.stdout;
  }

  start(command: string[], size = { columns: 120, rows: 40 }): void {
    this.tmux('new-session', '-d', '-s', this.target, '-x', String(size.columns), '-y', String(size.rows), ...command);
    this.tmux('set-option', '-t', this.target, 'remain-on-exit', 'on');
  }

  /** Literal text (-l: no key names), or key names like Tab, Enter, C-d. */
  type(text: string): void {
    this.tmux('send-keys', '-t', this.target, '-l', '--', text);
  }

  keys(...names: string[]): void {
    this.tmux('send-keys', '-t', this.target, ...names);
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', this.target);
  }

  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${pattern}; the screen:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }
}

