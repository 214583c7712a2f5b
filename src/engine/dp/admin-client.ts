// The session cmdlets' side of the admin socket: a DP of this site running in another process
// (`mcshell serve`, or another shell's Start-DPService), reached over HTTP on its Unix socket.
import { request } from 'node:http';
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

/** One JSON request to the admin socket; a socket nobody answers on rejects with DPUnreachable. */
function call(socket: string, method: string, path: string, body: unknown, timeoutMs: number): Promise<Answer> {
  return withSocketAddress(
    socket,
    (socketPath) =>
      new Promise<Answer>((resolve, reject) => {
        const text = body === undefined ? undefined : JSON.stringify(body);
        const req = request({ socketPath, method, path, agent: false, timeout: timeoutMs, headers: text ? { 'content-type': 'application/json' } : {} }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            try {
              resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
            } catch (error) {
              reject(unreachable(socket, error));
            }
          });
          response.on('error', (error) => reject(unreachable(socket, error)));
        });
        req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
        req.on('error', (error) => reject(unreachable(socket, error)));
        req.end(text);
      }),
  );
}

function unreachable(socket: string, error: unknown): EngineError {
  return new EngineError('DPUnreachable', 'ResourceUnavailable', `The distribution point at ${socket} does not answer (${(error as Error).message}); it may have stopped.`, socket);
}

/** The DP listening on `socket`, or null when none answers (a stale socket left by a DP that died). */
export async function probeDP(socket: string): Promise<DPInfo | null> {
  try {
    const answer = await call(socket, 'GET', '/v1/dp', undefined, PROBE_TIMEOUT_MS);
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
  return info ? new RemoteDP(socket, info) : null;
}

export class RemoteDP implements DPControl {
  constructor(
    readonly socket: string,
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
    void withSocketAddress(
      this.socket,
      (socketPath) =>
        new Promise<void>((connected) => {
          const req = request({ socketPath, path: '/v1/events', agent: false, signal: abort.signal }, (response) => {
            connected();
            const lines = createInterface({ input: response });
            lines.on('line', (line) => {
              if (!line || abort.signal.aborted) return;
              const { change, session } = JSON.parse(line) as { change: SessionChange; session: string | null };
              listener(change, session);
            });
            // Ending the feed (or the DP going away) aborts the response: that is its end, not a fault.
            lines.on('error', closed);
            response.on('close', closed);
          });
          req.on('error', () => {
            connected();
            closed();
          });
          req.end();
        }),
    );
    return () => abort.abort();
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await call(this.socket, method, path, body, REQUEST_TIMEOUT_MS);
    if (answer.status >= 400) {
      const { error } = answer.body as { error: { id: string; category: EngineErrorCategory; message: string; target?: unknown } };
      throw new EngineError(error.id, error.category, error.message, error.target);
    }
    return answer.body as T;
  }
}
