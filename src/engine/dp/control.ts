// The distribution point's control endpoint (HTTPS + JSON) and unicast content endpoint. It runs
// over TLS with the site's own certificate (clients pin its fingerprint). Apart from enrolling,
// every request carries the client's credential (`Authorization: Bearer <client id>.<secret>`),
// and the device is the one the credential was enrolled for, never what the body claims.
//   POST /v1/enroll           {token, mac?, name?}                  → the client's credential and the site's signing key
//   POST /v1/hello            {}                                    → the device and its deployments (403 when it has none)
//   POST /v1/content          {deploymentId, imageId, acceptsReferral?} → where to get the image (multicast session and key, or unicast URL),
//                                                                   or a referral to the DPs of the client's boundary groups (referral.ts)
//   GET  /v1/content/<image>  (Range supported)                     → the image bytes, for images that allow unicast
//   POST /v1/status           {deploymentId, step, state, message, sessionId?, percent?}
//   GET  /v1/sessions                                               → the sessions of images deployed to the client's device
//   GET  /v1/boot/<id>/<file> (vmlinuz or initrd.img)              → a boot image a deployment of the device restarts into (refresh)
//   POST /v1/pxe/hello        {mac, uuid, ticket?, inventory}       → a network-booted machine: deploy (with a PXE credential) or localboot
//   GET  /v1/dp/content/<image> (one Range)                         → for another DP of the site only (content-source.ts)
//   POST /v1/capture          {name, deploymentId?}                 → start or resume capturing an image: its capture id and the chunks the DP holds
//   PUT  /v1/capture/<id>/chunks/<sha256>  (a zstd frame)           → one chunk of the capture, checked against its name
//   POST /v1/capture/<id>/finish  {the disk image index}            → the capture checked, assembled and added to the library: the image
// A capture is allowed only to a device some deployment available to it captures that image name
// for (a CaptureImage step, content/capture.ts): the reference machine needs its own credential only.
// A PXE credential (from the PXE hello, `PXE.…`) works like an enrolled client's, for the
// deployments available to PXE only (boot/pxe-deployments.ts).
//   /v1/admin/…  (Authorization: Bearer <admin key>)                → the DP's admin routes (admin-endpoint.ts), for remote shells
// An admin key is checked against the site's admin credentials (site/admin-credentials.ts).
// Enroll, hello, content offers and anything not from an enrolled client are limited per source
// address (429 beyond). Errors are `{ "error": { "id", "message" } }` with a fitting status code.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createReadStream, existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { EngineError } from '../errors.js';
import { findImage, imagePath } from '../content/library.js';
import { captureId, finishCapture, MAX_FRAME_BYTES, putChunk, startCapture } from '../content/capture.js';
import { assignmentsFor, type Assignment } from '../deploy/targeting.js';
import { authenticateClient, enrollClient } from '../site/enrollment.js';
import { authenticateAdmin } from '../site/admin-credentials.js';
import type { SiteIdentity } from '../site/identity.js';
import type { BootImageRecord, DeviceRecord, ImageRecord, SiteState } from '../site/model.js';
import type { SiteStore } from '../site/store.js';
import { bootImageById } from '../boot/boot-images.js';
import { pxeCredentialKey, verifyPxeCredential } from '../boot/pxe-credential.js';
import { pxeAssignmentsFor } from '../boot/pxe-deployments.js';
import { parsePxeHello, pxeHello, PxeHelloRefused } from '../boot/pxe-hello.js';
import { PxeTickets } from '../boot/tickets.js';
import { siteIndex } from '../site/site-index.js';
import { DP_CONTENT_PATH, registeredDP, serveContentRange } from './content-source.js';
import { RateLimiter } from './rate-limit.js';
import { clientAddress, referralFor, type ContentReferral } from './referral.js';
import type { ClientState, MulticastSession, MulticastSessions } from './sessions.js';
import { sessionView } from './views.js';

const MAX_BODY_BYTES = 64 * 1024;
/** A capture's index: some 150 bytes per 4 MiB chunk, so room for disks of several TB. */
const MAX_INDEX_BYTES = 64 << 20;
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
  /** Multicast of an encrypted image: the session's AES-256 key, base64 (sent only over TLS, only to authorized clients). */
  encryptionKey?: string;
  /** The image is a disk image (src/engine/disk): the client applies it to the disk rather than copying it. */
  diskImage?: boolean;
}

/** The answer to a client's report on its session: leave it, move to a slower stream, or what the waiting session waits for. */
export interface SessionReply {
  disconnect?: boolean;
  force?: boolean;
  reason?: string;
  move?: ContentOffer;
  /** The session waits (scheduled-cast) for this many more clients, and starts by then at the latest (ISO time). */
  waiting?: { clients: number; startsBy: string };
}

/** What the control endpoint refused, for the DP's log. */
export interface RefusalEvent {
  address: string;
  method: string;
  path: string;
  status: number;
  id: string;
  message: string;
  device?: string;
}

/** The DP's admin API (admin-endpoint.ts), which the control endpoint serves to remote admin shells. */
export interface AdminRoutes {
  /** Answers one request for `path` (/v1/…), errors included. */
  serve(request: IncomingMessage, response: ServerResponse, path: string): Promise<void>;
}

export interface ControlOptions {
  /** Enroll/hello/content requests per second per source address (default 20, bursts of twice that). */
  requestsPerSecond?: number;
  onRefused?: (event: RefusalEvent) => void;
  /** Serves /v1/admin/… to holders of an admin credential; without it those paths are 404. */
  admin?: AdminRoutes;
}

const ADMIN_PREFIX = '/v1/admin/';

/** Default request rate per source address. */
export const DEFAULT_REQUESTS_PER_SECOND = 20;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Only image ids name content: nothing in a request becomes a file path. */
const CONTENT_PATH = /^\/v1\/content\/(IMG\d{5})$/;
/** Only boot image ids and the two file names of a boot image (contract 1). */
const BOOT_FILE_PATH = /^\/v1\/boot\/(BOOT\d{4})\/(vmlinuz|initrd\.img)$/;
/** A capture's chunk, by capture id and the SHA-256 of its uncompressed bytes; its completion. */
const CAPTURE_CHUNK_PATH = /^\/v1\/capture\/([0-9a-f]{16})\/chunks\/([0-9a-f]{64})$/;
const CAPTURE_FINISH_PATH = /^\/v1\/capture\/([0-9a-f]{16})\/finish$/;

export const STATUS_FOR_CATEGORY: Record<EngineError['category'], number> = {
  InvalidArgument: 400,
  ObjectNotFound: 404,
  ResourceExists: 409,
  InvalidOperation: 409,
  ResourceUnavailable: 503,
};

export class ControlEndpoint {
  private server: Server | null = null;
  private identity: SiteIdentity | null = null;
  private readonly limiter: RateLimiter;
  /** The device each request authenticated as, for the refusal log (no second lookup). */
  private readonly devices = new WeakMap<IncomingMessage, DeviceRecord>();
  /** Requests that authenticated with a PXE credential: they see deployments available to PXE only. */
  private readonly pxeScoped = new WeakSet<IncomingMessage>();
  private pxeKey: Buffer | null = null;
  /** One-time tickets of the PXE password step, shared with the HTTP boot listener. */
  readonly tickets = new PxeTickets();

  constructor(
    private readonly store: SiteStore,
    private readonly sessions: MulticastSessions,
    private readonly options: ControlOptions = {},
  ) {
    this.limiter = new RateLimiter(options.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND);
  }

  async listen(host: string, port: number, identity: SiteIdentity): Promise<AddressInfo> {
    this.identity = identity;
    this.pxeKey = pxeCredentialKey(identity);
    // Stalled handshakes and requests (slowloris) are closed: a request has 10 s to arrive whole.
    // A client certificate is asked for, not required: other DPs present theirs (content-source.ts).
    const options = { key: identity.tlsKey, cert: identity.tlsCertificate, minVersion: 'TLSv1.2', handshakeTimeout: 10_000, connectionsCheckingInterval: 1_000, requestCert: true, rejectUnauthorized: false } as const;
    const server = createServer(options, (request, response) => {
      this.route(request, response).catch((error: unknown) => this.fail(request, response, error));
    });
    server.headersTimeout = 5_000;
    server.requestTimeout = 10_000;
    // A failed handshake (a stranger, a client pinning another site) just closes that connection.
    server.on('tlsClientError', (_error, socket) => socket.destroy());
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
    const path = requestPath(request.url);
    const method = request.method ?? '';
    if (path.startsWith(ADMIN_PREFIX) && this.options.admin) return this.admin(request, response, path, this.options.admin);
    // Enrolled clients' reports and downloads are not limited; everything else is, before any
    // work on the site: only a request that presents a credential on those paths is
    // authenticated first (a lookup in the cached site, whatever its size).
    const mayBeUnlimited = request.headers.authorization !== undefined && ((method === 'POST' && path === '/v1/status') || CONTENT_PATH.test(path) || BOOT_FILE_PATH.test(path) || path === '/v1/sessions' || path.startsWith('/v1/capture'));
    let device = mayBeUnlimited ? this.authenticate(request) : null;
    // Another DP pulling content is not limited either (it paces itself; a refusal would stall it).
    const dpContent = method === 'GET' ? DP_CONTENT_PATH.exec(path) : null;
    const peerDP = dpContent ? registeredDP(this.store, request) : null;
    if (!device && !peerDP) this.limit(request, path);
    if (method === 'POST' && path === '/v1/enroll') return sendJson(response, 200, await this.enroll(await readJson(request)));
    if (method === 'POST' && path === '/v1/pxe/hello') return sendJson(response, 200, await this.pxeHello(await readJson(request)));
    if (dpContent) {
      if (!peerDP) throw new HttpError(401, 'NotADistributionPoint', 'Content is served to distribution points of the site only: present the control certificate of a registered DP as the TLS client certificate.');
      return serveContentRange(this.store, dpContent[1]!, request, response);
    }
    const content = CONTENT_PATH.exec(path);
    const bootFile = BOOT_FILE_PATH.exec(path);
    const captureChunk = method === 'PUT' ? CAPTURE_CHUNK_PATH.exec(path) : null;
    const captureFinish = method === 'POST' ? CAPTURE_FINISH_PATH.exec(path) : null;
    const known =
      (method === 'POST' && ['/v1/hello', '/v1/content', '/v1/status', '/v1/capture'].includes(path)) || (method === 'GET' && (path === '/v1/sessions' || bootFile)) || ((method === 'GET' || method === 'HEAD') && content) || captureChunk || captureFinish;
    if (!known) throw new HttpError(404, 'NotFound', `No endpoint ${method} ${path.slice(0, 200)}.`);
    device ??= mayBeUnlimited ? null : this.authenticate(request);
    const site = this.store.read();
    if (!device) {
      throw new HttpError(401, 'NotEnrolled', 'This client is not enrolled with the site (or its enrollment was removed); enroll it with `mcshell client --enroll <token>` (the administrator makes a token with New-EnrollmentToken).');
    }
    const scope: Scope = this.pxeScoped.has(request) ? pxeAssignmentsFor : assignmentsFor;
    if (path === '/v1/hello') return sendJson(response, 200, this.hello(site, device, await readJson(request), scope));
    if (path === '/v1/content' && method === 'POST') return sendJson(response, 200, await this.offer(site, device, await readJson(request), request.socket.remoteAddress ?? '', scope));
    if (path === '/v1/status') return sendJson(response, 200, await this.status(device, await readJson(request), scope));
    if (path === '/v1/sessions') return sendJson(response, 200, this.sessionsFor(site, device, scope));
    if (bootFile) return this.bootImageFile(site, device, bootFile[1]!, bootFile[2]!, response, scope);
    if (path === '/v1/capture') {
      const body = await readJson(request);
      const name = allowedCapture(site, device, scope, requiredString(body, 'name'), optionalString(body, 'deploymentId'));
      return sendJson(response, 200, await startCapture(this.store, name, device.id));
    }
    if (captureChunk) {
      allowedCapture(site, device, scope, { id: captureChunk[1]! });
      await putChunk(this.store, captureChunk[1]!, device.id, captureChunk[2]!, await readBody(request, MAX_FRAME_BYTES));
      return sendJson(response, 200, {});
    }
    if (captureFinish) {
      allowedCapture(site, device, scope, { id: captureFinish[1]! });
      const image = await finishCapture(this.store, captureFinish[1]!, device.id, await readJson(request, MAX_INDEX_BYTES));
      return sendJson(response, 200, { id: image.id, name: image.name, sizeBytes: image.sizeBytes, sha256: image.sha256, disk: image.disk });
    }
    return this.download(site, device, content![1]!, request, response, scope);
  }

  /**
   * A remote admin shell's request: served when it presents a valid admin key. Failed attempts
   * are limited per address like any unauthenticated request; an admin's own are not (its shell
   * follows the event stream and may act on many sessions at once).
   */
  private async admin(request: IncomingMessage, response: ServerResponse, path: string, admin: AdminRoutes): Promise<void> {
    const key = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!key || !authenticateAdmin(this.store.read(), key)) {
      this.limit(request, path);
      throw new HttpError(401, 'AdminCredentialRefused', 'This DP accepts remote administration only with a valid admin credential of its site (New-AdminCredential makes one; its holder sets MCSHELL_ADMIN_KEY); the one presented is missing, unknown or revoked.');
    }
    return admin.serve(request, response, `/v1/${path.slice(ADMIN_PREFIX.length)}`);
  }

  private async pxeHello(body: Record<string, unknown>) {
    try {
      return await pxeHello({ store: this.store, dpName: this.sessions.distributionPoint, tickets: this.tickets, credentialKey: this.pxeKey! }, parsePxeHello(body));
    } catch (error) {
      if (error instanceof PxeHelloRefused) throw new HttpError(403, error.id, error.message);
      throw error;
    }
  }

  /** Only what concerns the client: sessions of images its device's deployments apply (none for an untargeted device). */
  private sessionsFor(site: SiteState, device: DeviceRecord, scope: Scope) {
    const images = new Set(scope(site, device.id, new Date()).flatMap(({ taskSequence }) => taskSequence.steps.flatMap((step) => (step.type === 'ApplyImage' ? [step.imageId] : []))));
    return this.sessions.list().filter((session) => images.has(session.image.id)).map(sessionView);
  }

  private limit(request: IncomingMessage, path: string): void {
    const decision = this.limiter.take(request.socket.remoteAddress ?? '');
    if (decision === 'allowed') return;
    // The body is not read: the connection closes after the answer instead.
    const error = new HttpError(429, 'TooManyRequests', `More than ${this.limiter.perSecond} requests per second from this address; slow down.`, { 'retry-after': '1', connection: 'close' });
    if (decision === 'first-limited') this.refused(request, path, error);
    throw error;
  }

  private async enroll(body: Record<string, unknown>) {
    try {
      const { device, credential } = await enrollClient(this.store, requiredString(body, 'token'), { mac: optionalString(body, 'mac'), name: optionalString(body, 'name') });
      return { credential, device, signingPublicKey: this.identity!.signingPublicKey };
    } catch (error) {
      if (error instanceof EngineError && error.id === 'EnrollmentRefused') throw new HttpError(403, error.id, error.message);
      throw error;
    }
  }

  private hello(site: SiteState, device: DeviceRecord, body: Record<string, unknown>, scope: Scope) {
    const requested = optionalString(body, 'deploymentId');
    const assignments = scope(site, device.id, new Date()).filter(({ deployment }) => !requested || deployment.id.toLowerCase() === requested.toLowerCase());
    if (assignments.length === 0) {
      const which = requested ? `deployment ${requested}` : 'any deployment';
      throw new HttpError(403, 'NotTargeted', `Device ${device.name} (${device.id}) is enrolled but not targeted by ${which} available now: add it to the deployment's collection with Add-CollectionMember.`);
    }
    return {
      device,
      assignments: assignments.map(({ deployment, taskSequence }) => ({
        deploymentId: deployment.id,
        purpose: deployment.purpose,
        option: deployment.option,
        // How the device's last run of it ended: a required deployment that succeeded runs once.
        lastRun: lastRun(site, deployment.id, device.id),
        taskSequence: {
          id: taskSequence.id,
          name: taskSequence.name,
          steps: taskSequence.steps.map((step) => {
            if (step.type === 'ApplyImage') return { ...step, ...imageFacts(site.images.find((image) => image.id === step.imageId)) };
            if (step.type === 'Restart' && step.into === 'BootImage') return { ...step, ...bootImageFacts(site.bootImages.find((image) => image.id === step.bootImageId)) };
            return step;
          }),
        },
      })),
    };
  }

  /**
   * Where a client gets an image: the multicast session to join (and its key), or the unicast URL;
   * or, to a client that accepts referrals, the DPs of its boundary groups when this DP serves none
   * of them. A PXE credential is this DP's own (boot/pxe-credential.ts), so PXE-booted agents are
   * served here: they reached this DP by broadcast, from its own subnet.
   */
  private async offer(site: SiteState, device: DeviceRecord, body: Record<string, unknown>, address: string, scope: Scope): Promise<ContentOffer | ContentReferral> {
    const deploymentId = requiredString(body, 'deploymentId');
    const image = findImage(site, requiredString(body, 'imageId'));
    const assignment = authorize(site, device, image, deploymentId, scope);
    if (body.acceptsReferral === true && scope === assignmentsFor) {
      const referral = referralFor(site, this.ownName(site), clientAddress(address), image.id, new Date());
      if (referral) return referral;
    }
    // Not referred elsewhere: this DP serves it, so it must hold it.
    this.assertHeld(image);
    const facts = { imageId: image.id, sizeBytes: image.sizeBytes, sha256: image.sha256, ...(image.disk ? { diskImage: true } : {}) };
    const unicast = (reason?: string): ContentOffer => ({ mode: 'unicast', ...facts, url: `/v1/content/${image.id}`, ...(reason ? { reason } : {}) });
    // ConfigMgr: "access content directly from the DP" never uses multicast.
    const settings = this.sessions.settings();
    if (assignment.deployment.option === 'AccessDirectly' || !image.multicast.allow || !settings.enabled) return unicast();
    const session = await this.sessions.request(image, { deviceId: device.id, name: device.name, address });
    if (!session) {
      if (image.multicast.multicastOnly) throw new HttpError(503, 'DPAtMaximumClients', `The DP serves its maximum of ${settings.maximumClients} multicast clients and image ${image.id} is multicast-only; try again later.`);
      return unicast(`the DP serves its maximum of ${settings.maximumClients} multicast clients`);
    }
    return multicastOffer(session, this.sessions.encryptionKey(session));
  }

  /**
   * This DP's name in the site: the DP record that carries its certificate (each DP has its own
   * identity); null for a DP the site has no record of.
   */
  private ownName(site: SiteState): string | null {
    const fingerprint = this.identity?.fingerprint;
    return site.distributionPoints.find((dp) => dp.certificateFingerprint === fingerprint)?.name ?? null;
  }

  /**
   * A client's report. With a sessionId it is live progress (kept in memory; the answer tells a
   * disconnected client to leave); without, it is a step of its deployment (saved in the site).
   */
  private async status(device: DeviceRecord, body: Record<string, unknown>, scope: Scope): Promise<SessionReply> {
    const deviceId = device.id;
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
      const bytes = typeof body.bytes === 'number' ? body.bytes : undefined;
      const loss = typeof body.loss === 'number' && body.loss >= 0 && body.loss <= 1 ? body.loss : undefined;
      const client = this.sessions.report(sessionId, deviceId, { state: clientState as ClientState, message, ...(percent !== undefined ? { percent } : {}), ...(bytes !== undefined ? { bytes } : {}), ...(loss !== undefined ? { loss } : {}) });
      if (client.state === 'Moved') {
        const stream = this.sessions.get(client.movedTo!);
        return { move: multicastOffer(stream, this.sessions.encryptionKey(stream)) };
      }
      if (client.state === 'Disconnected') return { disconnect: true, force: client.forcedDisconnect, reason: client.message };
      const { state, waitingFor } = this.sessions.get(sessionId);
      // The transmission is over and this client lacks part of the image: its receiver may never
      // learn it (the END datagrams lost, or the session never reached it), so the DP says so.
      if (state !== 'Waiting' && state !== 'Running' && client.state !== 'Done' && client.percent < 100) {
        return { disconnect: true, reason: `multicast session ${sessionId} ended (${state}) before this client had the whole image (${client.percent}%)` };
      }
      return state === 'Waiting' && waitingFor ? { waiting: { clients: waitingFor.clients, startsBy: new Date(waitingFor.startsBy).toISOString() } } : {};
    }
    const step = typeof body.step === 'number' && Number.isInteger(body.step) && body.step >= 0 ? body.step : 0;
    const record = { deploymentId, deviceId, state, step, message, updatedAt: new Date().toISOString() } as const;
    await this.store.putRecord('deploymentStatus', record, (site) => {
      if (!scope(site, deviceId, new Date()).some(({ deployment }) => deployment.id === deploymentId)) {
        throw new HttpError(403, 'NotDeployedToDevice', `Deployment ${deploymentId} is not available to device ${device.name}.`);
      }
    });
    return {};
  }

  /** The image bytes, for a client some deployment of which applies the image, when it allows unicast. */
  private download(site: SiteState, device: DeviceRecord, imageId: string, request: IncomingMessage, response: ServerResponse, scope: Scope): void {
    const image = findImage(site, imageId);
    authorize(site, device, image, null, scope);
    if (image.multicast.multicastOnly) {
      throw new HttpError(403, 'MulticastOnly', `Image ${image.id} is set to transfer only via multicast; it is not served by unicast.`);
    }
    const file = this.assertHeld(image);
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
    createReadStream(file, { start, end }).on('error', () => response.destroy()).pipe(response);
  }

  /** The image's file in this DP's content library, or ConfigMgr's "content not distributed". */
  private assertHeld(image: ImageRecord): string {
    const file = imagePath(this.store, image);
    if (!existsSync(file)) {
      throw new HttpError(404, 'ContentNotDistributed', `Content not distributed: this distribution point does not hold image ${image.id} ('${image.name}'); the administrator distributes it here with Start-ContentDistribution, or the client is served by a DP that holds it.`);
    }
    return file;
  }

  /** A file of a boot image that a deployment available to the device restarts into (refresh); the agent checks it against the hello's hashes. */
  private bootImageFile(site: SiteState, device: DeviceRecord, bootImageId: string, name: string, response: ServerResponse, scope: Scope): void {
    const image = site.bootImages.find((candidate) => candidate.id === bootImageId);
    const files = bootImageById(this.store, bootImageId);
    if (!image || !files) throw new HttpError(404, 'BootImageNotFound', `The site has no boot image ${bootImageId}.`);
    const restartsInto = scope(site, device.id, new Date()).some(({ taskSequence }) => taskSequence.steps.some((step) => step.type === 'Restart' && step.into === 'BootImage' && step.bootImageId === image.id));
    if (!restartsInto) throw new HttpError(403, 'NotDeployedToDevice', `No deployment available to device ${device.name} (${device.id}) restarts into boot image ${image.id}.`);
    const bytes = name === 'vmlinuz' ? image.kernelBytes : image.initrdBytes;
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes), etag: `"${name === 'vmlinuz' ? image.kernelSha256 : image.initrdSha256}"` });
    createReadStream(name === 'vmlinuz' ? files.kernelPath : files.initrdPath).on('error', () => response.destroy()).pipe(response);
  }

  private fail(request: IncomingMessage, response: ServerResponse, error: unknown): void {
    if (error instanceof HttpError && (error.status === 401 || error.status === 403)) this.refused(request, requestPath(request.url), error);
    sendError(response, error);
  }

  /**
   * The device whose credential the request carries (an enrolled client's, or a PXE credential),
   * or null; remembered for the refusal log.
   */
  private authenticate(request: IncomingMessage): DeviceRecord | null {
    const credential = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!credential) return null;
    const site = this.store.read();
    const pxeDevice = credential.startsWith('PXE.') && this.pxeKey ? verifyPxeCredential(this.pxeKey, credential) : null;
    const device = pxeDevice ? (siteIndex(site).devices.get(pxeDevice) ?? null) : authenticateClient(site, credential);
    if (device) this.devices.set(request, device);
    if (device && pxeDevice) this.pxeScoped.add(request);
    return device;
  }

  private refused(request: IncomingMessage, path: string, error: HttpError): void {
    const device = this.devices.get(request);
    this.options.onRefused?.({
      address: request.socket.remoteAddress ?? '',
      method: request.method ?? '',
      path: path.slice(0, 200),
      status: error.status,
      id: error.id,
      message: error.message,
      ...(device ? { device: device.name } : {}),
    });
  }
}

/** Which deployments a request may see: an enrolled client's (assignmentsFor) or a PXE credential's. */
type Scope = (site: SiteState, deviceId: string, now: Date) => Assignment[];

/**
 * The path of the request target, taken literally: no decoding and no `..` resolution, so only
 * the exact endpoint paths match (anything else, absolute-form targets included, is a 404).
 */
function requestPath(target: string | undefined): string {
  const text = target ?? '/';
  const end = text.search(/[?#]/);
  return end < 0 ? text : text.slice(0, end);
}

/**
 * The assignment under which `device` may have `image`: a deployment available to the device now
 * (the given one, or any) whose task sequence applies the image. Anything else is refused.
 */
function authorize(site: SiteState, device: DeviceRecord, image: ImageRecord, deploymentId: string | null, scope: Scope): Assignment {
  const assignment = scope(site, device.id, new Date()).find(
    (candidate) => (deploymentId === null || candidate.deployment.id === deploymentId) && candidate.taskSequence.steps.some((step) => step.type === 'ApplyImage' && step.imageId === image.id),
  );
  if (!assignment) {
    const which = deploymentId === null ? 'No deployment available to' : `Deployment ${deploymentId} does not give image ${image.id} to`;
    throw new HttpError(403, 'NotDeployedToDevice', deploymentId === null ? `${which} device ${device.name} (${device.id}) applies image ${image.id}.` : `${which} device ${device.name} (${device.id}).`);
  }
  return assignment;
}

/**
 * The image name `device` may capture: one a CaptureImage step of a deployment available to it now
 * names (the name given, or the capture whose id is given). Anything else is refused.
 */
function allowedCapture(site: SiteState, device: DeviceRecord, scope: Scope, wanted: string | { id: string }, deploymentId?: string): string {
  for (const { deployment, taskSequence } of scope(site, device.id, new Date())) {
    if (deploymentId !== undefined && deployment.id.toLowerCase() !== deploymentId.toLowerCase()) continue;
    for (const step of taskSequence.steps) {
      if (step.type !== 'CaptureImage') continue;
      if (typeof wanted === 'string' ? step.imageName.toLowerCase() === wanted.toLowerCase() : captureId(step.imageName) === wanted.id) return step.imageName;
    }
  }
  const what = typeof wanted === 'string' ? `an image named '${wanted}'` : `capture ${wanted.id}`;
  throw new HttpError(403, 'CaptureNotAllowed', `No deployment available to device ${device.name} (${device.id}) captures ${what}: deploy a task sequence with a CaptureImage step of that name (New-TaskSequence -Steps @{Type='CaptureImage'; ImageName=…}) to the device's collection.`);
}

function lastRun(site: SiteState, deploymentId: string, deviceId: string): { state: string; updatedAt: string } | null {
  const status = site.deploymentStatus.find((entry) => entry.deploymentId === deploymentId && entry.deviceId === deviceId);
  return status ? { state: status.state, updatedAt: status.updatedAt } : null;
}

function multicastOffer(session: MulticastSession, key: Buffer | null): ContentOffer {
  const { image, channel } = session;
  return { mode: 'multicast', imageId: image.id, sizeBytes: image.sizeBytes, sha256: image.sha256, ...(image.disk ? { diskImage: true } : {}), sessionId: session.id, group: channel.group, port: channel.port, ...(key ? { encryptionKey: key.toString('base64') } : {}) };
}

function bootImageFacts(image: BootImageRecord | undefined) {
  return image ? { bootImageName: image.name, kernelArguments: image.kernelArguments ?? [], kernelBytes: image.kernelBytes, kernelSha256: image.kernelSha256, initrdBytes: image.initrdBytes, initrdSha256: image.initrdSha256 } : {};
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

/** The request's body, refused beyond `limit` bytes. */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, 'RequestTooLarge', `Request bodies are limited to ${limit} bytes here.`, { connection: 'close' });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function readJson(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const text = (await readBody(request, limit)).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text || '{}');
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

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function sendError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  if (error instanceof HttpError) return sendJson(response, error.status, { error: { id: error.id, message: error.message } }, error.headers);
  if (error instanceof EngineError) return sendJson(response, STATUS_FOR_CATEGORY[error.category], { error: { id: error.id, message: error.message } });
  sendJson(response, 500, { error: { id: 'InternalError', message: (error as Error)?.message ?? String(error) } });
}
