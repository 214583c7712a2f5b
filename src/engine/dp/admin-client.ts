// The session cmdlets' side of a DP's admin API: a DP of this site running in another process
// (`mcshell serve`, or another shell's Start-DPService), reached over HTTP on its Unix socket, or
// a DP on another machine reached over its pinned control endpoint (remote-admin.ts).
import { request, type IncomingMessage } from 'node:http';
import { lstat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { EngineError, type EngineErrorCategory } from '../errors.js';
import { adminSocketPath, fromSnapshot, withSocketAddress, type DPControl, type SessionChange, type SessionSnapshot } from './dp-control.js';
import type { MulticastSession, SessionClient } from './sessions.js';

/** What the admin socket says about its DP. */
export interface DPInfo {
  pid: number;
  site: string;
  /** `host:port` of the control endpoint client agents use. */
  endpoint: string;
  interface: string;
}

const PROBE_TIMEOUT_MS = 2_000;
/** Starting a session waits for the site lock (up to 15 s) to allocate its id. */
const REQUEST_TIMEOUT_MS = 30_000;

interface Answer {
  status: number;
  body: unknown;
}

/**
 * How admin requests reach a DP: its Unix socket on this machine (no credential: the socket is
 * its owner's only), or its control endpoint over HTTPS pinned to the certificate of its site
 * record, with an admin key (remote-admin.ts).
 */
export interface AdminChannel {
  /** Where the DP is, for messages: its socket path or `DP-EAST (host:port)`. */
  readonly where: string;
  /** Sends one request for `path` (/v1/…); resolves with the response once it begins. */
  send(method: string, path: string, body: string | undefined, options: { timeoutMs?: number; signal?: AbortSignal }): Promise<IncomingMessage>;
}

/** The admin socket of a DP on this machine. */
export class SocketChannel implements AdminChannel {
  constructor(readonly where: string) {}

  send(method: string, path: string, body: string | undefined, options: { timeoutMs?: number; signal?: AbortSignal }): Promise<IncomingMessage> {
    return withSocketAddress(
      this.where,
      (socketPath) =>
        new Promise<IncomingMessage>((resolve, reject) => {
          const req = request({ socketPath, method, path, agent: false, ...(options.signal ? { signal: options.signal } : {}), headers: body ? { 'content-type': 'application/json' } : {} }, resolve);
          if (options.timeoutMs) req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`no answer within ${options.timeoutMs! / 1000} s`)));
          req.on('error', reject);
          req.end(body);
        }),
    );
  }
}

/** One JSON request to the DP; a DP nobody answers for rejects with DPUnreachable. */
async function call(channel: AdminChannel, method: string, path: string, body: unknown, timeoutMs: number): Promise<Answer> {
  try {
    const response = await channel.send(method, path, body === undefined ? undefined : JSON.stringify(body), { timeoutMs });
    const chunks: Buffer[] = [];
    for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
    return { status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch (error) {
    if (error instanceof EngineError) throw error;
    throw unreachable(channel.where, error);
  }
}

function unreachable(where: string, error: unknown): EngineError {
  return new EngineError('DPUnreachable', 'ResourceUnavailable', `The distribution point at ${where} does not answer (${(error as Error).message}); it may have stopped.`, where);
}

/** The DP listening on `socket`, or null when none answers (a stale socket left by a DP that died). */
export async function probeDP(socket: string): Promise<DPInfo | null> {
  try {
    const answer = await call(new SocketChannel(socket), 'GET', '/v1/dp', undefined, PROBE_TIMEOUT_MS);
    return answer.status === 200 ? (answer.body as DPInfo) : null;
  } catch {
    return null;
  }
}

/**
 * The site's DP running in another process, or null when none runs. Only a socket of this user
 * is trusted: anyone else's could be a stand-in collecting what the admin does.
 */
export async function reachSiteDP(home: string): Promise<RemoteDP | null> {
  const socket = adminSocketPath(home);
  const stats = await lstat(socket).catch(() => null);
  if (!stats?.isSocket()) return null;
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new EngineError('AdminSocketNotOwned', 'InvalidOperation', `The DP admin socket ${socket} belongs to user id ${stats.uid}, not to you (${uid}); mcshell talks only to a DP run by the site's owner.`, socket);
  }
  const info = await probeDP(socket);
  return info ? new RemoteDP(new SocketChannel(socket), info) : null;
}

export class RemoteDP implements DPControl {
  constructor(
    readonly channel: AdminChannel,
    readonly info: DPInfo,
  ) {}

  async listSessions(): Promise<MulticastSession[]> {
    return (await this.send<SessionSnapshot[]>('GET', '/v1/sessions')).map(fromSnapshot);
  }

  async getSession(id: string): Promise<MulticastSession> {
    return fromSnapshot(await this.send<SessionSnapshot>('GET', `/v1/sessions/${encodeURIComponent(id)}`));
  }

  async startSession(image: string): Promise<MulticastSession> {
    return fromSnapshot(await this.send<SessionSnapshot>('POST', '/v1/sessions', { image }));
  }

  async stopSession(id: string): Promise<MulticastSession> {
    return fromSnapshot(await this.send<SessionSnapshot>('POST', `/v1/sessions/${encodeURIComponent(id)}/stop`, {}));
  }

  async disconnectClient(sessionId: string, client: string, force: boolean): Promise<{ session: MulticastSession; client: SessionClient }> {
    const answer = await this.send<{ session: SessionSnapshot; client: SessionClient }>('POST', `/v1/sessions/${encodeURIComponent(sessionId)}/disconnect`, { client, force });
    return { session: fromSnapshot(answer.session), client: answer.client };
  }

  /** Follows the DP's change feed (one JSON line per change); `closed` when the DP goes away. */
  onChange(listener: (change: SessionChange, sessionId: string | null) => void): () => void {
    const abort = new AbortController();
    const closed = () => {
      if (!abort.signal.aborted) listener('closed', null);
      abort.abort();
    };
    this.channel.send('GET', '/v1/events', undefined, { signal: abort.signal }).then((response) => {
      if (response.statusCode !== 200) return closed();
      const lines = createInterface({ input: response });
      lines.on('line', (line) => {
        if (!line || abort.signal.aborted) return;
        const { change, session } = JSON.parse(line) as { change: SessionChange; session: string | null };
        listener(change, session);
      });
      // Ending the feed (or the DP going away) aborts the response: that is its end, not a fault.
      lines.on('error', closed);
      response.on('close', closed);
    }, closed);
    return () => abort.abort();
  }

  private send<T>(method: string, path: string, body?: unknown): Promise<T> {
    return ask<T>(this.channel, method, path, body);
  }
}

/** The DP `channel` reaches, once it has said who it is (which also proves a remote channel's key). */
export async function connectDP(channel: AdminChannel): Promise<RemoteDP> {
  return new RemoteDP(channel, await ask<DPInfo>(channel, 'GET', '/v1/dp'));
}

/** One admin request; the DP's error answer becomes its EngineError. */
async function ask<T>(channel: AdminChannel, method: string, path: string, body?: unknown): Promise<T> {
  const answer = await call(channel, method, path, body, REQUEST_TIMEOUT_MS);
  if (answer.status >= 400) {
    const { error } = answer.body as { error: { id: string; category?: EngineErrorCategory; message: string; target?: unknown } };
    // The control endpoint's own refusals (a credential refused, too many attempts) carry no category.
    throw new EngineError(error.id, error.category ?? (answer.status === 429 ? 'ResourceUnavailable' : 'InvalidOperation'), error.message, error.target);
  }
  return answer.body as T;
}
