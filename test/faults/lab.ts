// Real processes for fault and slow-client tests: `mcshell serve` on a site made with the DP test
// fixtures, `mcshell client` per device (optionally wrapped, e.g. in another namespace), and
// checks that every healthy client ends with the verified image and nothing else on disk.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { makeLab, makeToken, type LabOptions } from '../engine/dp/fixtures.js';
import { readPartialOutput } from '../../src/engine/transport/index.js';
import type { ClientResult } from '../../src/engine/client/agent.js';

export const bin = fileURLToPath(new URL('../../../bin/mcshell.js', import.meta.url));

export type Lab = Awaited<ReturnType<typeof makeProcessLab>>;

/** A lab whose devices each write to their own directory (`<dir>/<name>/os.img`), so one can be a separate disk. */
export async function makeProcessLab(options: LabOptions) {
  const lab = await makeLab(options);
  await lab.store.update((site) => {
    const apply = site.taskSequences[0]!.steps[0]!;
    if (apply.type === 'ApplyImage') apply.target = join(lab.dir, '{name}', 'os.img');
  });
  for (const device of lab.devices) await mkdir(join(lab.dir, device.name));
  const token = await makeToken(lab.store, lab.devices.length);
  return {
    ...lab,
    token,
    target: (name: string) => join(lab.dir, name, 'os.img'),
    home: (name: string) => join(lab.dir, name),
    credential: (name: string) => join(lab.dir, `${name}.credential.json`),
  };
}

export interface Served {
  process: ChildProcess;
  port: number;
  events: { event: string; [key: string]: unknown }[];
  exited: Promise<number | null>;
}

/** `mcshell serve` on the lab's site; resolves once it listens. `wrap` runs it inside e.g. `ip netns exec`. */
export async function serve(lab: Lab, port: number, wrap: string[] = [], extra: string[] = []): Promise<Served> {
  const [command, ...args] = [...wrap, process.execPath, bin, 'serve', '--site', lab.store.home, '--port', String(port), ...extra];
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const events: Served['events'] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as Served['events'][number];
      events.push(event);
      if (event.event === 'listening') resolve(event.port as number);
    });
    void exited.then((code) => reject(new Error(`mcshell serve exited ${code} before listening`)));
  });
  return { process: child, port: await listening, events, exited };
}

export interface Client {
  process: ChildProcess;
  /** The agent's JSON result (null when it printed none) and exit code; `extra` is anything else it printed on stdout. */
  done: Promise<{ code: number | null; result: ClientResult | null; extra: string[] }>;
}

/**
 * `mcshell client --json` for one device, optionally wrapped (`unshare …`, `ip netns exec …`): the
 * first run enrolls with the lab's token, later runs use the credential it saved.
 */
export function client(lab: Lab, server: string, device: { name: string; mac: string | null }, options: { wrap?: string[]; interface?: string } = {}): Client {
  const credential = lab.credential(device.name);
  const enroll = existsSync(credential) ? [] : ['--enroll', lab.token, '--mac', device.mac!];
  const argv = [process.execPath, bin, 'client', '--server', server, ...enroll, '--credential', credential, '--json', ...(options.interface ? ['--interface', options.interface] : [])];
  const [command, ...args] = [...(options.wrap ?? []), ...argv];
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  const done = new Promise<{ code: number | null; result: ClientResult | null; extra: string[] }>((resolve) => {
    child.once('close', (code) => {
      const json = lines.find((line) => line.startsWith('{"ok"'));
      resolve({ code, result: json ? (JSON.parse(json) as ClientResult) : null, extra: lines.filter((line) => line !== json) });
    });
  });
  return { process: child, done };
}

/** Share of the image a receiver has verified and written so far, from its resume state (0 without one). */
export function heldShare(target: string): number {
  const partial = readPartialOutput(target);
  if (!partial || partial.held.length === 0) return 0;
  return partial.held.reduce((sum, flag) => sum + flag, 0) / partial.held.length;
}

export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** The client succeeded, its target is the image, and its directory holds nothing but the image. */
export async function assertVerified(lab: Lab, name: string, outcome: { code: number | null; result: ClientResult | null }): Promise<ClientResult> {
  assert.equal(outcome.code, 0, `${name}: ${outcome.result?.message ?? 'no result'}`);
  assert.equal(outcome.result?.ok, true);
  assert.equal(await sha256Of(lab.target(name)), lab.sha256, `${name}'s image is byte-identical`);
  assert.deepEqual(await readdir(lab.home(name)), ['os.img'], `${name}: no partial or resume files are left`);
  return outcome.result!;
}
