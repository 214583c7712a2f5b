// The client's connection to the DP: HTTPS to a certificate pinned by its SHA-256 fingerprint.
// Knowing only the fingerprint (from the enrollment token), the client first opens a TLS
// connection that sends nothing, checks the certificate the DP presents, and keeps it; every
// request then trusts exactly that certificate (Node verifies it before any request is written)
// and checks the fingerprint again. A DP of another site, or anyone in between, is refused.
import { createHash } from 'node:crypto';
import { request as httpsRequest, Agent } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';

export class ClientError extends Error {
  constructor(
    readonly id: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Pin {
  /** SHA-256 of the DP certificate (DER), lowercase hex. */
  fingerprint: string;
  /** The certificate itself (PEM), once known. */
  certificate?: string | undefined;
}

/** Default TCP port of the DP's control endpoint. */
const DEFAULT_PORT = 8734;
/** How long the client keeps retrying requests the DP answers with 429. */
const RATE_LIMIT_PATIENCE_MS = 120_000;
/**
 * How long a client waits by default for a DP that does not answer: machines booting in a lab
 * routinely come up before their server, so several minutes.
 */
export const DEFAULT_DP_WAIT_MS = 10 * 60_000;
/** Waits between attempts to reach a silent DP: doubling from the first to the cap. */
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/** How long to wait for a DP that does not answer, and where to say that the client waits. */
export interface DPWait {
  waitMs: number;
  onWaiting?: ((message: string) => void) | undefined;
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `host`, `host:port`, `[v6 address]:port` → host and port. */
export function parseServer(server: string): { host: string; port: number } {
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(server.trim()) ?? /^([^:\s[\]]+)(?::(\d+))?$/.exec(server.trim());
  const port = match?.[2] ? Number(match[2]) : DEFAULT_PORT;
  if (!match || !(port >= 1 && port <= 65535)) throw new ClientError('InvalidServer', `'${server}' is not a server address (host, host:port or [IPv6 address]:port)`);
  return { host: match[1]!, port };
}

const fingerprintOf = (raw: Buffer) => createHash('sha256').update(raw).digest('hex');

function toPem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

function mismatch(base: string, presented: string, pinned: string): ClientError {
  return new ClientError('CertificateMismatch', `the DP at ${base} presented a certificate with SHA-256 ${presented}, not the pinned ${pinned}: it is not this site's DP (another site, or someone in between); refusing to talk to it`);
}

/** JSON over pinned HTTPS to the DP, with the DP's error messages passed through. */
export class DPConnection {
  readonly base: string;
  private readonly host: string;
  private readonly port: number;
  private agent: Agent | null = null;

  constructor(
    server: string,
    private readonly pin: Pin,
    /** `<client id>.<secret>`, sent as a bearer credential; null while enrolling. */
    private credential: string | null,
    private readonly signal?: AbortSignal,
  ) {
    ({ host: this.host, port: this.port } = parseServer(server));
    this.base = `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  /** The pinned certificate (PEM), fetched and checked on first use. */
  async certificate(): Promise<string> {
    this.pin.certificate ??= await this.probe();
    return this.pin.certificate;
  }

  useCredential(credential: string): void {
    this.credential = credential;
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    const response = await this.request('POST', path, { 'content-type': 'application/json' }, JSON.stringify(body));
    const text = await readText(response);
    return (text ? JSON.parse(text) : null) as T;
  }

  /** Uploads bytes (a capture's chunk); the DP answers with JSON. */
  async put<T>(path: string, body: Buffer): Promise<T> {
    const response = await this.request('PUT', path, { 'content-type': 'application/octet-stream' }, body);
    const text = await readText(response);
    return (text ? JSON.parse(text) : null) as T;
  }

  /** True when the DP answers HEAD with success. */
  async head(path: string): Promise<boolean> {
    try {
      const response = await this.request('HEAD', path, {});
      response.resume();
      return true;
    } catch (error) {
      if (error instanceof ClientError && error.id === 'CertificateMismatch') throw error;
      return false;
    }
  }

  /** A GET whose body the caller streams. */
  get(path: string, headers: Record<string, string>): Promise<IncomingMessage> {
    return this.request('GET', path, headers);
  }

  /**
   * Runs `attempt` until the DP answers. A DP that cannot be reached (connection refused, host
   * unreachable, no handshake in time) is tried again with exponential backoff for up to
   * `wait.waitMs`, each wait said through `wait.onWaiting`. Anything else is final: a certificate
   * other than the pinned one, a refusal (401/403), any answer of the DP.
   */
  async untilAnswered<T>(attempt: () => Promise<T>, wait: DPWait): Promise<T> {
    const deadline = Date.now() + wait.waitMs;
    let delay = FIRST_RETRY_MS;
    for (let tried = 1; ; tried++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof ClientError && error.id === 'DPUnreachable') || this.signal?.aborted) throw error;
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new ClientError('DPUnreachable', `${error.message}; gave up after waiting ${formatWait(wait.waitMs)} (${tried} attempt${tried === 1 ? '' : 's'}): is the DP (mcshell serve) running and reachable there?`);
        }
        const pause = Math.min(delay, left);
        wait.onWaiting?.(`waiting for the DP at ${this.base} (attempt ${tried}: ${reasonOf(error)}); next attempt in ${Math.ceil(pause / 1000)} s, giving up at ${clockTime(deadline)}`);
        await sleep(pause, this.signal);
        delay = Math.min(2 * delay, MAX_RETRY_MS);
      }
    }
  }

  close(): void {
    this.agent?.destroy();
    this.agent = null;
  }

  /** Opens a TLS connection, sends nothing, and checks the certificate against the pinned fingerprint. */
  private probe(): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port, rejectUnauthorized: false, ...(isIP(this.host) ? {} : { servername: this.host }), ...(this.signal ? { signal: this.signal } : {}) });
      socket.setTimeout(15_000, () => socket.destroy(new Error('no TLS handshake within 15 s')));
      socket.once('error', (error) => reject(new ClientError('DPUnreachable', `cannot reach the DP at ${this.base}: ${describe(error)}`)));
      socket.once('secureConnect', () => {
        const raw = socket.getPeerCertificate().raw as Buffer | undefined;
        socket.destroy();
        if (!raw) return reject(new ClientError('CertificateMismatch', `the DP at ${this.base} presented no certificate`));
        const presented = fingerprintOf(raw);
        if (presented !== this.pin.fingerprint) return reject(mismatch(this.base, presented, this.pin.fingerprint));
        resolve(toPem(raw));
      });
    });
  }

  /** An HTTPS agent that trusts exactly the pinned certificate (fetched and checked on first use). */
  async pinnedAgent(): Promise<Agent> {
    if (this.agent) return this.agent;
    const ca = await this.certificate();
    const pinned = this.pin.fingerprint;
    this.agent = new Agent({
      keepAlive: true,
      ca,
      // The DP is known by its certificate, not by a host name (clients reach it by address).
      checkServerIdentity: (_host: string, certificate: PeerCertificate) => {
        const presented = fingerprintOf(certificate.raw);
        return presented === pinned ? undefined : mismatch(this.base, presented, pinned);
      },
    });
    return this.agent;
  }

  private async request(method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<IncomingMessage> {
    const agent = await this.pinnedAgent();
    const deadline = Date.now() + RATE_LIMIT_PATIENCE_MS;
    for (;;) {
      const response = await this.send(agent, method, path, headers, body);
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) return response;
      const text = await readText(response);
      // The DP limits requests per address (clients behind one address share it): wait and retry.
      if (status === 429 && Date.now() < deadline) {
        const seconds = Math.min(5, Number(response.headers['retry-after']) || 1);
        await sleep(seconds * 1000 * (0.5 + Math.random()), this.signal);
        continue;
      }
      let detail: { id?: string; message?: string } = {};
      try {
        detail = (JSON.parse(text) as { error?: typeof detail }).error ?? {};
      } catch {
        detail = { message: text };
      }
      throw new ClientError(detail.id ?? `Http${status}`, detail.message || `the DP answered ${status}`);
    }
  }

  private send(agent: Agent, method: string, path: string, headers: Record<string, string>, body: string | Buffer | undefined): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const request = httpsRequest({
        host: this.host,
        port: this.port,
        method,
        path,
        agent,
        headers: { ...headers, ...(this.credential ? { authorization: `Bearer ${this.credential}` } : {}), ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}) },
        ...(this.signal ? { signal: this.signal } : {}),
      });
      request.once('response', resolve);
      request.once('error', (error: NodeJS.ErrnoException) => {
        if (error instanceof ClientError) return reject(error);
        // Node checked the certificate against the pinned one and it was another.
        if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(error.code ?? '')) {
          return reject(new ClientError('CertificateMismatch', `the DP at ${this.base} presented a certificate other than the pinned one (${error.code}): refusing to talk to it`));
        }
        reject(new ClientError('DPUnreachable', `cannot reach the DP at ${this.base}: ${describe(error)}`));
      });
      request.end(body);
    });
  }
}

async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** "10 min", "90 s". */
function formatWait(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}

/** The local time of day, HH:MM:SS. */
function clockTime(time: number): string {
  return new Date(time).toTimeString().slice(0, 8);
}

/** The last part of an unreachable DP's message: the socket's own reason (ECONNREFUSED …). */
function reasonOf(error: ClientError): string {
  return error.message.replace(/^cannot reach the DP at \S+: /, '');
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', stop, { once: true });
  });
}
