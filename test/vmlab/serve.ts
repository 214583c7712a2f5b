// The DP as the VM tests run it: `mcshell serve` as a real process (its JSON-lines events kept, so a
// test can wait for one and print them on failure), and `mcshell -c` for the admin's view.
import type { TestContext } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../../src/vmlab/lab.js';

export const bin = join(fileURLToPath(new URL('../../../', import.meta.url)), 'bin/mcshell.js');
export const examples = join(fileURLToPath(new URL('../../../', import.meta.url)), 'examples');

export interface DpEvent {
  time: string;
  event: string;
  [key: string]: unknown;
}

export class ServedDp {
  readonly events: DpEvent[] = [];
  readonly child: ChildProcess;
  private stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly site: string) {
    this.child = spawn(process.execPath, [bin, 'serve', '--site', site], { stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as DpEvent);
      } catch {
        this.stderr += `${line}\n`;
      }
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Waits for the first event (from `from` on) that `match` accepts; rejects when serve exits or after `timeoutMs`. */
  async waitFor(match: (event: DpEvent) => boolean, timeoutMs: number, from = 0): Promise<DpEvent> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found) return found;
      if (exited || Date.now() > deadline) throw new Error(`mcshell serve ${exited ? 'exited' : `did not log the awaited event within ${Math.round(timeoutMs / 1000)} s`}\n${this.describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  describe(): string {
    return `--- mcshell serve events ---\n${this.events.map((event) => JSON.stringify(event)).join('\n')}\n--- its stderr ---\n${this.stderr}--- end ---`;
  }

  /** SIGTERM, then SIGKILL after 10 s; resolves with its exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      void this.exited.then(() => clearTimeout(timer));
    }
    return this.exited;
  }
}

/** Starts `mcshell serve` for the lab's site; t.after stops it (the lab kills it if the test process ends first). Resolves once it listens. */
export async function serve(t: TestContext, lab: Lab, site: string): Promise<ServedDp> {
  const dp = new ServedDp(site);
  lab.adopt(dp.child);
  t.after(() => dp.stop());
  await dp.waitFor((event) => event.event === 'listening', 60_000);
  return dp;
}

/** `mcshell --site SITE -c COMMAND` as JSON lines; throws with its stderr when it fails. */
export function shell<T = Record<string, unknown>>(site: string, command: string): T[] {
  const result = spawnSync(process.execPath, [bin, '--site', site, '--output', 'jsonl', '-c', command], { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`mcshell -c '${command}' failed (exit ${result.status}): ${result.stderr}`);
  return result.stdout.trim() ? result.stdout.trim().split('\n').map((line) => JSON.parse(line) as T) : [];
}
