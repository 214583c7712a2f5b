// The distribution point's control endpoint (HTTP + JSON) and unicast content endpoint.
//   POST /v1/hello            {mac?, name?}                         → the device and its deployments
//   POST /v1/content          {deviceId, deploymentId, imageId}     → where to get the image (multicast session or unicast URL)
//   GET  /v1/content/<image>  (Range supported)                      → the image bytes, for images that allow unicast
//   POST /v1/status           {deviceId, deploymentId, step, state, message, sessionId?, percent?}
//   GET  /v1/sessions                                               → the DP's sessions
// Errors are `{ "error": { "id", "message" } }` with a fitting status code.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { EngineError } from '../errors.js';
import { findImage, imagePath } from '../content/library.js';
import { assignmentsFor, identifyDevice } from '../deploy/targeting.js';
import type { SiteStore } from '../site/store.js';
import type { ClientState, MulticastSessions } from './sessions.js';
import { sessionView } from './views.js';

const MAX_BODY_BYTES = 64 * 1024;
const CLIENT_STATES: ReadonlySet<string> = new Set<ClientState>(['Waiting', 'Receiving', 'Verifying', 'Done', 'Failed', 'Disconnected']);

export interface ContentOffer {
  mode: 'multicast' | 'unicast';
  imageId: string;
  sizeBytes: number;
  sha256: string;
  /** Multicast: the session to join. */
  sessionId?: string;
  group?: string;
  port?: number;
  /** Unicast: path of the content endpoint. */
  url?: string;
  /** Unicast only because the DP is full (for the client's log). */
  reason?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
  ) {
    super(message);
  }
}

const STATUS_FOR_CATEGORY: Record<EngineError['category'], number> = {
  InvalidArgument: 400,
  ObjectNotFound: 404,
  ResourceExists: 409,
  InvalidOperation: 409,
  ResourceUnavailable: 503,
};

export class ControlEndpoint {
  private server: Server | null = null;

  constructor(
    private readonly store: SiteStore,
    private readonly sessions: MulticastSessions,
  ) {}

  async listen(host: string, port: number): Promise<AddressInfo> {
    const server = createServer((request, response) => {
      this.route(request, response).catch((error: unknown) => sendError(response, error));
    });
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    return server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://dp');
    const path = url.pathname;
    if (request.method === 'POST' && path === '/v1/hello') return sendJson(response, 200, this.hello(await readJson(request)));
    if (request.method === 'POST' && path === '/v1/content') return sendJson(response, 200, this.offer(await readJson(request), request.socket.remoteAddress ?? ''));
    if (request.method === 'POST' && path === '/v1/status') return sendJson(response, 200, await this.status(await readJson(request)));
    if (request.method === 'GET' && path === '/v1/sessions') return sendJson(response, 200, this.sessions.list().map(sessionView));
    const content = /^\/v1\/content\/([A-Za-z0-9_-]+)$/.exec(path);
    if ((request.method === 'GET' || request.method === 'HEAD') && content) return this.download(content[1]!, request, response);
    throw new HttpError(404, 'NotFound', `No endpoint ${request.method} ${path}.`);
  }

  private hello(body: Record<string, unknown>) {
    const site = this.store.read();
    const device = identifyDevice(site, { mac: optionalString(body, 'mac'), name: optionalString(body, 'name') });
    const assignments = assignmentsFor(site, device.id, new Date()).map(({ deployment, taskSequence }) => ({
      deploymentId: deployment.id,
      purpose: deployment.purpose,
      option: deployment.option,
      taskSequence: {
        id: taskSequence.id,
        name: taskSequence.name,
        steps: taskSequence.steps.map((step) => (step.type === 'ApplyImage' ? { ...step, ...imageFacts(site.images.find((image) => image.id === step.imageId)) } : step)),
      },
    }));
    return { device, assignments };
  }

  /** Where a client gets an image: the multicast session to join, or the unicast URL. */
  private offer(body: Record<string, unknown>, address: string): ContentOffer {
    const site = this.store.read();
    const deviceId = requiredString(body, 'deviceId');
    const deploymentId = requiredString(body, 'deploymentId');
    const image = findImage(site, requiredString(body, 'imageId'));
    const assignment = assignmentsFor(site, deviceId, new Date()).find((candidate) => candidate.deployment.id === deploymentId);
    if (!assignment || !assignment.taskSequence.steps.some((step) => step.type === 'ApplyImage' && step.imageId === image.id)) {
      throw new HttpError(403, 'NotDeployedToDevice', `Deployment ${deploymentId} does not give image ${image.id} to device ${deviceId}.`);
    }
    const facts = { imageId: image.id, sizeBytes: image.sizeBytes, sha256: image.sha256 };
    const unicast = (reason?: string): ContentOffer => ({ mode: 'unicast', ...facts, url: `/v1/content/${image.id}`, ...(reason ? { reason } : {}) });
    // ConfigMgr: "access content directly from the DP" never uses multicast.
    if (assignment.deployment.option === 'AccessDirectly' || !image.multicast.allow || !site.dp.enabled) return unicast();
    const device = site.devices.find((candidate) => candidate.id === deviceId)!;
    const session = this.sessions.request(image, { deviceId, name: device.name, address });
    if (!session) {
      if (image.multicast.multicastOnly) throw new HttpError(503, 'DPAtMaximumClients', `The DP serves its maximum of ${site.dp.maximumClients} multicast clients and image ${image.id} is multicast-only; try again later.`);
      return unicast(`the DP serves its maximum of ${site.dp.maximumClients} multicast clients`);
    }
    return { mode: 'multicast', ...facts, sessionId: session.id, group: session.channel.group, port: session.channel.port };
  }

  /**
   * A client's report. With a sessionId it is live progress (kept in memory; the answer tells a
   * disconnected client to leave); without, it is a step of its deployment (saved in the site).
   */
  private async status(body: Record<string, unknown>): Promise<{ disconnect?: boolean; force?: boolean }> {
    const deviceId = requiredString(body, 'deviceId');
    const deploymentId = requiredString(body, 'deploymentId');
    const state = requiredString(body, 'state');
    if (state !== 'InProgress' && state !== 'Succeeded' && state !== 'Failed') {
      throw new HttpError(400, 'InvalidStatus', `state must be InProgress, Succeeded or Failed; got '${state}'.`);
    }
    const message = (optionalString(body, 'message') ?? '').slice(0, 2000);
    const sessionId = optionalString(body, 'sessionId');
    if (sessionId) {
      const clientState = requiredString(body, 'clientState');
      if (!CLIENT_STATES.has(clientState)) throw new HttpError(400, 'InvalidStatus', `clientState must be one of ${[...CLIENT_STATES].join(', ')}; got '${clientState}'.`);
      const percent = typeof body.percent === 'number' ? body.percent : undefined;
      const client = this.sessions.report(sessionId, deviceId, { state: clientState as ClientState, message, ...(percent !== undefined ? { percent } : {}) });
      return client.state === 'Disconnected' ? { disconnect: true, force: client.forcedDisconnect } : {};
    }
    const step = typeof body.step === 'number' && Number.isInteger(body.step) && body.step >= 0 ? body.step : 0;
    await this.store.update((site) => {
      if (!site.deployments.some((deployment) => deployment.id === deploymentId)) throw new HttpError(404, 'DeploymentNotFound', `No deployment ${deploymentId}.`);
      const record = { deploymentId, deviceId, state, step, message, updatedAt: new Date().toISOString() } as const;
      const index = site.deploymentStatus.findIndex((entry) => entry.deploymentId === deploymentId && entry.deviceId === deviceId);
      if (index >= 0) site.deploymentStatus[index] = record;
      else site.deploymentStatus.push(record);
    });
    return {};
  }

  private download(imageId: string, request: IncomingMessage, response: ServerResponse): void {
    const image = findImage(this.store.read(), imageId);
    if (image.multicast.multicastOnly) {
      throw new HttpError(403, 'MulticastOnly', `Image ${image.id} is set to transfer only via multicast; it is not served by unicast.`);
    }
    const range = parseRange(request.headers.range, image.sizeBytes);
    const headers = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', etag: `"${image.sha256}"` };
    if (range === 'unsatisfiable') {
      response.writeHead(416, { ...headers, 'content-range': `bytes */${image.sizeBytes}` }).end();
      return;
    }
    const [start, end] = range ?? [0, image.sizeBytes - 1];
    response.writeHead(range ? 206 : 200, {
      ...headers,
      'content-length': String(Math.max(0, end - start + 1)),
      ...(range ? { 'content-range': `bytes ${start}-${end}/${image.sizeBytes}` } : {}),
    });
    if (request.method === 'HEAD' || image.sizeBytes === 0) {
      response.end();
      return;
    }
    createReadStream(imagePath(this.store, image), { start, end }).on('error', () => response.destroy()).pipe(response);
  }
}

function imageFacts(image: { sizeBytes: number; sha256: string; name: string } | undefined) {
  return image ? { imageName: image.name, sizeBytes: image.sizeBytes, sha256: image.sha256 } : {};
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → inclusive [start, end]; null without a header. */
function parseRange(header: string | undefined, size: number): [number, number] | null | 'unsatisfiable' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start > end || start >= size ? 'unsatisfiable' : [start, end];
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'RequestTooLarge', `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'InvalidJson', 'The request body is not JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'InvalidJson', 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, 'InvalidField', `'${key}' must be a string.`);
  return value;
}

function requiredString(body: Record<string, unknown>, key: string): string {
  const value = optionalString(body, key);
  if (!value) throw new HttpError(400, 'MissingField', `'${key}' is required.`);
  return value;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function sendError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  if (error instanceof HttpError) return sendJson(response, error.status, { error: { id: error.id, message: error.message } });
  if (error instanceof EngineError) return sendJson(response, STATUS_FOR_CATEGORY[error.category], { error: { id: error.id, message: error.message } });
  sendJson(response, 500, { error: { id: 'InternalError', message: (error as Error)?.message ?? String(error) } });
}
