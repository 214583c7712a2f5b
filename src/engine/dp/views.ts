// Plain, serialisable views of sessions and their clients: what Get-MulticastSession,
// Get-MulticastClient and the control endpoint's /v1/sessions show.
import type { MulticastSession, SessionClient } from './sessions.js';

export interface SessionView {
  Id: string;
  State: string;
  Image: string;
  ImageId: string;
  Group: string;
  Port: number;
  Clients: number;
  Verified: number;
  Percent: number;
  RateMbps: number | null;
  WireRatio: number | null;
  StartReason: string | null;
  /** A waiting scheduled session: what it waits for and until when ("waiting for 1 more client; starts by 19:42 at the latest"); or why a session of another DP is shown as last seen. */
  Status: string | null;
  /** When a waiting scheduled session starts at the latest. */
  StartsBy: string | null;
  RequestedAt: string;
  StartedAt: string | null;
  EndedAt: string | null;
  /** The DP that runs it, when sessions of several DPs are listed (-DistributionPoint). */
  DistributionPoint?: string;
}

export interface ClientView {
  SessionId: string;
  DeviceId: string;
  Name: string;
  Address: string;
  State: string;
  Percent: number;
  /** Percent of the session's datagrams the client lost before repair (its own count); null until it reports. */
  LossPercent: number | null;
  Message: string;
  UpdatedAt: string;
  /** The DP whose session it is in, when sessions of several DPs are listed (-DistributionPoint). */
  DistributionPoint?: string;
}

const iso = (time: number | null): string | null => (time === null ? null : new Date(time).toISOString());

/** "waiting for 1 more client; starts by 19:42 at the latest" (the local time of whoever shows it). */
export function waitingText(clients: number, startsBy: number): string {
  const time = new Date(startsBy).toTimeString().slice(0, 5);
  return `waiting for ${clients} more client${clients === 1 ? '' : 's'}; starts by ${time} at the latest`;
}

export function sessionView(session: MulticastSession): SessionView {
  const clients = [...session.clients.values()];
  const progress = session.progress;
  const sent = progress && progress.blockCount > 0 ? (100 * progress.blocksSent) / progress.blockCount : 0;
  const percent = session.state === 'Completed' ? 100 : Math.min(100, Math.round(sent * 10) / 10);
  return {
    Id: session.id,
    State: session.state,
    Image: session.image.name,
    ImageId: session.image.id,
    Group: session.channel.group,
    Port: session.channel.port,
    Clients: clients.length,
    Verified: clients.filter((client) => client.state === 'Done').length,
    Percent: percent,
    RateMbps: progress && session.state === 'Running' ? Math.round(progress.rateBitsPerSecond / 1e4) / 100 : null,
    WireRatio: session.summary ? Math.round(session.summary.wireRatio * 1000) / 1000 : null,
    StartReason: session.startReason,
    Status: session.lostContact ?? (session.state === 'Waiting' && session.waitingFor ? waitingText(session.waitingFor.clients, session.waitingFor.startsBy) : null),
    StartsBy: session.state === 'Waiting' ? iso(session.waitingFor?.startsBy ?? null) : null,
    RequestedAt: new Date(session.requestedAt).toISOString(),
    StartedAt: iso(session.startedAt),
    EndedAt: iso(session.endedAt),
    ...byDP(session),
  };
}

const byDP = (session: MulticastSession) => (session.distributionPoint === undefined ? {} : { DistributionPoint: session.distributionPoint });

/** A client's loss in percent, to one decimal. */
export function lossPercent(client: SessionClient): number | null {
  return client.loss === null ? null : Math.round(client.loss * 1000) / 10;
}

export function clientView(session: MulticastSession, client: SessionClient): ClientView {
  return {
    SessionId: session.id,
    DeviceId: client.deviceId,
    Name: client.name,
    Address: client.address,
    State: client.state,
    Percent: client.percent,
    LossPercent: lossPercent(client),
    Message: client.message,
    UpdatedAt: new Date(client.updatedAt).toISOString(),
    ...byDP(session),
  };
}
