// The client agent: runs on the machine being imaged. Enrolled once (enrollment.ts), it talks to
// the DP over pinned HTTPS with its credential, takes its device's deployment, and runs the task
// sequence's steps in order: apply an image (multicast — decrypted with the session key the DP
// gave it, the manifest checked against the site's key — or unicast where the image and
// deployment allow it), verify it, run a command. It reports each step and ends with a clear result.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { discardPartialOutput, receive } from '../transport/index.js';
import type { TaskStep } from '../site/model.js';
import type { ContentOffer } from '../dp/control.js';
import { ClientError, describe, DPConnection } from './connection.js';
import type { ClientCredential } from './enrollment.js';

export interface ClientOptions {
  /** What enrollment gave this client: the credential, the pinned DP certificate, the site's key. */
  credential: ClientCredential;
  /** The DP's control endpoint, `host:port` (default: the one the client enrolled with). */
  server?: string | undefined;
  /** Interface multicast arrives on (name or address). */
  interface: string;
  /** Run this deployment; default: the first required one, else the first available one. */
  deployment?: string | undefined;
  onEvent?: (event: ClientEvent) => void;
  signal?: AbortSignal;
}

export type ClientEvent =
  | { type: 'deployment'; deploymentId: string; taskSequence: string; steps: number }
  | { type: 'step'; index: number; step: TaskStep; state: 'Running' | 'Succeeded' | 'Failed'; message: string }
  | { type: 'progress'; index: number; mode: 'multicast' | 'unicast'; percent: number };

export interface StepResult {
  index: number;
  type: TaskStep['type'];
  state: 'Succeeded' | 'Failed' | 'NotRun';
  message: string;
  mode?: 'multicast' | 'unicast';
  target?: string;
  sha256?: string;
}

export interface ClientResult {
  ok: boolean;
  message: string;
  device: { id: string; name: string } | null;
  deploymentId: string | null;
  steps: StepResult[];
}

interface Assignment {
  deploymentId: string;
  purpose: string;
  option: string;
  taskSequence: { id: string; name: string; steps: (TaskStep & { sha256?: string; sizeBytes?: number })[] };
}

const PROGRESS_REPORT_MS = 1000;

export async function runClient(options: ClientOptions): Promise<ClientResult> {
  const { credential } = options;
  const dp = new DPConnection(options.server ?? credential.server, { fingerprint: credential.fingerprint, certificate: credential.certificate }, credential.credential, options.signal);
  try {
    let device: { id: string; name: string } | null = { id: credential.device.id, name: credential.device.name };
    let assignment: Assignment | undefined;
    try {
      const hello = await dp.post<{ device: { id: string; name: string; mac: string | null }; assignments: Assignment[] }>('/v1/hello', { deploymentId: options.deployment });
      device = { id: hello.device.id, name: hello.device.name };
      assignment = hello.assignments.find((candidate) => candidate.purpose === 'Required') ?? hello.assignments[0];
      if (!assignment) return { ok: false, message: `Device ${device.name} is not targeted by any deployment that is available now.`, device, deploymentId: null, steps: [] };
    } catch (error) {
      return { ok: false, message: describe(error), device, deploymentId: null, steps: [] };
    }
    return await new TaskSequenceRun(dp, options, device, assignment).run();
  } finally {
    dp.close();
  }
}

class TaskSequenceRun {
  private readonly results: StepResult[];
  /** What the last ApplyImage step wrote, for Verify and RunCommand. */
  private applied: { target: string; sha256: string } | null = null;

  constructor(
    private readonly dp: DPConnection,
    private readonly options: ClientOptions,
    private readonly device: { id: string; name: string },
    private readonly assignment: Assignment,
  ) {
    this.results = assignment.taskSequence.steps.map((step, index) => ({ index: index + 1, type: step.type, state: 'NotRun', message: '' }));
  }

  async run(): Promise<ClientResult> {
    const { deploymentId, taskSequence } = this.assignment;
    this.options.onEvent?.({ type: 'deployment', deploymentId, taskSequence: taskSequence.name, steps: taskSequence.steps.length });
    await this.report({ state: 'InProgress', step: 0, message: `started ${taskSequence.name}` });
    for (const [position, step] of taskSequence.steps.entries()) {
      const result = this.results[position]!;
      this.options.onEvent?.({ type: 'step', index: result.index, step, state: 'Running', message: '' });
      try {
        Object.assign(result, await this.runStep(step, result.index), { state: 'Succeeded' });
      } catch (error) {
        result.state = 'Failed';
        result.message = describe(error);
      }
      this.options.onEvent?.({ type: 'step', index: result.index, step, state: result.state === 'Succeeded' ? 'Succeeded' : 'Failed', message: result.message });
      if (result.state === 'Failed') {
        const message = `Step ${result.index} (${step.type}) failed: ${result.message}`;
        await this.report({ state: 'Failed', step: result.index, message });
        return this.result(false, message);
      }
      await this.report({ state: 'InProgress', step: result.index, message: result.message });
    }
    const message = `${taskSequence.name}: ${taskSequence.steps.length} step(s) succeeded`;
    await this.report({ state: 'Succeeded', step: taskSequence.steps.length, message });
    return this.result(true, message);
  }

  private result(ok: boolean, message: string): ClientResult {
    return { ok, message, device: this.device, deploymentId: this.assignment.deploymentId, steps: this.results };
  }

  private async runStep(step: Assignment['taskSequence']['steps'][number], index: number): Promise<Partial<StepResult>> {
    switch (step.type) {
      case 'ApplyImage':
        return this.applyImage(step.imageId, expandTarget(step.target, this.device), index);
      case 'Verify': {
        if (!this.applied) throw new ClientError('NothingToVerify', 'there is no image applied before this Verify step');
        const actual = await hashFile(this.applied.target);
        if (actual !== this.applied.sha256) throw new ClientError('VerifyFailed', `${this.applied.target} has SHA-256 ${actual}, expected ${this.applied.sha256}`);
        return { message: `verified ${this.applied.target}`, sha256: actual, target: this.applied.target };
      }
      case 'RunCommand':
        return { message: await runCommand(step.command, this.applied?.target, this.options.signal) };
    }
  }

  private async applyImage(imageId: string, target: string, index: number): Promise<Partial<StepResult>> {
    const request = { deviceId: this.device.id, deploymentId: this.assignment.deploymentId, imageId };
    const offer = await this.dp.post<ContentOffer>('/v1/content', request);
    let sha256: string;
    let mode = offer.mode;
    let note = offer.reason ? ` (unicast: ${offer.reason})` : '';
    if (offer.mode === 'multicast') {
      const outcome = await this.receiveMulticast(offer, target, index);
      if (outcome.ok) {
        sha256 = outcome.sha256;
      } else if (outcome.unicastAllowed) {
        mode = 'unicast';
        note = ` (unicast after multicast ended: ${outcome.reason})`;
        sha256 = await this.download({ ...offer, url: `/v1/content/${offer.imageId}` }, target, index);
        // The multicast attempt's resume files are of no use once the unicast copy verified.
        discardPartialOutput(target);
      } else {
        throw new ClientError('MulticastFailed', outcome.reason);
      }
    } else {
      sha256 = await this.download(offer, target, index);
    }
    if (sha256 !== offer.sha256) throw new ClientError('HashMismatch', `${target} has SHA-256 ${sha256}, expected ${offer.sha256}`);
    this.applied = { target, sha256 };
    return { mode, target, sha256, message: `applied ${imageId} to ${target} by ${mode}${note}` };
  }

  private async receiveMulticast(offer: ContentOffer, target: string, index: number): Promise<{ ok: true; sha256: string } | { ok: false; reason: string; unicastAllowed: boolean }> {
    const abort = new AbortController();
    const stopOnParent = () => abort.abort();
    this.options.signal?.addEventListener('abort', stopOnParent, { once: true });
    let disconnect: { force: boolean } | null = null;
    let percent = 0;
    const reporter = setInterval(() => {
      this.reportSession(offer, 'Receiving', percent, '').then((reply) => {
        if (reply?.disconnect && !disconnect) {
          disconnect = { force: reply.force === true };
          abort.abort();
        }
      }, () => undefined);
    }, PROGRESS_REPORT_MS);
    try {
      const summary = await receive({
        interface: this.options.interface,
        out: target,
        group: offer.group!,
        port: offer.port!,
        signal: abort.signal,
        onProgress: (progress) => {
          percent = progress.blockCount > 0 ? Math.floor((100 * progress.blocksDone) / progress.blockCount) : 0;
          this.options.onEvent?.({ type: 'progress', index, mode: 'multicast', percent });
        },
      });
      clearInterval(reporter);
      if (summary.ok && summary.sha256) {
        await this.reportSession(offer, 'Done', 100, 'verified');
        return { ok: true, sha256: summary.sha256 };
      }
      const forced = (disconnect as { force: boolean } | null)?.force === true;
      const reason = disconnect ? `disconnected by the administrator${forced ? ' (forced)' : ''}` : summary.message;
      if (!disconnect) await this.reportSession(offer, 'Failed', percent, reason).catch(() => undefined);
      return { ok: false, reason, unicastAllowed: !forced && offer.url === undefined && (await this.unicastAllowed(offer)) };
    } finally {
      clearInterval(reporter);
      this.options.signal?.removeEventListener('abort', stopOnParent);
    }
  }

  /** The DP answers HEAD on the content endpoint only for images that allow unicast. */
  private async unicastAllowed(offer: ContentOffer): Promise<boolean> {
    if (this.assignment.option === 'AccessDirectly') return true;
    return this.dp.head(`/v1/content/${offer.imageId}`);
  }

  /** Unicast download with Range resume into `<target>.partial`, verified, then renamed. */
  private async download(offer: ContentOffer, target: string, index: number): Promise<string> {
    const partial = `${target}.partial`;
    const have = await stat(partial).then((info) => info.size, () => 0);
    const response = await this.dp.get(offer.url!, have > 0 && have < offer.sizeBytes ? { range: `bytes=${have}-` } : {});
    const resumed = response.statusCode === 206;
    if (!resumed && have > 0) await unlink(partial).catch(() => undefined);
    let done = resumed ? have : 0;
    let lastReport = 0;
    const body = response;
    body.on('data', (chunk: Buffer) => {
      done += chunk.length;
      const now = Date.now();
      if (now - lastReport >= PROGRESS_REPORT_MS) {
        lastReport = now;
        this.options.onEvent?.({ type: 'progress', index, mode: 'unicast', percent: offer.sizeBytes ? Math.floor((100 * done) / offer.sizeBytes) : 100 });
      }
    });
    await pipeline(body, createWriteStream(partial, { flags: resumed ? 'a' : 'w' }), ...(this.options.signal ? [{ signal: this.options.signal }] : []));
    const sha256 = await hashFile(partial);
    if (sha256 !== offer.sha256) {
      await unlink(partial).catch(() => undefined);
      throw new ClientError('HashMismatch', `the unicast download has SHA-256 ${sha256}, expected ${offer.sha256}; discarded`);
    }
    await rename(partial, target);
    return sha256;
  }

  private async report(status: { state: 'InProgress' | 'Succeeded' | 'Failed'; step: number; message: string }): Promise<void> {
    // A report that does not arrive must not fail the installation itself.
    await this.dp.post('/v1/status', { deviceId: this.device.id, deploymentId: this.assignment.deploymentId, ...status }).catch(() => undefined);
  }

  private reportSession(offer: ContentOffer, clientState: string, percent: number, message: string) {
    return this.dp.post<{ disconnect?: boolean; force?: boolean } | null>('/v1/status', {
      deviceId: this.device.id,
      deploymentId: this.assignment.deploymentId,
      state: 'InProgress',
      step: 0,
      sessionId: offer.sessionId,
      clientState,
      percent,
      message,
    });
  }
}

/** `{name}`, `{id}` in a step's target become the device's name and id (one task sequence, many files). */
export function expandTarget(target: string, device: { id: string; name: string }): string {
  return target.replace(/\{name\}/gi, device.name).replace(/\{id\}/gi, device.id);
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
}

function runCommand(command: string, target: string | undefined, signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(target ? { MCSHELL_TARGET: target } : {}) }, ...(signal ? { signal } : {}) });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => reject(new ClientError('CommandFailed', `cannot run '${command}': ${error.message}`)));
    child.on('close', (code) => {
      const last = output.trim().split('\n').at(-1) ?? '';
      if (code === 0) resolve(`'${command}' exited 0${last ? `: ${last}` : ''}`);
      else reject(new ClientError('CommandFailed', `'${command}' exited ${code}${last ? `: ${last}` : ''}`));
    });
  });
}

