// The distribution point's multicast sessions. One active session per image: it waits for
// client requests (auto-cast starts on the first, scheduled-cast at the minimum size or after the
// start delay, an admin can start it at any time), then transmits with the transport while later
// clients join the running transmission. Each session has its own group and port; when it ends
// its outcome goes into the site's session history and its channel is free again. Session ids
// come from a counter in the site, so an id names one session for the site's whole life.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { EngineError } from '../errors.js';
import { allocateChannel, type Channel } from '../scheduler/allocation.js';
import { decideStart, type StartDecision } from '../scheduler/start-policy.js';
import type { DPMulticastSettings, ImageRecord, SessionHistoryRecord, SiteState } from '../site/model.js';
import { dpSettings, ownedRunningSession } from '../site/distribution-points.js';
import type { SiteStore } from '../site/store.js';
import { imagePath } from '../content/library.js';
import { siteIdentity } from '../site/identity.js';
import { send, type SendProgress, type SendSummary } from '../transport/index.js';
import { siteManifestCacheDir } from '../transport/manifest-cache.js';
import { SlowClientMonitor, streamSendOptions } from './slow-clients.js';

export type SessionState = 'Waiting' | 'Running' | 'Completed' | 'Failed' | 'Stopped';
export type ClientState = 'Waiting' | 'Receiving' | 'Verifying' | 'Done' | 'Failed' | 'Disconnected' | 'Moved';

export interface SessionClient {
  deviceId: string;
  name: string;
  address: string;
  state: ClientState;
  /** Disconnected with -Force: the client must end its installation rather than fall back to unicast. */
  forcedDisconnect: boolean;
  percent: number;
  /** Bytes of the image the client holds verified, as it last reported. */
  bytesDone: number;
  /** Moved: the session it continues in (slow-client policy Multistream). */
  movedTo: string | null;
  /** Share (0–1) of the session's datagrams the client says it lost before repair; null until it says. */
  loss: number | null;
  message: string;
  requestedAt: number;
  updatedAt: number;
}

export interface MulticastSession {
  id: string;
  image: ImageRecord;
  /** 0 = the image's session; 1, 2 = its slower streams under the Multistream slow-client policy. */
  stream: number;
  channel: Channel;
  state: SessionState;
  startReason: string | null;
  requestedAt: number;
  startedAt: number | null;
  endedAt: number | null;
  clients: Map<string, SessionClient>;
  progress: SendProgress | null;
  summary: SendSummary | null;
  manualStart: boolean;
  /** A waiting scheduled session: how many more clients it waits for, and when it starts at the latest (ms since epoch). */
  waitingFor: { clients: number; startsBy: number } | null;
  /** The DP that runs it, when sessions of several DPs are shown together (remote-admin.ts). */
  distributionPoint?: string;
  /** Why it is shown as last seen: its DP stopped answering the admin shell (remote-admin.ts). */
  lostContact?: string;
}

export interface SessionsOptions {
  store: SiteStore;
  /** The DP that runs the sessions: they are recorded in the site under its name, and it runs with its settings. */
  distributionPoint: string;
  /** Interface the multicast goes out on (name or address). */
  interface: string;
  /** Seconds a started session waits for its requested clients to join (default 30). */
  joinWaitSeconds?: number;
  /** Seconds of silence after which a joined receiver is dropped (transport default when unset). */
  receiverTimeoutSeconds?: number;
}

export interface SessionEvents {
  /** A session was opened (it waits for its start). */
  opened: [MulticastSession];
  started: [MulticastSession];
  progress: [MulticastSession];
  client: [MulticastSession, SessionClient];
  ended: [MulticastSession];
}

const ACTIVE: ReadonlySet<SessionState> = new Set(['Waiting', 'Running']);

export class MulticastSessions extends EventEmitter<SessionEvents> {
  private readonly sessions = new Map<string, MulticastSession>();
  private readonly aborts = new Map<string, AbortController>();
  /** Encrypted images: each session's fresh AES-256 key, kept out of the session objects views see. */
  private readonly keys = new Map<string, Buffer>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  /** Sessions being opened (their id is being allocated in the site), per image and stream. */
  private readonly opening = new Map<string, Promise<MulticastSession>>();
  /** Channels of sessions being opened (their id not yet allocated): two images opening at once never get the same one. */
  private readonly reserved = new Set<Channel>();

  constructor(private readonly options: SessionsOptions) {
    super();
    new SlowClientMonitor(this, () => this.settings().slowClients);
  }

  get distributionPoint(): string {
    return this.options.distributionPoint;
  }

  /** The settings of this DP (its own, or the site's defaults), as they are now. */
  settings(): DPMulticastSettings {
    return dpSettings(this.options.store.read(), this.options.distributionPoint);
  }

  list(): MulticastSession[] {
    return [...this.sessions.values()];
  }

  get(id: string): MulticastSession {
    const session = this.sessions.get(id) ?? this.list().find((candidate) => candidate.id.toLowerCase() === id.toLowerCase());
    if (!session) throw new EngineError('SessionNotFound', 'ObjectNotFound', `No multicast session '${id}' (sessions: ${this.list().map((s) => s.id).join(', ') || 'none'}).`, id);
    return session;
  }

  /** The session's encryption key (its image is encrypted), or null. Only authorized clients get it, over TLS. */
  encryptionKey(session: MulticastSession): Buffer | null {
    return this.keys.get(session.id) ?? null;
  }

  /** The session an image's clients join (stream 0, or a slower stream): the active one, else a new waiting one. */
  private async activeFor(image: ImageRecord, stream = 0): Promise<MulticastSession> {
    const existing = this.list().find((session) => session.image.id === image.id && session.stream === stream && ACTIVE.has(session.state));
    if (existing) return existing;
    // Requests that arrive while the session's id is allocated join the same new session.
    const key = `${image.id}/${stream}`;
    let opening = this.opening.get(key);
    if (!opening) {
      opening = this.open(image, stream).finally(() => this.opening.delete(key));
      this.opening.set(key, opening);
    }
    return opening;
  }

  private async open(image: ImageRecord, stream: number): Promise<MulticastSession> {
    const channel = allocateChannel(this.settings(), [...this.list().filter((s) => ACTIVE.has(s.state)).map((s) => s.channel), ...this.reserved]);
    const distributionPoint = this.options.distributionPoint;
    this.reserved.add(channel);
    // One write takes the id and records the session as running on this DP (so that, if the DP dies, another marks it failed).
    const id = await this.options.store
      .update((site) => {
        const id = `MC${String(++site.lastSessionNumber).padStart(4, '0')}`;
        (site.runningSessions ??= []).push({ id, imageId: image.id, distributionPoint, group: channel.group, port: channel.port, openedAt: new Date().toISOString() });
        return id;
      })
      .catch((error: unknown) => {
        this.reserved.delete(channel);
        throw error;
      });
    const session: MulticastSession = {
      id,
      image,
      stream,
      channel,
      state: 'Waiting',
      startReason: null,
      requestedAt: Date.now(),
      startedAt: null,
      endedAt: null,
      clients: new Map(),
      progress: null,
      summary: null,
      manualStart: false,
      waitingFor: null,
    };
    this.sessions.set(session.id, session);
    this.reserved.delete(channel);
    if (image.multicast.encrypt) this.keys.set(session.id, randomBytes(32));
    this.emit('opened', session);
    return session;
  }

  /** Clients counted against the DP's maximum: those in active sessions that are not finished. */
  activeClientCount(): number {
    let count = 0;
    for (const session of this.sessions.values()) {
      if (!ACTIVE.has(session.state)) continue;
      for (const client of session.clients.values()) if (!FINAL_CLIENT_STATES.has(client.state)) count++;
    }
    return count;
  }

  /**
   * A client asks for an image. Returns the session to join, or null when the DP already serves
   * its maximum number of clients (the caller falls back to unicast or asks the client to wait).
   */
  async request(image: ImageRecord, client: { deviceId: string; name: string; address: string }): Promise<MulticastSession | null> {
    // A client asking again (its agent restarted) goes back to the session it was in; one moved to a slower stream, to that one.
    const existing = this.list().find((session) => session.image.id === image.id && ACTIVE.has(session.state) && session.clients.has(client.deviceId) && session.clients.get(client.deviceId)!.state !== 'Moved');
    const full = () => this.activeClientCount() >= this.settings().maximumClients;
    if (!existing && full()) return null;
    const session = existing ?? (await this.activeFor(image));
    // Others may have joined while the session opened.
    if (!existing && full()) return null;
    this.enrol(session, client);
    this.schedule();
    return session;
  }

  private enrol(session: MulticastSession, client: { deviceId: string; name: string; address: string }): void {
    const now = Date.now();
    const previous = session.clients.get(client.deviceId);
    session.clients.set(client.deviceId, { ...client, state: 'Waiting', forcedDisconnect: false, percent: 0, bytesDone: 0, movedTo: null, loss: null, message: '', requestedAt: previous?.requestedAt ?? now, updatedAt: now });
  }

  /**
   * Slow-client policy Multistream: `client` leaves `from` for the image's stream `stream` (opened,
   * and started at once, if it is not running). The client learns it at its next report and
   * resumes there with what it already holds.
   */
  async move(from: MulticastSession, client: SessionClient, stream: number, reason: string): Promise<MulticastSession> {
    const to = await this.activeFor(from.image, stream);
    to.manualStart = true;
    this.enrol(to, client);
    client.state = 'Moved';
    client.movedTo = to.id;
    client.message = `${reason}; moved to ${to.id}`;
    client.updatedAt = Date.now();
    this.emit('client', from, client);
    this.schedule();
    return to;
  }

  /** Start-MulticastSession: start the image's waiting session now, or open one that starts at once. */
  async startNow(image: ImageRecord): Promise<MulticastSession> {
    const session = await this.activeFor(image);
    session.manualStart = true;
    this.schedule();
    return session;
  }

  /** A client's own report of how it is doing (the agent posts these to the control endpoint). */
  report(sessionId: string, deviceId: string, update: { state: ClientState; percent?: number; bytes?: number; loss?: number; message?: string }): SessionClient {
    const session = this.get(sessionId);
    const client = session.clients.get(deviceId);
    if (!client) throw new EngineError('ClientNotInSession', 'ObjectNotFound', `Device '${deviceId}' has not joined session ${session.id}.`, deviceId);
    if (client.state === 'Disconnected' || client.state === 'Moved') return client;
    client.state = update.state;
    if (update.percent !== undefined) client.percent = Math.max(0, Math.min(100, update.percent));
    if (update.bytes !== undefined) client.bytesDone = Math.max(0, Math.min(session.image.sizeBytes, update.bytes));
    if (update.loss !== undefined) client.loss = update.loss;
    if (update.message !== undefined) client.message = update.message;
    client.updatedAt = Date.now();
    this.emit('client', session, client);
    return client;
  }

  /**
   * Disconnect-MulticastClient: the client is told to leave at its next report. It falls back to
   * unicast if the image allows it, unless `force`, which ends its installation. `reason` is what
   * the client is told (the default: the administrator disconnected it).
   */
  disconnect(sessionId: string, deviceId: string, force: boolean, reason?: string): SessionClient {
    const session = this.get(sessionId);
    const client = session.clients.get(deviceId) ?? [...session.clients.values()].find((c) => c.name.toLowerCase() === deviceId.toLowerCase());
    if (!client) throw new EngineError('ClientNotInSession', 'ObjectNotFound', `No client '${deviceId}' in session ${session.id} (clients: ${[...session.clients.values()].map((c) => c.name).join(', ') || 'none'}).`, deviceId);
    client.state = 'Disconnected';
    client.forcedDisconnect = force;
    client.message = reason ?? `disconnected by the administrator${force ? ' (forced)' : ''}`;
    client.updatedAt = Date.now();
    this.emit('client', session, client);
    return client;
  }

  /** Stop-MulticastSession: ends the transmission; clients see the session end and fail or fall back. */
  stop(sessionId: string): MulticastSession {
    const session = this.get(sessionId);
    if (session.state === 'Waiting') {
      this.finish(session, 'Stopped', null);
    } else if (session.state === 'Running') {
      this.aborts.get(session.id)?.abort();
    }
    return session;
  }

  /** Stops every active session and waits for their transmissions to end. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const session of this.list()) if (ACTIVE.has(session.state)) this.stop(session.id);
    // An ended transmission adds the saving of its history record: wait for that too.
    while (this.running.size > 0) await Promise.all(this.running);
  }

  /** Starts what the start policy says should start, and sets a timer for the next deadline. */
  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const scheduled = this.settings().scheduled;
    const now = Date.now();
    let nextCheck: number | null = null;
    for (const session of this.sessions.values()) {
      if (session.state !== 'Waiting') continue;
      const requestTimes = [...session.clients.values()].map((client) => client.requestedAt).sort((a, b) => a - b);
      const decision = decideStart(scheduled, { requestTimes, manualStart: session.manualStart }, now);
      if (decision.start) this.launch(session, session.stream > 0 ? 'Multistream' : START_REASONS[decision.reason]);
      else if (decision.recheckAt !== null) {
        nextCheck = Math.min(nextCheck ?? Infinity, decision.recheckAt);
        session.waitingFor = { clients: scheduled.minimumSessionSize - requestTimes.length, startsBy: decision.recheckAt };
      }
    }
    if (nextCheck !== null) this.timer = setTimeout(() => this.schedule(), Math.max(0, nextCheck - Date.now())).unref();
  }

  private launch(session: MulticastSession, reason: string): void {
    const dp = this.settings();
    const abort = new AbortController();
    // The slow-client policy decides the stream's pacing; the DP's transfer rate caps every stream.
    const stream = streamSendOptions(dp.slowClients, session.stream);
    const rate = Math.min(dp.transferRateBps ?? Infinity, stream.rate ?? Infinity);
    session.state = 'Running';
    session.waitingFor = null;
    session.startReason = reason;
    session.startedAt = Date.now();
    this.aborts.set(session.id, abort);
    this.emit('started', session);
    const encryptionKey = this.keys.get(session.id);
    // Every manifest is signed with the site's key; an encrypted image's datagrams are encrypted
    // with the session's key (which its authorized clients got in their content offer).
    const transmission = siteIdentity(this.options.store)
      .then((identity) =>
        send({
          file: imagePath(this.options.store, session.image),
          interface: this.options.interface,
          group: session.channel.group,
          port: session.channel.port,
          // Announce on the session's own port pair, so concurrent sessions never mix announcements.
          announceGroup: session.channel.group,
          announcePort: session.channel.port,
          minClients: Math.max(1, session.clients.size),
          maxWaitSeconds: this.options.joinWaitSeconds ?? 30,
          ...stream,
          ...(rate < Infinity ? { rate } : {}),
          ...(this.options.receiverTimeoutSeconds ? { receiverTimeoutMs: this.options.receiverTimeoutSeconds * 1000 } : {}),
          ...(encryptionKey ? { encryptionKey } : {}),
          manifestSigner: identity.signingKey,
          manifestCache: siteManifestCacheDir(this.options.store.home),
          signal: abort.signal,
          onProgress: (progress) => {
            session.progress = progress;
            this.emit('progress', session);
          },
        }),
      )
      .then(
        (summary) => this.finish(session, abort.signal.aborted ? 'Stopped' : summary.ok || onlyLeaversFailed(session, summary) ? 'Completed' : 'Failed', summary),
        (error: unknown) => {
          session.summary = null;
          for (const client of session.clients.values()) if (client.state !== 'Done') client.message ||= (error as Error).message;
          this.finish(session, abort.signal.aborted ? 'Stopped' : 'Failed', null);
        },
      )
      .finally(() => {
        this.running.delete(transmission);
        this.aborts.delete(session.id);
      });
    this.running.add(transmission);
  }

  /** Ends a session: records it in the site history once its clients have said how they ended. */
  private finish(session: MulticastSession, state: SessionState, summary: SendSummary | null): void {
    session.state = state;
    session.summary = summary;
    session.endedAt = Date.now();
    this.keys.delete(session.id);
    this.schedule();
    const recorded = this.settle(session)
      .then(() => this.options.store.update((site) => this.record(site, session)))
      .catch((error: unknown) => {
        // The transmission is over either way; losing its history line must not crash the DP.
        process.emitWarning(`session ${session.id}: history not saved: ${(error as Error).message}`);
      })
      .finally(() => {
        this.running.delete(recorded);
        this.emit('ended', session);
      });
    this.running.add(recorded);
  }

  /**
   * Replaces the session's running record by its history record. Only the DP that owns it may: a
   * session another DP already closed (this one was silent past the heartbeat timeout) keeps the
   * failure it was given, and this DP says so.
   */
  private record(site: SiteState, session: MulticastSession): void {
    const owned = ownedRunningSession(site, session.id, this.options.distributionPoint);
    if (!owned) {
      process.emitWarning(`session ${session.id}: not recorded as ${session.state}: the site no longer lists it as running on ${this.options.distributionPoint} (another DP closed it while this one was not heartbeating)`);
      return;
    }
    site.runningSessions = site.runningSessions!.filter((record) => record !== owned);
    site.sessionHistory.push(historyRecord(session, this.options.distributionPoint));
  }

  /**
   * The transport ends the transmission the moment the last receiver verified; that client's own
   * report ("Done") reaches the control endpoint a moment later. Wait briefly for every client to
   * report a final state, so the history says what really happened to each.
   */
  private async settle(session: MulticastSession): Promise<void> {
    const deadline = Date.now() + CLIENT_SETTLE_MS;
    const unsettled = () => [...session.clients.values()].some((client) => !FINAL_CLIENT_STATES.has(client.state));
    while (session.startedAt !== null && unsettled() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const FINAL_CLIENT_STATES: ReadonlySet<ClientState> = new Set(['Done', 'Failed', 'Disconnected', 'Moved']);

/** StartReason as the views and the history show it (a slower stream starts as soon as a client moves there: Multistream). */
const START_REASONS: Record<(StartDecision & { start: true })['reason'], string> = { 'auto-cast': 'AutoCast', 'minimum-size': 'MinimumClients', 'start-delay': 'StartDelay', manual: 'Manual' };

/**
 * A session whose only failed receivers are clients that left it (disconnected, or moved to a
 * slower stream) served everyone who stayed: it completed.
 */
function onlyLeaversFailed(session: MulticastSession, summary: SendSummary): boolean {
  const failed = summary.receivers.filter((receiver) => receiver.status !== 'verified').length;
  const left = [...session.clients.values()].filter((client) => client.state === 'Disconnected' || client.state === 'Moved').length;
  const verified = summary.receivers.length - failed;
  return verified > 0 && failed <= left;
}
const CLIENT_SETTLE_MS = 5000;

function historyRecord(session: MulticastSession, distributionPoint: string): SessionHistoryRecord {
  return {
    id: session.id,
    imageId: session.image.id,
    group: session.channel.group,
    port: session.channel.port,
    startedAt: new Date(session.startedAt ?? session.requestedAt).toISOString(),
    endedAt: new Date(session.endedAt ?? Date.now()).toISOString(),
    state: session.state === 'Completed' ? 'Completed' : session.state === 'Stopped' ? 'Stopped' : 'Failed',
    startReason: session.startReason,
    clients: [...session.clients.values()].map((client) => ({ id: client.deviceId, name: client.name, state: client.state, sha256: client.state === 'Done' ? session.image.sha256 : null })),
    ...(session.state !== 'Completed' && session.summary ? { message: session.summary.message } : {}),
    distributionPoint,
  };
}
