// Remote administration: a shell on any machine that has the site and an admin key watches and
// controls the sessions of the site's DPs through their control endpoints (the admin routes under
// /v1/admin/, see control.ts), pinning each DP's certificate by the fingerprint of its site
// record: the key is never sent to anyone else. Fleet joins the DPs into one DPControl, so the
// session cmdlets and the dashboard follow several DPs as they follow one.
import { request, type Agent } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { DPConnection, ClientError, parseServer } from '../client/connection.js';
import { EngineError } from '../errors.js';
import type { DistributionPointRecord } from '../site/model.js';
import { connectDP, type AdminChannel, type RemoteDP } from './admin-client.js';
import { isActive, type DPControl, type SessionChange } from './dp-control.js';
import type { MulticastSession, SessionClient } from './sessions.js';

/** A DP's control endpoint over HTTPS pinned to its record's certificate, presenting an admin key. */
export class PinnedChannel implements AdminChannel {
  readonly where: string;
  private readonly host: string;
  private readonly port: number;
  private readonly connection: DPConnection;
  private agent: Promise<Agent> | null = null;

  constructor(
    record: DistributionPointRecord & { controlEndpoint: string; certificateFingerprint: string },
    private readonly key: string,
  ) {
    this.where = `${record.name} (${record.controlEndpoint})`;
    ({ host: this.host, port: this.port } = parseServer(record.controlEndpoint));
    this.connection = new DPConnection(record.controlEndpoint, { fingerprint: record.certificateFingerprint }, null);
  }

  async send(method: string, path: string, body: string | undefined, options: { timeoutMs?: number; signal?: AbortSignal }): Promise<IncomingMessage> {
    // The certificate is checked before anything is sent: a DP that presents another is refused, key unsent.
    this.agent ??= this.connection.pinnedAgent();
    let agent: Agent;
    try {
      agent = await this.agent;
    } catch (error) {
      this.agent = null;
      throw refusedOrUnreachable(this.where, error);
    }
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(
        {
          host: this.host,
          port: this.port,
          method,
          path: `/v1/admin/${path.replace(/^\/v1\//, '')}`,
          agent,
          ...(options.signal ? { signal: options.signal } : {}),
          headers: { authorization: `Bearer ${this.key}`, ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) },
        },
        resolve,
      );
      if (options.timeoutMs) req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`no answer within ${options.timeoutMs! / 1000} s`)));
      req.on('error', (error: NodeJS.ErrnoException) => reject(/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(error.code ?? '') ? mismatch(this.where, error.code!) : error));
      req.end(body);
    });
  }
}

function mismatch(where: string, detail: string): EngineError {
  return new EngineError('CertificateMismatch', 'InvalidOperation', `The distribution point ${where} presented a certificate other than the one its site record pins (${detail}): not that DP, or someone in between; nothing was sent to it.`, where);
}

function refusedOrUnreachable(where: string, error: unknown): Error {
  if (error instanceof ClientError && error.id === 'CertificateMismatch') return mismatch(where, error.message);
  // "cannot reach the DP at host:port: connect ECONNREFUSED …": the cause, where is said already.
  if (error instanceof ClientError) return new Error(error.message.replace(/^cannot reach the DP at \S+: /, ''));
  return error as Error;
}

/** The DP of `record` over its control endpoint, answering as the admin key's holder. */
export async function reachRemoteDP(record: DistributionPointRecord, key: string): Promise<RemoteDP> {
  if (!record.controlEndpoint || !record.certificateFingerprint) {
    throw new EngineError('DPNotServing', 'ResourceUnavailable', `The distribution point ${record.name} has not served yet: its site record has no control endpoint or certificate.`, record.name);
  }
  let channel: PinnedChannel;
  try {
    channel = new PinnedChannel({ ...record, controlEndpoint: record.controlEndpoint, certificateFingerprint: record.certificateFingerprint }, key);
  } catch (error) {
    throw new EngineError('DPNotServing', 'ResourceUnavailable', `The distribution point ${record.name} has no usable control endpoint in its site record: ${(error as Error).message}.`, record.name);
  }
  return connectDP(channel);
}

/** A DP of the fleet by its site name. */
export interface NamedDP {
  name: string;
  dp: DPControl;
}

/**
 * Several DPs as one: sessions carry the name of the DP that runs them, each command goes to the
 * DP that runs its session, and the change feed is all the DPs' feeds together (`closed` once
 * every one has ended). Session ids are the site's, so unique across its DPs. A DP that stops
 * answering does not end the others' watch: its sessions are shown as last seen, Failed, with
 * the reason (the fleet marks them failed in the site too when the DP misses its heartbeats).
 */
export class Fleet implements DPControl {
  /** Which DP runs a session, learnt from lists and the feeds. */
  private readonly owners = new Map<string, NamedDP>();
  /** Each session as last seen, for when its DP stops answering. */
  private readonly lastSeen = new Map<string, MulticastSession>();
  /** DPs that stopped answering (their feed ended, or a request found nobody), and since when. */
  private readonly lost = new Map<NamedDP, number>();

  constructor(readonly members: readonly NamedDP[]) {}

  async listSessions(): Promise<MulticastSession[]> {
    const lists = await Promise.all(
      this.members.map(async (member) => {
        try {
          return (await member.dp.listSessions()).map((session) => this.tag(member, session));
        } catch (error) {
          this.loseIfUnreachable(member, error);
          return [...this.lastSeen.values()].filter((session) => this.owners.get(session.id) === member).map((session) => this.asLost(member, session));
        }
      }),
    );
    return lists.flat();
  }

  async getSession(id: string): Promise<MulticastSession> {
    const member = await this.ownerOf(id);
    const last = this.lastSeen.get(id.trim().toUpperCase());
    if (this.lost.has(member) && last) return this.asLost(member, last);
    try {
      return this.tag(member, await member.dp.getSession(id));
    } catch (error) {
      this.loseIfUnreachable(member, error);
      if (!last) throw error;
      return this.asLost(member, last);
    }
  }

  async startSession(image: string): Promise<MulticastSession> {
    if (this.members.length !== 1) {
      throw new EngineError('AmbiguousDistributionPoint', 'InvalidArgument', `One session of one distribution point was asked for, but ${this.members.length} are selected (${this.names() || 'none reached'}).`);
    }
    return this.tag(this.members[0]!, await this.members[0]!.dp.startSession(image));
  }

  /** The image's session started now on every DP; one that fails does not keep the others from starting. */
  async startSessions(image: string): Promise<({ name: string; session: MulticastSession } | { name: string; error: unknown })[]> {
    return Promise.all(
      this.members.map((member) =>
        member.dp.startSession(image).then(
          (session) => ({ name: member.name, session: this.tag(member, session) }),
          (error: unknown) => ({ name: member.name, error }),
        ),
      ),
    );
  }

  async stopSession(id: string): Promise<MulticastSession> {
    const member = await this.ownerOf(id);
    return this.tag(member, await member.dp.stopSession(id));
  }

  async disconnectClient(sessionId: string, client: string, force: boolean): Promise<{ session: MulticastSession; client: SessionClient }> {
    const member = await this.ownerOf(sessionId);
    const result = await member.dp.disconnectClient(sessionId, client, force);
    return { session: this.tag(member, result.session), client: result.client };
  }

  onChange(listener: (change: SessionChange, sessionId: string | null) => void): () => void {
    let open = this.members.length;
    const stops = this.members.map((member) =>
      member.dp.onChange((change, sessionId) => {
        if (change === 'closed') {
          this.lose(member);
          // Its sessions are over as far as a watch goes: they will not change any more.
          for (const session of this.lastSeen.values()) if (this.owners.get(session.id) === member && isActive(session)) listener('ended', session.id);
          if (--open === 0) listener('closed', null);
          return;
        }
        if (sessionId !== null) this.owners.set(sessionId, member);
        listener(change, sessionId);
      }),
    );
    return () => stops.forEach((stop) => stop());
  }

  private tag(member: NamedDP, session: MulticastSession): MulticastSession {
    this.owners.set(session.id, member);
    this.lost.delete(member);
    const tagged = { ...session, distributionPoint: member.name };
    this.lastSeen.set(session.id, tagged);
    return tagged;
  }

  private lose(member: NamedDP): void {
    if (!this.lost.has(member)) this.lost.set(member, Date.now());
  }

  private loseIfUnreachable(member: NamedDP, error: unknown): void {
    if (!(error instanceof EngineError && error.id === 'DPUnreachable')) throw error;
    this.lose(member);
  }

  /** A session of a DP that stopped answering, as last seen: an active one as Failed, saying why. */
  private asLost(member: NamedDP, session: MulticastSession): MulticastSession {
    const since = this.lost.get(member) ?? Date.now();
    const lost = `${member.name} stopped answering at ${new Date(since).toISOString()}; last seen ${session.state}`;
    return isActive(session) ? { ...session, state: 'Failed', endedAt: since, lostContact: lost } : { ...session, lostContact: lost };
  }

  private async ownerOf(id: string): Promise<NamedDP> {
    const wanted = id.trim().toUpperCase();
    if (!this.owners.has(wanted)) await this.listSessions();
    const member = this.owners.get(wanted);
    if (!member) throw new EngineError('SessionNotFound', 'ObjectNotFound', `No multicast session '${id}' on the distribution points ${this.names() || '(none reached)'}.`, id);
    return member;
  }

  private names(): string {
    return this.members.map((member) => member.name).join(', ');
  }
}
