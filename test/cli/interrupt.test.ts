// Ctrl+C stops CPU-bound script code (a loop that never waits): SIGINT under `-c`, and Ctrl+C in
// the interactive shell, which then prompts again; a shell whose terminal goes away exits instead
// of spinning on. Real processes, real signals, a real terminal (tmux).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Tmux } from '../ui/tmux.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/mcshell.js');

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const loop of ['while ($true) { }', 'for (;;) { $x = 1 }', '1..3 | ForEach-Object { while ($true) { $i++ } }']) {
  test(`SIGINT stops a busy loop under -c: ${loop}`, async () => {
    const child = spawn(process.execPath, [bin, '-c', `'started'; ${loop}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await until(() => (stdout.includes('started') ? true : undefined), 'the loop to start');
    child.kill('SIGINT');
    const code = await exited;
    // 130, as a shell reports a command that SIGINT ended.
    assert.equal(code, 130, stderr);
    assert.match(stderr, /The pipeline has been stopped/);
  });
}

test('Ctrl+C in the interactive shell stops a busy loop and prompts again; a closed terminal ends the shell', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-interrupt-'));
  const tmux = new Tmux();
  t.after(async () => {
    tmux.kill();
    await rm(dir, { recursive: true, force: true });
  });
  const pidFile = join(dir, 'pid');
  tmux.start(['sh', '-c', `echo $$ > ${pidFile}; exec "$@"`, 'sh', 'env', `MCSHELL_HOME=${join(dir, 'site')}`, process.execPath, bin]);
  await tmux.waitFor(/^mcs>/m);
  tmux.type('while ($true) { }');
  tmux.keys('Enter');
  // Ctrl+C pressed before the shell listens for it (it starts the command first) is not seen: press until it is.
  await until(async () => {
    tmux.keys('C-c');
    await new Promise((resolve) => setTimeout(resolve, 500));
    return /The pipeline has been stopped/.test(tmux.screen()) ? true : undefined;
  }, 'Ctrl+C to stop the loop');
  tmux.type("'still here'");
  tmux.keys('Enter');
  await tmux.waitFor(/^still here$/m);

  // Busy again, then the terminal goes away.
  tmux.type('while ($true) { }');
  tmux.keys('Enter');
  await tmux.waitFor(/^mcs> while .*\n(?![\s\S]*mcs>)/m);
  const pid = Number((await readFile(pidFile, 'utf8')).trim());
  tmux.kill();
  await until(() => {
    try {
      process.kill(pid, 0);
      return undefined;
    } catch {
      return true;
    }
  }, 'the shell to exit after its terminal closed');
});
