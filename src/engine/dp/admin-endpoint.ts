// The DP's admin endpoint: JSON over HTTP on a Unix socket in the site home (dp.sock, mode 0600,
// so only the site's owner connects), through which the session cmdlets and the dashboard of
// other processes on this machine watch and control this DP (see admin-client.ts):
//   GET  /v1/dp                          → who serves: pid, site, control endpoint, interface
//   GET  /v1/sessions[/<id>]             → session snapshots (dp-control.ts)
//   POST /v1/sessions              {image}         → the image's session, started now
//   POST /v1/sessions/<id>/stop                    → the session, stopping
//   POST /v1/sessions/<id>/disconnect {client, force} → the session and the client
//   GET  /v1/events                      → a stream of JSON lines {change, session}, one per change
// Errors are `{ "error": { "id", "category", "message", "target" } }`. The control endpoint serves
// the same routes under /v1/admin/ over HTTPS to shells of other machines that present an admin
// credential (remote administration, see control.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmod, lstat, unlink } from 'node:fs/promises';
import { EngineError } from '../errors.js';
import { HttpError, readJson, sendJson, STATUS_FOR_CATEGORY, type AdminRoutes } from './control.js';
import { probeDP, type DPInfo } from './admin-client.js';
import { toSnapshot, withSocketAddress, type DPControl, type SessionChange } from './dp-control.js';

/** Progress and client reports come many times a second; the feed passes on one of each per session at most this often. */
const REPORT_FEED_MS = 100;
const COALESCED: ReadonlySet<SessionChange> = new Set(['progress', 'client']);

const SESSION_PATH = /^\/v1\/sessions\/([^/]+)(?:\/(stop|disconnect))?$/;

export class AdminEndpoint implements AdminRoutes {
  private server: Server | null = null;
  /** The socket file this endpoint created: on close it removes that one only, not a successor's. */
  private socket: { path: string; inode: number } | null = null;

  constructor(
    private readonly control: DPControl,
    private readonly info: () => DPInfo,
  ) {}

  /** Listens on `path` (mode 0600). A socket left by a DP that died is replaced; a live DP's is not. */
  async listen(path: string): Promise<void> {
    await clearStaleSocket(path);
    const server = createServer((request, response) => this.serve(request, response, new URL(request.url ?? '/', 'http://dp').pathname));
    try {
      await withSocketAddress(path, (address) => {
        const bound = new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.once('listening', () => resolve());
        });
        // The socket is created 0600, not with the umask's mode for a moment: listen() binds
        // synchronously, so the narrowed umask applies to nothing else the process creates.
        const umask = process.umask(0o177);
        try {
          server.listen(address);
        } finally {
          process.umask(umask);
        }
        return bound;
      });
    } catch (error) {
      // A read-only or full site disk: the DP can still serve, only not be watched from other shells.
      const onDisk = ['EROFS', 'ENOSPC'].includes((error as NodeJS.ErrnoException).code ?? '');
      const message = `The DP's admin socket ${path} cannot be created: ${(error as Error).message}${onDisk ? '; other shells cannot watch or control this DP' : ''}.`;
      throw new EngineError(onDisk ? 'AdminSocketDiskUnavailable' : 'AdminSocketUnavailable', 'ResourceUnavailable', message, path);
    }
    try {
      await chmod(path, 0o600);
      this.socket = { path, inode: (await lstat(path)).ino };
    } catch (error) {
      server.close();
      throw new EngineError('AdminSocketUnavailable', 'ResourceUnavailable', `The DP's admin socket ${path} cannot be made private: ${(error as Error).message}.`, path);
    }
    this.server = server;
  }

  async close(): Promise<void> {
    const { server, socket } = this;
    this.server = null;
    this.socket = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // Node unlinks the socket on close; make sure, without touching a newer DP's socket.
    const stats = await lstat(socket!.path).catch(() => null);
    if (stats?.ino === socket!.inode) await unlink(socket!.path).catch(() => undefined);
  }

  /** Answers one admin request for `path` (/v1/…), whichever channel it came by. */
  serve(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    return this.route(request, response, path).catch((error: unknown) => sendError(response, error));
  }

  private async route(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const method = request.method ?? '';
    if (method === 'GET' && path === '/v1/dp') return sendJson(response, 200, this.info());
    if (method === 'GET' && path === '/v1/events') return this.feed(request, response);
    if (method === 'GET' && path === '/v1/sessions') return sendJson(response, 200, (await this.control.listSessions()).map(toSnapshot));
    if (method === 'POST' && path === '/v1/sessions') {
      const { image } = await readJson(request);
      if (typeof image !== 'string' || !image) throw new HttpError(400, 'MissingField', "'image' is required.");
      return sendJson(response, 200, toSnapshot(await this.control.startSession(image)));
    }
    const [, id, action] = SESSION_PATH.exec(path) ?? [];
    if (id && method === 'GET' && !action) return sendJson(response, 200, toSnapshot(await this.control.getSession(decodeURIComponent(id))));
    if (id && method === 'POST' && action === 'stop') return sendJson(response, 200, toSnapshot(await this.control.stopSession(decodeURIComponent(id))));
    if (id && method === 'POST' && action === 'disconnect') {
      const { client, force } = await readJson(request);
      if (typeof client !== 'string' || !client) throw new HttpError(400, 'MissingField', "'client' is required.");
      const result = await this.control.disconnectClient(decodeURIComponent(id), client, force === true);
      return sendJson(response, 200, { session: toSnapshot(result.session), client: result.client });
    }
    throw new HttpError(404, 'NotFound', `No endpoint ${method} ${path.slice(0, 200)}.`);
  }

  /** The change feed: one JSON line per change, reports coalesced per session. */
  private feed(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    response.flushHeaders();
    const write = (change: string, session: string | null) => response.write(`${JSON.stringify({ change, session })}\n`);
    const reported = new Map<string, { change: SessionChange; session: string }>();
    let timer: NodeJS.Timeout | null = null;
    const flush = () => {
      timer = null;
      for (const { change, session } of reported.values()) write(change, session);
      reported.clear();
    };
    const stop = this.control.onChange((change, session) => {
      if (!COALESCED.has(change) || session === null) return void write(change, session);
      reported.set(`${change}/${session}`, { change, session });
      timer ??= setTimeout(flush, REPORT_FEED_MS);
    });
    request.socket.on('close', () => {
      stop();
      if (timer) clearTimeout(timer);
    });
  }
}

/** Removes a socket file no DP answers on; refuses while another DP serves the site. */
async function clearStaleSocket(path: string): Promise<void> {
  const stats = await lstat(path).catch(() => null);
  if (!stats) return;
  if (!stats.isSocket()) {
    throw new EngineError('AdminSocketBlocked', 'ResourceExists', `${path} is in the way of the DP's admin socket (it is not a socket); move it away.`, path);
  }
  const running = await probeDP(path);
  if (running) {
    throw new EngineError(
      'DPServiceRunning',
      'InvalidOperation',
      `Process ${running.pid} already runs the distribution point of the site ${running.site} (control endpoint ${running.endpoint}); the session cmdlets of this shell use that one (Get-MulticastSession, Watch-MulticastSession …). Stop it first to run the DP here.`,
      path,
    );
  }
  await unlink(path);
}

function sendError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) return void response.destroy();
  if (error instanceof EngineError) {
    return sendJson(response, STATUS_FOR_CATEGORY[error.category], { error: { id: error.id, category: error.category, message: error.message, target: error.target } });
  }
  if (error instanceof HttpError) return sendJson(response, error.status, { error: { id: error.id, category: 'InvalidArgument', message: error.message } }, error.headers);
  sendJson(response, 500, { error: { id: 'InternalError', category: 'InvalidOperation', message: (error as Error)?.message ?? String(error) } });
}
