// The client agent: runs on the machine being imaged. Enrolled once (enrollment.ts), it talks to
// the DP over pinned HTTPS with its credential, takes its device's deployment, and runs the task
// sequence's steps in order: apply an image (multicast — decrypted with the session key the DP
// gave it, the manifest checked against the site's key — or unicast where the image and
// deployment allow it), verify it, run a command. It reports each step and ends with a clear result.
import { createPublicKey } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { discardPartialOutput, partialOutputFiles, readPartialOutput, receive, type PartialOutput } from '../transport/index.js';
import { allocatedBytes, describeDisk, diskOf, discardAfterWriteFailure, formatBytes, isDiskFull } from './disk.js';
import type { TaskStep } from '../site/model.js';
import { verifyDisk } from '../disk/apply.js';
import type { DiskIndex } from '../disk/format.js';
import { DiskReceive } from '../disk/receive-target.js';
import { expandVariables } from '../deploy/device-variables.js';
import { isDiskTarget, selectDisk } from './disks.js';
import { blockDeviceBytes } from '../disk/block-device.js';
import type { ContentOffer, SessionReply } from '../dp/control.js';
import { waitingText } from '../dp/views.js';
import { ClientError, DEFAULT_DP_WAIT_MS, describe, DPConnection, type DPWait } from './connection.js';
import type { ClientCredential } from './enrollment.js';
import { transferFromBoundaryGroup, type ContentSource } from './referral.js';
import { loadBootImageForRefresh, type BootImageRestarter, type BootImageStep } from './refresh.js';
import { captureToDP } from './capture.js';
import { sha256OfFile } from '../file-hash.js';

export interface ClientOptions {
  /** What enrollment gave this client: the credential, the pinned DP certificate, the site's key. */
  credential: ClientCredential;
  /** The DP's control endpoint, `host:port` (default: the one the client enrolled with). */
  server?: string | undefined;
  /** Interface multicast arrives on (name or address). */
  interface: string;
  /** Run this deployment; default: the first required one, else the first available one. */
  deployment?: string | undefined;
  /**
   * Run a required deployment again although it already succeeded on this device (ConfigMgr's
   * "Always rerun program"); by default one that succeeded is not run again ("Rerun if failed
   * previous attempt", ConfigMgr's default for task sequences).
   */
  rerun?: boolean | undefined;
  /** How long to wait for a DP that does not answer (not up yet, restarting); default DEFAULT_DP_WAIT_MS. */
  waitForDPMs?: number | undefined;
  /** Sets the running machine's host name (SetHostname); only a boot image's agent is given one. */
  setHostname?: ((name: string) => Promise<void>) | undefined;
  /** Loads a boot image to restart into (Restart -Into BootImage); only the installed agent, which may restart its machine, is given one. */
  restartIntoBootImage?: BootImageRestarter | undefined;
  /** In a boot image a refresh restarted into: the steps up to this one (the Restart -Into BootImage) ran before it. */
  resumeAfterStep?: number | undefined;
  /** The agent runs in a boot image (network-booted): a Restart -Into BootImage step has nothing to do. */
  inBootImage?: boolean | undefined;
  onEvent?: (event: ClientEvent) => void;
  signal?: AbortSignal;
}

/** The device as the DP knows it: its variables expand in the steps. */
type Device = { id: string; name: string; mac?: string | null; variables?: Record<string, string> };

export type ClientEvent =
  | { type: 'deployment'; deploymentId: string; taskSequence: string; steps: number }
  | { type: 'step'; index: number; step: TaskStep; state: 'Running' | 'Succeeded' | 'Failed'; message: string }
  | { type: 'progress'; index: number; mode: 'multicast' | 'unicast'; percent: number }
  /** Something worth the admin's attention that does not fail the step (e.g. a capped socket buffer). */
  | { type: 'warning'; index: number; message: string }
  /** The DP does not answer (yet): the client waits for it and tries again. */
  | { type: 'waiting'; message: string };

export interface StepResult {
  index: number;
  type: TaskStep['type'];
  state: 'Succeeded' | 'Failed' | 'NotRun';
  message: string;
  mode?: 'multicast' | 'unicast';
  target?: string;
  sha256?: string;
  /** ApplyImage: bytes of the image already on disk from an earlier attempt or session, kept rather than fetched again. */
  resumedBytes?: number;
}

export interface ClientResult {
  ok: boolean;
  message: string;
  device: { id: string; name: string } | null;
  deploymentId: string | null;
  steps: StepResult[];
  /** The sequence goes on in the boot image now loaded: the caller restarts the machine into it. */
  restartIntoBootImage?: boolean;
}

interface Assignment {
  deploymentId: string;
  purpose: string;
  option: string;
  /** How this device's last run of the deployment ended, as the DP recorded it. */
  lastRun: { state: string; updatedAt: string } | null;
  taskSequence: { id: string; name: string; steps: (TaskStep & { sha256?: string; sizeBytes?: number } & Partial<BootImageStep>)[] };
}

const PROGRESS_REPORT_MS = 1000;
/** How often a client joins a new session for one image. */
const MAX_REJOINS = 5;

/** How one multicast attempt ended. */
type MulticastOutcome =
  | { kind: 'verified'; sha256: string; resumedBytes: number }
  /** Slow-client policy Multistream: continue in the slower stream. */
  | { kind: 'moved'; offer: ContentOffer }
  /** The DP no longer knows the session (it restarted): ask for the image again. */
  | { kind: 'gone'; sessionId: string }
  /** Writing the output failed here (errno code). */
  | { kind: 'local'; code: string; reason: string }
  | { kind: 'ended'; reason: string; unicastAllowed: boolean };

/** The DP answers a report about a session it does not know (any more) with these. */
function sessionUnknown(error: unknown): boolean {
  return error instanceof ClientError && (error.id === 'SessionNotFound' || error.id === 'ClientNotInSession');
}

export async function runClient(options: ClientOptions): Promise<ClientResult> {
  const { credential } = options;
  const dp = new DPConnection(options.server ?? credential.server, { fingerprint: credential.fingerprint, certificate: credential.certificate }, credential.credential, options.signal);
  const wait = dpWait(options);
  try {
    let device: Device | null = { id: credential.device.id, name: credential.device.name };
    let assignment: Assignment | undefined;
    try {
      const hello = await dp.untilAnswered(() => dp.post<{ device: Device; assignments: Assignment[] }>('/v1/hello', { deploymentId: options.deployment }), wait);
      device = hello.device;
      assignment = hello.assignments.find((candidate) => candidate.purpose === 'Required') ?? hello.assignments[0];
      if (!assignment) return { ok: false, message: `Device ${device.name} is not targeted by any deployment that is available now.`, device: shown(device), deploymentId: null, steps: [] };
      if (assignment.purpose === 'Required' && assignment.lastRun?.state === 'Succeeded' && !options.rerun) {
        const { deploymentId, taskSequence, lastRun } = assignment;
        const message = `deployment ${deploymentId} (${taskSequence.name}) already succeeded on ${device.name} at ${new Date(lastRun.updatedAt).toLocaleString()}: a required deployment runs once (--rerun runs it again)`;
        return { ok: true, message, device: shown(device), deploymentId, steps: [] };
      }
    } catch (error) {
      return { ok: false, message: describe(error), device: device && shown(device), deploymentId: null, steps: [] };
    }
    return await new TaskSequenceRun(dp, options, device, assignment).run();
  } finally {
    dp.close();
  }
}

/** The device in a result: its id and name. */
const shown = (device: Device) => ({ id: device.id, name: device.name });

/** How long the client waits for a DP that does not answer, told through its events. */
function dpWait(options: ClientOptions): DPWait {
  return { waitMs: options.waitForDPMs ?? DEFAULT_DP_WAIT_MS, onWaiting: (message) => options.onEvent?.({ type: 'waiting', message }) };
}

class TaskSequenceRun {
  private readonly results: StepResult[];
  /** What the last ApplyImage step wrote, for Verify and RunCommand: a flat image's bytes at the target's start, or a disk image (its index). */
  private applied: { target: string; sha256: string; sizeBytes: number; disk?: { index: DiskIndex; grownPartition: number | null } } | null = null;
  /** Set by SetHostname: {hostname} in later steps, MCSHELL_HOSTNAME for commands. */
  private hostname: string | null = null;
  /** The DP the client asked, with the site's manifest-signing key learned at enrollment. */
  private readonly asked: ContentSource;
  /** Where the image being applied comes from: the DP asked, or the DP of its boundary group it was referred to. */
  private source: ContentSource;

  constructor(
    private readonly dp: DPConnection,
    private readonly options: ClientOptions,
    private readonly device: Device,
    private readonly assignment: Assignment,
  ) {
    this.asked = { dp, signingKey: createPublicKey(options.credential.signingPublicKey), referredTo: null };
    this.source = this.asked;
    this.results = assignment.taskSequence.steps.map((step, index) => ({ index: index + 1, type: step.type, state: 'NotRun', message: '' }));
  }

  async run(): Promise<ClientResult> {
    const { deploymentId, taskSequence } = this.assignment;
    this.options.onEvent?.({ type: 'deployment', deploymentId, taskSequence: taskSequence.name, steps: taskSequence.steps.length });
    const resumeAfter = this.options.resumeAfterStep ?? 0;
    if (resumeAfter > 0) {
      const restart = taskSequence.steps[resumeAfter - 1];
      if (restart?.type !== 'Restart' || restart.into !== 'BootImage') {
        const message = `this boot image was started to continue ${taskSequence.name} after its step ${resumeAfter} (Restart -Into BootImage), but that step is now ${restart ? restart.type : 'gone'}: the task sequence changed; nothing was done`;
        await this.report({ state: 'Failed', step: resumeAfter, message });
        return this.result(false, message);
      }
      for (const result of this.results.slice(0, resumeAfter)) Object.assign(result, { state: 'Succeeded', message: 'ran before the restart into the boot image' });
    } else await this.report({ state: 'InProgress', step: 0, message: `started ${taskSequence.name}` });
    for (const [position, step] of taskSequence.steps.entries()) {
      if (position < resumeAfter) continue;
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
      if (step.type === 'Restart' && step.into === 'BootImage' && !this.options.inBootImage) {
        try {
          await this.options.restartIntoBootImage!.restart();
        } catch (error) {
          Object.assign(result, { state: 'Failed', message: describe(error) });
          const message = `Step ${result.index} (Restart) failed: ${result.message}`;
          await this.report({ state: 'Failed', step: result.index, message });
          return this.result(false, message);
        }
        return { ...this.result(true, `${taskSequence.name}: ${result.message}; the sequence continues there`), restartIntoBootImage: true };
      }
    }
    const message = `${taskSequence.name}: ${taskSequence.steps.length} step(s) succeeded`;
    await this.report({ state: 'Succeeded', step: taskSequence.steps.length, message });
    return this.result(true, message);
  }

  private result(ok: boolean, message: string): ClientResult {
    return { ok, message, device: shown(this.device), deploymentId: this.assignment.deploymentId, steps: this.results };
  }

  private async runStep(step: Assignment['taskSequence']['steps'][number], index: number): Promise<Partial<StepResult>> {
    switch (step.type) {
      case 'ApplyImage':
        return this.applyImage(step.imageId, this.target(step.target), index);
      case 'CaptureImage':
        return this.captureImage(step.imageName, this.target(step.target), index);
      case 'Verify': {
        if (!this.applied) throw new ClientError('NothingToVerify', 'there is no image applied before this Verify step');
        const { disk, target } = this.applied;
        if (disk?.grownPartition) return { message: `${target} was read back and verified when the disk image was applied, before partition ${disk.grownPartition} grew (growing rewrites its filesystem's metadata)`, sha256: this.applied.sha256, target };
        if (disk) return { message: `verified the disk image on ${target}`, sha256: await verifyDisk(disk.index, target), target };
        const actual = await sha256OfFile(this.applied.target, { bytes: this.applied.sizeBytes });
        if (actual !== this.applied.sha256) throw new ClientError('VerifyFailed', `${this.applied.target} has SHA-256 ${actual}, expected ${this.applied.sha256}`);
        return { message: `verified ${this.applied.target}`, sha256: actual, target: this.applied.target };
      }
      case 'RunCommand': {
        const env = { ...(this.applied ? { MCSHELL_TARGET: this.applied.target } : {}), ...(this.hostname ? { MCSHELL_HOSTNAME: this.hostname } : {}) };
        return { message: await runCommand(this.expand(step.command), env, this.options.signal) };
      }
      case 'SetHostname': {
        const name = this.expand(step.name);
        if (!HOSTNAME.test(name)) throw new ClientError('InvalidHostname', `'${name}' (from '${step.name}') is not a host name: letters, digits and hyphens, 1 to 63, not starting or ending with a hyphen`);
        this.hostname = name;
        await this.options.setHostname?.(name);
        return { message: `host name ${name}${this.options.setHostname ? '' : ' (for the later steps; this agent does not rename the machine it runs on)'}` };
      }
      case 'Restart':
        if (step.into === 'BootImage') return { message: this.options.inBootImage ? 'already running in a boot image (network-booted)' : await this.loadBootImage(step as BootImageStep, index) };
        return { message: 'restarting into the deployed OS from its disk when the sequence ends' };
    }
  }

  private async loadBootImage(step: BootImageStep, index: number): Promise<string> {
    const restarter = this.options.restartIntoBootImage;
    if (!restarter) throw new ClientError('CannotRestart', 'this agent does not restart the machine it runs on (only the installed agent, `mcshell client`, restarts into a boot image)');
    const { credential } = this.options;
    return loadBootImageForRefresh(step, { dp: this.dp, credential, server: this.options.server ?? credential.server, deploymentId: this.assignment.deploymentId, step: index, interface: this.options.interface, restarter });
  }

  /** Uploads the disk to the DP as a new image (resuming what an interrupted run of this step sent). */
  private async captureImage(name: string, disk: string, index: number): Promise<Partial<StepResult>> {
    let lastReport = 0;
    const result = await captureToDP(this.dp, {
      disk,
      name,
      deploymentId: this.assignment.deploymentId,
      wait: dpWait(this.options),
      signal: this.options.signal,
      onNote: (message) => this.options.onEvent?.({ type: 'warning', index, message }),
      onProgress: ({ bytesDone, bytesTotal }) => {
        if (Date.now() - lastReport < PROGRESS_REPORT_MS) return;
        lastReport = Date.now();
        this.options.onEvent?.({ type: 'progress', index, mode: 'unicast', percent: bytesTotal ? Math.floor((100 * bytesDone) / bytesTotal) : 100 });
      },
    });
    const { image } = result;
    const held = result.chunksHeld > 0 ? `, ${result.chunksHeld} the DP held from an interrupted capture` : '';
    return { target: disk, sha256: image.sha256, message: `captured ${disk} as image ${image.name} (${image.id}, ${formatBytes(image.sizeBytes)}): ${result.chunks} chunks, ${result.chunksSent} uploaded${held}` };
  }

  /** The device's variables in a step's text ({name}, {mac}, custom ones, and {hostname} once set). */
  private expand(text: string): string {
    const variables = { ...this.device.variables, ...(this.hostname ? { hostname: this.hostname } : {}) };
    return expandVariables(text, { ...this.device, variables });
  }

  /** An ApplyImage target: a file, a block device, or one of the machine's fixed disks (Disk:0, Disk:Serial=…). */
  private target(text: string): string {
    const target = this.expand(text);
    return isDiskTarget(target) ? selectDisk(target).path : target;
  }

  private async applyImage(imageId: string, target: string, index: number): Promise<Partial<StepResult>> {
    const request = { deviceId: this.device.id, deploymentId: this.assignment.deploymentId, imageId };
    const options = { credential: this.options.credential.credential, wait: dpWait(this.options), signal: this.options.signal, onSkipped: (message: string) => this.options.onEvent?.({ type: 'warning', index, message }) };
    return transferFromBoundaryGroup(this.asked, request, options, async (source, offer, note) => {
      this.source = source;
      try {
        return await this.applyOffered(imageId, target, index, request, offer, note);
      } finally {
        this.source = this.asked;
      }
    });
  }

  /** Receives the offered image (from this.source) and writes it to the target; `from` names a referred DP for the step's message. */
  private async applyOffered(imageId: string, target: string, index: number, request: object, firstOffer: ContentOffer, from: string): Promise<Partial<StepResult>> {
    let offer = firstOffer;
    let note = `${from}${offer.reason ? ` (unicast: ${offer.reason})` : ''}`;
    let got: { sha256: string; resumedBytes: number };
    let mode = offer.mode;
    // A disk image is received like any image (into the target file's partial copy, or a spool file
    // for a device) and applied to the disk as its chunks arrive.
    const disk = offer.diskImage ? await DiskReceive.prepare(target, { onNote: (message) => this.options.onEvent?.({ type: 'warning', index, message }) }) : null;
    const diskTarget = target;
    target = disk?.transportOut ?? target;
    try {
      await this.checkSpace(target, offer.sizeBytes);
    } catch (error) {
      if (offer.mode === 'multicast') await this.reportSession(offer, 'Failed', 0, 0, describe(error)).catch(() => undefined);
      throw error;
    }
    try {
      let rejoins = 0;
      for (;;) {
        if (offer.mode === 'unicast') {
          mode = 'unicast';
          got = await this.download(offer, target, index);
          break;
        }
        const outcome = await this.receiveMulticast(offer, target, index, disk?.onBlockStored);
        if (outcome.kind === 'verified') {
          got = outcome;
          mode = 'multicast';
          break;
        }
        if (outcome.kind === 'moved') {
          note = `${from} (moved to the slower stream ${outcome.offer.sessionId})`;
          offer = outcome.offer;
          continue;
        }
        if (outcome.kind === 'gone') {
          // The DP no longer knows the session (it restarted): ask again; the new session resumes.
          if (++rejoins > MAX_REJOINS) throw new ClientError('MulticastFailed', `the DP lost the multicast session ${rejoins - 1} times`);
          offer = await this.whenReachable(() => this.source.dp.post<ContentOffer>('/v1/content', request));
          note = `${from} (the DP lost session ${outcome.sessionId}, e.g. on a restart; rejoined ${offer.mode === 'multicast' ? `in session ${offer.sessionId}` : 'by unicast'})`;
          continue;
        }
        if (outcome.kind === 'local') throw await this.diskError(target, outcome.code, outcome.reason);
        if (!outcome.unicastAllowed) throw new ClientError('MulticastFailed', outcome.reason);
        mode = 'unicast';
        note = `${from} (unicast after multicast ended: ${outcome.reason})`;
        got = await this.download({ ...offer, url: `/v1/content/${offer.imageId}` }, target, index);
        break;
      }
    } catch (error) {
      await disk?.abandon();
      const code = (error as NodeJS.ErrnoException).code;
      throw isDiskFull(code) ? await this.diskError(target, code!, describe(error)) : error;
    }
    if (got.sha256 !== offer.sha256) {
      await disk?.abandon();
      throw new ClientError('HashMismatch', `${target} has SHA-256 ${got.sha256}, expected ${offer.sha256}`);
    }
    if (disk) return this.finishDisk(disk, diskTarget, imageId, mode, note);
    this.applied = { target, sha256: got.sha256, sizeBytes: offer.sizeBytes };
    const kept = got.resumedBytes > 0 ? `; ${formatBytes(got.resumedBytes)} of ${formatBytes(offer.sizeBytes)} were already on disk` : '';
    return { mode, target, sha256: got.sha256, resumedBytes: got.resumedBytes, message: `applied ${imageId} to ${target} by ${mode}${note}${kept}` };
  }

  /** The disk image's last chunks are applied, everything is read back, the last partition grown. */
  private async finishDisk(disk: DiskReceive, target: string, imageId: string, mode: 'multicast' | 'unicast', note: string): Promise<Partial<StepResult>> {
    let applied;
    try {
      applied = await disk.finish();
    } catch (error) {
      throw new ClientError('ApplyFailed', `applying disk image ${imageId} to ${target} failed: ${describe(error)}`);
    }
    if (!applied || !disk.index) throw new ClientError('ApplyFailed', `image ${imageId} was offered as a disk image, but what arrived is not one`);
    this.applied = { target, sha256: applied.sha256, sizeBytes: applied.targetBytes, disk: { index: disk.index, grownPartition: applied.grown?.number ?? null } };
    const grown = applied.grown ? `; partition ${applied.grown.number} grown to ${formatBytes(applied.grown.sizeBytes)}${applied.grown.filesystemGrown ? ' with its filesystem' : ''}` : '';
    return {
      mode,
      target,
      sha256: applied.sha256,
      resumedBytes: 0,
      message: `applied disk image ${imageId} to ${target} by ${mode}${note}: ${applied.chunksWritten} chunks written, ${applied.chunksSkipped} already on the disk${grown}`,
    };
  }

  /** Refuses to start when the target's disk cannot hold what is still to come. */
  private async checkSpace(target: string, sizeBytes: number): Promise<void> {
    const deviceBytes = blockDeviceBytes(target);
    if (deviceBytes !== null) {
      if (deviceBytes < sizeBytes) throw new ClientError('DiskTooSmall', `the disk ${target} holds ${formatBytes(deviceBytes)}, smaller than the image (${formatBytes(sizeBytes)}); nothing was written`);
      return;
    }
    const files = partialOutputFiles(target);
    const needed = sizeBytes - (await allocatedBytes([files.part, `${target}.partial`]));
    const disk = await diskOf(target);
    if (disk && disk.freeBytes < needed) {
      throw new ClientError('DiskFull', `not enough space for ${target}: ${describeDisk(disk, target)}, and the image needs ${formatBytes(needed)} more; nothing was written`);
    }
  }

  /** A write found the disk full: say which disk, and remove the partial copy (it frees the space and must not be mistaken for the image). */
  private async diskError(target: string, code: string, detail: string): Promise<ClientError> {
    const message = await discardAfterWriteFailure(target, code, detail);
    await unlink(`${target}.partial`).catch(() => undefined);
    return new ClientError(isDiskFull(code) ? 'DiskFull' : 'WriteFailed', message);
  }

  /**
   * Runs `attempt` until the content's DP answers (it may be restarting, or not up yet); a DP the
   * client was referred to is tried once (applyImage turns to the group's others).
   */
  private whenReachable<T>(attempt: () => Promise<T>): Promise<T> {
    return this.source.dp.untilAnswered(attempt, this.source.referredTo ? { waitMs: 0 } : dpWait(this.options));
  }

  private async receiveMulticast(offer: ContentOffer, target: string, index: number, onBlockStored?: (offset: number, length: number) => void): Promise<MulticastOutcome> {
    const abort = new AbortController();
    const stopOnParent = () => abort.abort();
    this.options.signal?.addEventListener('abort', stopOnParent, { once: true });
    let told: MulticastOutcome | null = null;
    let disconnect: { force: boolean; reason: string } | null = null;
    let percent = 0;
    let bytes = 0;
    let blockBytes = 0;
    let loss: number | undefined;
    // Until the transmission reaches it, the client waits (a scheduled session may not have started).
    let receiving = false;
    let waitingSaid = '';
    const leave = (outcome: MulticastOutcome) => {
      told ??= outcome;
      abort.abort();
    };
    const reporter = setInterval(() => {
      this.reportSession(offer, receiving ? 'Receiving' : 'Waiting', percent, bytes, '', loss).then(
        (reply) => {
          if (reply?.waiting && !receiving) {
            const said = `session ${offer.sessionId} is ${waitingText(reply.waiting.clients, Date.parse(reply.waiting.startsBy))}`;
            if (said !== waitingSaid) this.options.onEvent?.({ type: 'waiting', message: (waitingSaid = said) });
          }
          if (reply?.move) leave({ kind: 'moved', offer: reply.move });
          else if (reply?.disconnect && !disconnect) {
            disconnect = { force: reply.force === true, reason: reply.reason ?? 'disconnected by the DP' };
            abort.abort();
          }
        },
        (error: unknown) => {
          if (sessionUnknown(error)) leave({ kind: 'gone', sessionId: offer.sessionId! });
        },
      );
    }, PROGRESS_REPORT_MS);
    try {
      const summary = await receive({
        interface: this.options.interface,
        out: target,
        group: offer.group!,
        port: offer.port!,
        // The manifest must carry the site's signature and name the image offered (a replayed older
        // manifest is refused); an encrypted session's key came with the offer (over TLS).
        manifestPublicKey: this.source.signingKey,
        imageSha256: Buffer.from(offer.sha256, 'hex'),
        ...(offer.encryptionKey ? { encryptionKey: Buffer.from(offer.encryptionKey, 'base64') } : {}),
        signal: abort.signal,
        onBlockStored,
        onWarning: (message) => this.options.onEvent?.({ type: 'warning', index, message }),
        onProgress: (progress) => {
          receiving = progress.phase !== 'discovering';
          percent = progress.blockCount > 0 ? Math.floor((100 * progress.blocksDone) / progress.blockCount) : 0;
          blockBytes = progress.blockCount > 0 ? progress.imageBytes / progress.blockCount : 0;
          bytes = Math.round(progress.blocksDone * blockBytes);
          if (progress.received + progress.lost > 0) loss = progress.lost / (progress.received + progress.lost);
          this.options.onEvent?.({ type: 'progress', index, mode: 'multicast', percent });
        },
      });
      clearInterval(reporter);
      if (summary.ok && summary.sha256) {
        await this.reportSession(offer, 'Done', 100, offer.sizeBytes, 'verified', loss).catch(() => undefined);
        return { kind: 'verified', sha256: summary.sha256, resumedBytes: Math.min(offer.sizeBytes, Math.round(summary.counters.resumedBlocks * blockBytes)) };
      }
      if (told) return told;
      if (summary.localError) {
        await this.reportSession(offer, 'Failed', percent, bytes, summary.message, loss).catch(() => undefined);
        return { kind: 'local', code: summary.localError, reason: summary.message };
      }
      const left = disconnect as { force: boolean; reason: string } | null;
      if (!left) {
        // The session ended under this client. If the DP is restarting, wait for it: a DP that no
        // longer knows the session means "join again"; one that does, that the session really ended.
        const known = await this.whenReachable(() => this.reportSession(offer, 'Failed', percent, bytes, summary.message, loss)).then(
          () => true,
          (error: unknown) => {
            // A DP the client was referred to is not waited for: its group has others (applyImage).
            if (this.source.referredTo && error instanceof ClientError && error.id === 'DPUnreachable') throw error;
            return !sessionUnknown(error);
          },
        );
        if (!known) return { kind: 'gone', sessionId: offer.sessionId! };
      }
      const reason = left ? left.reason : summary.message;
      return { kind: 'ended', reason, unicastAllowed: !left?.force && offer.url === undefined && (await this.unicastAllowed(offer)) };
    } finally {
      clearInterval(reporter);
      this.options.signal?.removeEventListener('abort', stopOnParent);
    }
  }

  /** The DP answers HEAD on the content endpoint only for images that allow unicast. */
  private async unicastAllowed(offer: ContentOffer): Promise<boolean> {
    if (this.assignment.option === 'AccessDirectly') return true;
    return this.source.dp.head(`/v1/content/${offer.imageId}`);
  }

  /**
   * Unicast download, verified, then renamed to the target. What an earlier multicast attempt left
   * is kept: only the blocks it lacks are fetched (Range requests). Otherwise the download goes to
   * `<target>.partial` and resumes from its end.
   */
  private async download(offer: ContentOffer, target: string, index: number): Promise<{ sha256: string; resumedBytes: number }> {
    if (blockDeviceBytes(target) !== null) return this.downloadToDevice(offer, target, index);
    const held = readPartialOutput(target);
    if (held && held.imageSize === offer.sizeBytes) return this.fillPartial(offer, target, held, index);
    discardPartialOutput(target);
    const partial = `${target}.partial`;
    const have = await stat(partial).then((info) => info.size, () => 0);
    const response = await this.source.dp.get(offer.url!, have > 0 && have < offer.sizeBytes ? { range: `bytes=${have}-` } : {});
    const resumed = response.statusCode === 206;
    if (!resumed && have > 0) await unlink(partial).catch(() => undefined);
    const progress = this.unicastProgress(offer, index, resumed ? have : 0);
    const body = response;
    body.on('data', (chunk: Buffer) => progress(chunk.length));
    await pipeline(body, createWriteStream(partial, { flags: resumed ? 'a' : 'w' }), ...(this.options.signal ? [{ signal: this.options.signal }] : []));
    const sha256 = await sha256OfFile(partial);
    if (sha256 !== offer.sha256) {
      await unlink(partial).catch(() => undefined);
      throw new ClientError('HashMismatch', `the unicast download has SHA-256 ${sha256}, expected ${offer.sha256}; discarded`);
    }
    await rename(partial, target);
    return { sha256, resumedBytes: resumed ? have : 0 };
  }

  /**
   * Unicast straight onto a block device (a disk has no partial file to rename): written, flushed,
   * then read back and verified.
   */
  private async downloadToDevice(offer: ContentOffer, target: string, index: number): Promise<{ sha256: string; resumedBytes: number }> {
    const response = await this.source.dp.get(offer.url!, {});
    const progress = this.unicastProgress(offer, index, 0);
    response.on('data', (chunk: Buffer) => progress(chunk.length));
    // flush: the device is synced before it is closed, so the read-back below sees the disk.
    await pipeline(response, createWriteStream(target, { flags: 'r+', start: 0, flush: true }), ...(this.options.signal ? [{ signal: this.options.signal }] : []));
    const sha256 = await sha256OfFile(target, { bytes: offer.sizeBytes });
    if (sha256 !== offer.sha256) throw new ClientError('HashMismatch', `${target} reads back with SHA-256 ${sha256} after the unicast download, expected ${offer.sha256}`);
    return { sha256, resumedBytes: 0 };
  }

  /** Fetches by unicast the blocks a multicast attempt did not verify, into its partial file. */
  private async fillPartial(offer: ContentOffer, target: string, held: PartialOutput, index: number): Promise<{ sha256: string; resumedBytes: number }> {
    const blocks = held.held.length;
    const bytesOf = (block: number) => Math.min(held.blockBytes, held.imageSize - block * held.blockBytes);
    let resumedBytes = 0;
    for (let block = 0; block < blocks; block++) if (held.held[block]) resumedBytes += bytesOf(block);
    const progress = this.unicastProgress(offer, index, resumedBytes);
    for (let block = 0; block < blocks; ) {
      if (held.held[block]) {
        block++;
        continue;
      }
      const first = block;
      while (block < blocks && !held.held[block]) block++;
      const start = first * held.blockBytes;
      const end = Math.min(held.imageSize, block * held.blockBytes) - 1;
      const response = await this.source.dp.get(offer.url!, { range: `bytes=${start}-${end}` });
      if (response.statusCode !== 206) {
        response.resume();
        throw new ClientError('UnicastFailed', `the DP answered ${response.statusCode} to a request for bytes ${start}-${end} of image ${offer.imageId}`);
      }
      response.on('data', (chunk: Buffer) => progress(chunk.length));
      await pipeline(response, createWriteStream(held.part, { flags: 'r+', start }), ...(this.options.signal ? [{ signal: this.options.signal }] : []));
    }
    const sha256 = await sha256OfFile(held.part);
    if (sha256 !== offer.sha256) {
      discardPartialOutput(target);
      throw new ClientError('HashMismatch', `the image completed by unicast has SHA-256 ${sha256}, expected ${offer.sha256}; discarded`);
    }
    await rename(held.part, target);
    discardPartialOutput(target);
    return { sha256, resumedBytes };
  }

  /** Counts unicast bytes and raises a progress event at most once per report interval. */
  private unicastProgress(offer: ContentOffer, index: number, startBytes: number): (bytes: number) => void {
    let done = startBytes;
    let lastReport = 0;
    return (bytes) => {
      done += bytes;
      const now = Date.now();
      if (now - lastReport < PROGRESS_REPORT_MS) return;
      lastReport = now;
      this.options.onEvent?.({ type: 'progress', index, mode: 'unicast', percent: offer.sizeBytes ? Math.floor((100 * done) / offer.sizeBytes) : 100 });
    };
  }

  private async report(status: { state: 'InProgress' | 'Succeeded' | 'Failed'; step: number; message: string }): Promise<void> {
    // A report that does not arrive must not fail the installation itself.
    await this.dp.post('/v1/status', { deviceId: this.device.id, deploymentId: this.assignment.deploymentId, ...status }).catch(() => undefined);
  }

  /** `loss`: the share of the session's datagrams this receiver lost (before repair), once known. */
  private reportSession(offer: ContentOffer, clientState: string, percent: number, bytes: number, message: string, loss?: number) {
    return this.source.dp.post<SessionReply | null>('/v1/status', {
      deviceId: this.device.id,
      deploymentId: this.assignment.deploymentId,
      state: 'InProgress',
      step: 0,
      sessionId: offer.sessionId,
      clientState,
      percent,
      bytes,
      message,
      ...(loss !== undefined ? { loss } : {}),
    });
  }
}

/** A host name label (RFC 1123). */
const HOSTNAME = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

function runCommand(command: string, env: Record<string, string>, signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, ...(signal ? { signal } : {}) });
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

