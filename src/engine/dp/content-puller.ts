// The DP side of content distribution: a DP watches the site for content statuses naming it
// (Waiting, InProgress) and pulls each image it lacks from a DP that holds it, over that DP's
// pinned HTTPS control endpoint (content-source.ts), presenting its own control certificate.
//
// The pull goes range by range (8 MiB), each range checked against the SHA-256 the source sends
// with it, into `pull-<sha256>.partial` in the content library. A puller that stops (or a DP that
// restarts) continues from the whole ranges the partial holds. Only when the whole file matches the
// image's SHA-256 from the site is it made read-only and renamed to its content-library name, and
// the status becomes Success; a copy that does not match is discarded and the status is Failed
// with the reason, so nothing that looks complete is ever left unverified.
// A failed range (network, source down, a range that does not match its hash) is retried with
// backoff (5, 15, 45, 135 s by default, each time from the partial, from any Online holder when
// no source was given); after the last retry the status is Failed with the last reason, and
// Start-ContentDistribution starts it again.
import { request as httpsRequest, Agent } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { createHash } from 'node:crypto';
import { chmod, open, readdir, rename, stat, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../errors.js';
import { imagePath } from '../content/library.js';
import { statusOf } from '../content/distribution.js';
import { isOnline } from '../site/distribution-points.js';
import { sha256OfFile } from '../file-hash.js';
import { certificateFingerprint, siteIdentity, type SiteIdentity } from '../site/identity.js';
import type { ContentDistributionRecord, ImageRecord, SiteState } from '../site/model.js';
import { IMAGE_FILE, type SiteStore } from '../site/store.js';
import { MAX_CHUNK_BYTES } from './content-source.js';

export interface ContentPullerOptions {
  /** How often the site is looked at for work (default 1 s). */
  pollMs?: number;
  /** Waits before each retry of a failed pull; its length is the number of retries. */
  retryDelaysMs?: readonly number[];
  /** Bytes per range (default 8 MiB, at most 16 MiB). */
  chunkBytes?: number;
  /** Whether a session of this DP sends the image now (its copy is then kept until it ends). */
  inUse?: (imageId: string) => boolean;
  /**
   * This DP's local state folder (content library, identity) when it is not the site store's own:
   * a test that runs several DPs on one file site gives each its own.
   */
  local?: SiteStore;
}

const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
const DEFAULT_RETRY_DELAYS_MS = [5_000, 15_000, 45_000, 135_000];
/** Progress goes into the site at most this often. */
const PROGRESS_EVERY_MS = 1_000;

/** Stops a pull for good (no retry): the content itself is wrong, or the distribution was removed. */
class FinalError extends Error {}

export class ContentPuller {
  private timer: NodeJS.Timeout | null = null;
  private current: { imageId: string; abort: AbortController; done: Promise<void> } | null = null;
  /** Bytes received from sources since this puller started (what a resumed pull did not take again). */
  bytesFetched = 0;
  private readonly retries = new Map<string, { attempt: number; notBefore: number }>();
  private readonly local: SiteStore;
  /** The site last looked at for copies to delete, and whether one was kept for a session then. */
  private sweptSite: SiteState | null = null;
  private keptForSession = false;

  constructor(
    /** The site (records): shared by every DP. */
    private readonly store: SiteStore,
    /** This DP's name in the site. */
    readonly dpName: string,
    private readonly options: ContentPullerOptions = {},
  ) {
    this.local = options.local ?? store;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.options.pollMs ?? 1_000);
    this.timer.unref();
    this.tick();
  }

  /** Stops watching and abandons the pull under way (its partial stays, to be resumed). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const current = this.current;
    current?.abort.abort();
    await current?.done;
  }

  private tick(): void {
    if (this.current) return;
    let site: SiteState;
    try {
      site = this.store.read();
    } catch {
      return; // The site is briefly unreadable: the next tick tries again.
    }
    if (site !== this.sweptSite || this.keptForSession) {
      this.sweptSite = site;
      void this.removeUndistributed(site);
    }
    const me = this.dpName.toLowerCase();
    const now = Date.now();
    const work = site.contentDistributions.find((status) => status.distributionPoint.toLowerCase() === me && (status.state === 'Waiting' || status.state === 'InProgress') && (this.retries.get(status.imageId)?.notBefore ?? 0) <= now);
    if (!work) return;
    const abort = new AbortController();
    const done = this.pull(work, abort.signal).finally(() => {
      this.current = null;
    });
    this.current = { imageId: work.imageId, abort, done };
  }

  private async pull(status: ContentDistributionRecord, signal: AbortSignal): Promise<void> {
    const image = this.store.read().images.find((candidate) => candidate.id === status.imageId);
    if (!image) return;
    try {
      if (await this.alreadyHeld(image)) {
        await this.setStatus(image, { state: 'Success', bytesDone: image.sizeBytes, message: '' });
        return;
      }
      const source = this.pickSource(image, status);
      if (!source) {
        const message = status.sourceDistributionPoint ? `waiting for ${status.sourceDistributionPoint} to be Online` : `waiting for an Online distribution point that holds image ${image.id}`;
        if (status.state !== 'Waiting' || status.message !== message) await this.setStatus(image, { state: 'Waiting', message });
        this.retries.set(image.id, { attempt: this.retries.get(image.id)?.attempt ?? 0, notBefore: Date.now() + (this.options.pollMs ?? 1_000) * 5 });
        return;
      }
      await this.transfer(image, source, status.rateLimitBps, signal);
      this.retries.delete(image.id);
    } catch (error) {
      if (signal.aborted) return;
      const reason = (error as Error).message;
      const delays = this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
      const attempt = (this.retries.get(image.id)?.attempt ?? 0) + 1;
      if (error instanceof FinalError || attempt > delays.length) {
        this.retries.delete(image.id);
        await this.setStatus(image, { state: 'Failed', message: error instanceof FinalError ? reason : `${reason} (after ${delays.length} retries)` }).catch(() => undefined);
        return;
      }
      this.retries.set(image.id, { attempt, notBefore: Date.now() + delays[attempt - 1]! });
      await this.setStatus(image, { message: `retry ${attempt} of ${delays.length} after: ${reason}` }).catch(() => undefined);
    }
  }

  /** A complete copy already in the library (Update-ContentDistribution asks the DP to check it). */
  private async alreadyHeld(image: ImageRecord): Promise<boolean> {
    const file = imagePath(this.local, image);
    if (!(await stat(file).catch(() => null))) return false;
    if ((await sha256OfFile(file)) === image.sha256) return true;
    await unlink(file);
    return false;
  }

  /** The given source, or an Online DP (other than this one) whose status for the image is Success. */
  private pickSource(image: ImageRecord, status: ContentDistributionRecord): { name: string; endpoint: string; fingerprint: string } | null {
    const site = this.store.read();
    const me = this.dpName.toLowerCase();
    const candidates = site.distributionPoints.filter(
      (dp) =>
        dp.name.toLowerCase() !== me &&
        (status.sourceDistributionPoint === null || dp.name.toLowerCase() === status.sourceDistributionPoint.toLowerCase()) &&
        statusOf(site, image.id, dp.name)?.state === 'Success' &&
        isOnline(dp) &&
        dp.controlEndpoint !== null &&
        dp.certificateFingerprint !== null,
    );
    const dp = candidates[Math.floor(Math.random() * candidates.length)];
    return dp ? { name: dp.name, endpoint: dp.controlEndpoint!, fingerprint: dp.certificateFingerprint! } : null;
  }

  private async transfer(image: ImageRecord, source: { name: string; endpoint: string; fingerprint: string }, rateLimitBps: number | null, signal: AbortSignal): Promise<void> {
    const chunkBytes = Math.min(this.options.chunkBytes ?? DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES);
    await this.local.ensureExists();
    const partial = join(this.local.contentDir, `pull-${image.sha256}.partial`);
    // Only whole ranges count: a range cut short by a crash is fetched again.
    const held = (await stat(partial).catch(() => null))?.size ?? 0;
    let done = Math.min(held - (held % chunkBytes), image.sizeBytes);
    if (held > 0) await truncate(partial, done);
    await this.setStatus(image, { state: 'InProgress', bytesDone: done, message: `pulling from ${source.name}` });
    const identity = await siteIdentity(this.local);
    const agent = clientAgent(identity);
    const pacer = rateLimitBps ? new Pacer(rateLimitBps) : null;
    const handle = await open(partial, 'a', 0o600);
    let reportedAt = Date.now();
    try {
      while (done < image.sizeBytes) {
        const end = Math.min(done + chunkBytes, image.sizeBytes) - 1;
        const chunk = await fetchRange(agent, source, image.id, done, end, pacer, signal, (bytes) => (this.bytesFetched += bytes));
        await handle.write(chunk); // appended: the partial holds exactly the ranges before `done`
        done = end + 1;
        if (Date.now() - reportedAt >= PROGRESS_EVERY_MS) {
          reportedAt = Date.now();
          await this.setStatus(image, { bytesDone: done });
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
      agent.destroy();
    }
    const digest = await sha256OfFile(partial, { signal });
    if (digest !== image.sha256) {
      await unlink(partial).catch(() => undefined);
      throw new FinalError(`the content pulled from ${source.name} does not match image ${image.id}'s SHA-256 (expected ${image.sha256}, got ${digest}): ${source.name}'s copy is damaged; the partial copy was discarded`);
    }
    await chmod(partial, IMAGE_FILE);
    await rename(partial, imagePath(this.local, image));
    await this.setStatus(image, { state: 'Success', bytesDone: image.sizeBytes, message: '' });
  }

  /** Changes this DP's status for the image, unless the distribution was removed meanwhile (then the pull ends). */
  private async setStatus(image: ImageRecord, change: Partial<Pick<ContentDistributionRecord, 'state' | 'bytesDone' | 'message'>>): Promise<void> {
    const kept = await this.store.update((site) => {
      const status = statusOf(site, image.id, this.dpName);
      if (!status) return false;
      Object.assign(status, change, { updatedAt: new Date().toISOString() });
      return true;
    });
    if (!kept) throw new FinalError(`the distribution of image ${image.id} to ${this.dpName} was removed`);
  }

  /**
   * Remove-ContentDistribution: copies (and partials) of images that the site distributes, but no
   * longer to this DP, are deleted, unless a session of this DP still sends them.
   */
  private async removeUndistributed(site: SiteState): Promise<void> {
    const names = await readdir(this.local.contentDir).catch(() => [] as string[]);
    this.keptForSession = false;
    for (const image of site.images) {
      if (!site.contentDistributions.some((status) => status.imageId === image.id) || statusOf(site, image.id, this.dpName)) continue;
      if (site.images.some((other) => other.file === image.file && statusOf(site, other.id, this.dpName))) continue;
      if (!names.includes(image.file) && !names.includes(`pull-${image.sha256}.partial`)) continue;
      if (this.options.inUse?.(image.id)) {
        this.keptForSession = true;
        continue;
      }
      for (const name of [image.file, `pull-${image.sha256}.partial`]) if (names.includes(name)) await unlink(join(this.local.contentDir, name)).catch(() => undefined);
    }
  }
}

/** An HTTPS agent that presents this DP's certificate; each response is checked against the source's pinned one (fetchRange). */
function clientAgent(identity: SiteIdentity): Agent {
  return new Agent({
    keepAlive: true,
    key: identity.tlsKey,
    cert: identity.tlsCertificate,
    // The source is known by the fingerprint its DP record carries, not by a CA or a host name.
    rejectUnauthorized: false,
    maxSockets: 1,
  });
}

function fetchRange(agent: Agent, source: { name: string; endpoint: string; fingerprint: string }, imageId: string, start: number, end: number, pacer: Pacer | null, signal: AbortSignal, onBytes: (bytes: number) => void): Promise<Buffer> {
  const [host, port] = splitEndpoint(source.endpoint);
  return new Promise<Buffer>((resolve, reject) => {
    const request = httpsRequest({ host, port, path: `/v1/dp/content/${imageId}`, headers: { range: `bytes=${start}-${end}` }, agent, signal }, (response: IncomingMessage) => {
      const presented = (response.socket as import('node:tls').TLSSocket).getPeerCertificate().raw;
      if (!presented || certificateFingerprint(presented) !== source.fingerprint) {
        response.destroy();
        return reject(new Error(`${source.name} at ${source.endpoint} presented a certificate other than the one its DP record pins`));
      }
      void receive(response).then(resolve, reject);
    });
    request.setTimeout(60_000, () => request.destroy(new Error(`${source.name} sent nothing for 60 s`)));
    request.on('error', (error) => reject(signal.aborted ? error : new Error(`cannot pull from ${source.name} at ${source.endpoint}: ${error.message}`)));
    request.end();
  });

  async function receive(response: IncomingMessage): Promise<Buffer> {
    const pieces: Buffer[] = [];
    let length = 0;
    for await (const piece of response as AsyncIterable<Buffer>) {
      pieces.push(piece);
      length += piece.length;
      onBytes(piece.length);
      await pacer?.take(piece.length, signal);
    }
    const body = Buffer.concat(pieces, length);
    if (response.statusCode !== 206) {
      let message = body.toString('utf8').slice(0, 500);
      try {
        message = (JSON.parse(message) as { error: { message: string } }).error.message;
      } catch {
        // Not the DP's JSON error: its text is the reason.
      }
      throw new Error(`${source.name} refused range ${start}-${end} (${response.statusCode}): ${message}`);
    }
    const expected = response.headers['x-chunk-sha256'];
    if (body.length !== end - start + 1 || createHash('sha256').update(body).digest('hex') !== expected) {
      throw new Error(`range ${start}-${end} from ${source.name} arrived damaged (its length or SHA-256 does not match what ${source.name} sent)`);
    }
    return body;
  }
}

function splitEndpoint(endpoint: string): [string, number] {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(endpoint);
  if (!match) throw new EngineError('InvalidEndpoint', 'InvalidOperation', `The DP endpoint '${endpoint}' is not host:port.`);
  return [match[1]!, Number(match[2])];
}

/**
 * Keeps a pull under its -RateLimit: the bytes received so far may not arrive sooner than the rate
 * allows since the pull began (the request-count limiter in rate-limit.ts counts requests per
 * address, not bytes over time, so it does not fit).
 */
export class Pacer {
  private readonly startedAt = Date.now();
  private bytes = 0;

  constructor(readonly bitsPerSecond: number) {}

  async take(bytes: number, signal: AbortSignal): Promise<void> {
    this.bytes += bytes;
    const due = this.startedAt + (this.bytes * 8 * 1000) / this.bitsPerSecond;
    const wait = due - Date.now();
    if (wait <= 0 || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, wait);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
