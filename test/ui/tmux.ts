// The real binary in a real terminal: a tmux server of the test's own, and what the tmux tests share.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const bin = join(root, 'bin/mcshell.js');
export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

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

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The exit status the shell's wrapper wrote, once the shell has ended. */
export async function exitStatus(file: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await readFile(file, 'utf8').catch(() => null);
    if (status !== null && status.endsWith('\n')) return status.trim();
    if (Date.now() > deadline) assert.fail(`the shell did not end within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The shell under sh, which reaps it at once and records its exit status in `statusFile`: the tmux
 * server can take seconds to notice a pane's process has ended (a zombie) on a loaded machine.
 */
export function shellCommand(site: string, statusFile: string, ...args: string[]): string[] {
  return ['sh', '-c', `"$@"; echo $? > ${statusFile}`, 'sh', 'env', `MCSHELL_HOME=${site}`, process.execPath, bin, '--site', site, ...args];
}

/** A scratch directory and a tmux server of the test's own, both gone when the test ends. */
export async function scratch(t: { after(fn: () => Promise<void>): void }, name: string): Promise<{ dir: string; tmux: Tmux; statusFile: string }> {
  const dir = await mkdtemp(join(tmpdir(), `mcshell-${name}-`));
  const tmux = new Tmux();
  t.after(async () => {
    tmux.kill();
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, tmux, statusFile: join(dir, 'exit-status') };
}
