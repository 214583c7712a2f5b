// The slow-client policy (DP setting, WDS's "transfer settings"): what a session does about a
// client that cannot keep up.
//   None         the session runs at the pace of its slowest client: the sender's automatic
//                rate follows the goodput of any receiver whose link drops a large share of what
//                is sent (a bottleneck, not the odd random loss, which is repaired, not obeyed).
//   Disconnect   the session runs at full speed; a client whose rate stays below the threshold
//                for the sustained period is disconnected; it continues by unicast (fetching only
//                the blocks it lacks) when the image and the setting allow, else it fails.
//   Multistream  the DP runs up to 2 or 3 sessions ("streams") of one image at different speeds
//                and moves such a client to the next slower stream, where it resumes. Stream 0 runs
//                at full speed; with 3 streams the medium one is capped at the threshold (a client
//                below half of it moves on); the last stream runs at its slowest client's pace.
//                Streams after the first send only the blocks their clients report missing.
// A client's rate is what it reports having verified (bytes per second over a few seconds); it
// counts as slow only while it also gets well under what the session puts on the wire, so a
// session slowed by its cap or by the sender's host does not make everyone "slow".
import type { Pacer, PeerCounts, SendOptions } from '../transport/index.js';
import type { SlowClientSettings } from '../site/model.js';
import type { MulticastSession, MulticastSessions, SessionClient } from './sessions.js';

/** A receiver losing more than this share of the datagrams sent sits behind a slower link. */
const BOTTLENECK_LOSS = 0.1;
/** Goodput is measured over this much time per receiver. */
const SAMPLE_MS = 1000;
/** Once capped, the rate probes upwards this much per second, to notice a link that got faster. */
const PROBE_PER_SECOND = 1.05;
/** Window over which client and session rates are compared. */
const RATE_WINDOW_MS = 3000;
/** A client counts as slow only while it gets less than this share of the session's wire rate. */
const BEHIND_SHARE = 0.6;

interface LinkSample {
  id: number;
  /** Bits per second of the datagrams it received over the last sample. */
  goodputBps: number;
  /** It dropped more than BOTTLENECK_LOSS of what was sent: its link is slower than the session. */
  bottleneck: boolean;
}

/** Measures each receiver's link from its cumulative report counters, one sample per SAMPLE_MS. */
class LinkMeter {
  private readonly last = new Map<number, { at: number; received: number; lost: number }>();
  /** The latest goodput of each receiver found behind a bottleneck (gone once it keeps up again). */
  readonly behind = new Map<number, number>();

  /** The receivers measured in this call. */
  update(nowMs: number, frameBytes: number, receivers: PeerCounts[]): LinkSample[] {
    const fresh: LinkSample[] = [];
    for (const r of receivers) {
      const previous = this.last.get(r.id);
      if (previous && nowMs - previous.at < SAMPLE_MS) continue;
      this.last.set(r.id, { at: nowMs, received: r.received, lost: r.lost });
      if (!previous) continue;
      const got = r.received - previous.received;
      const lost = r.lost - previous.lost;
      const sample = { id: r.id, goodputBps: (got * frameBytes * 8 * 1000) / (nowMs - previous.at), bottleneck: got + lost > 0 && lost / (got + lost) > BOTTLENECK_LOSS };
      if (sample.bottleneck) this.behind.set(r.id, sample.goodputBps);
      else this.behind.delete(r.id);
      fresh.push(sample);
    }
    return fresh;
  }
}

/** Policy None and the slowest stream: the sender's automatic rate follows the goodput of its slowest bottlenecked receiver. */
export class FollowSlowest implements Pacer {
  private readonly meter = new LinkMeter();
  private capBps: number | null = null;
  private lastCall = 0;

  cap(nowMs: number, frameBytes: number, receivers: PeerCounts[]): number | null {
    const slowest = Math.min(...this.meter.update(nowMs, frameBytes, receivers).filter((sample) => sample.bottleneck).map((sample) => sample.goodputBps));
    if (slowest < Infinity) this.capBps = slowest;
    else if (this.capBps !== null) this.capBps *= PROBE_PER_SECOND ** ((nowMs - this.lastCall) / 1000);
    this.lastCall = nowMs;
    return this.capBps;
  }
}

/**
 * Policies Disconnect and Multistream: the stream goes on at its own speed, and a receiver whose
 * link cannot take it and gets less than `slowBelowBps` is not served repair: chasing it would
 * spend the session's bandwidth on symbols its link drops, holding back everyone else. It stays
 * until the DP disconnects it or moves it to a slower stream.
 */
export class LeaveBehind implements Pacer {
  private readonly meter = new LinkMeter();

  constructor(private readonly slowBelowBps: number) {}

  cap(nowMs: number, frameBytes: number, receivers: PeerCounts[]): null {
    this.meter.update(nowMs, frameBytes, receivers);
    return null;
  }

  ignores(receiver: number): boolean {
    return (this.meter.behind.get(receiver) ?? Infinity) < this.slowBelowBps;
  }
}

/** How stream `stream` of an image is sent under the policy (rate cap, pacing, on-demand). */
export function streamSendOptions(settings: SlowClientSettings, stream: number): Pick<SendOptions, 'pacer' | 'rate' | 'onDemand'> {
  if (settings.policy === 'None') return { pacer: new FollowSlowest() };
  const last = settings.policy === 'Disconnect' ? false : stream >= settings.streams - 1;
  if (last) return { onDemand: true, pacer: new FollowSlowest() };
  const leaveBehind = new LeaveBehind(slowBelow(settings, stream));
  return stream === 0 ? { pacer: leaveBehind } : { onDemand: true, rate: settings.thresholdBps / 2 ** (stream - 1), pacer: leaveBehind };
}

/** The rate below which a client of stream `stream` is slow: the threshold, halved per slower stream. */
function slowBelow(settings: SlowClientSettings, stream: number): number {
  return settings.thresholdBps / 2 ** stream;
}

interface Sample {
  at: number;
  bytes: number;
}

/** Rate in bits per second over the last RATE_WINDOW_MS of samples; null until the window is mostly covered. */
function rateOf(samples: Sample[], now: number): number | null {
  while (samples.length > 2 && now - samples[1]!.at >= RATE_WINDOW_MS) samples.shift();
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last || last.at - first.at < RATE_WINDOW_MS * 0.66) return null;
  return ((last.bytes - first.bytes) * 8 * 1000) / (last.at - first.at);
}

/**
 * Watches the sessions' clients and applies the Disconnect and Multistream policies. It listens
 * to the sessions' events (client reports, sender progress) and acts through the sessions'
 * disconnect and move, so a decision looks to the client exactly like an administrator's.
 */
export class SlowClientMonitor {
  private readonly clientSamples = new Map<string, Sample[]>();
  private readonly wireSamples = new Map<string, Sample[]>();
  private readonly slowSince = new Map<string, number>();

  constructor(
    private readonly sessions: MulticastSessions,
    private readonly settings: () => SlowClientSettings,
  ) {
    sessions.on('progress', (session) => this.onProgress(session));
    sessions.on('client', (session, client) => this.onClient(session, client));
    sessions.on('ended', (session) => this.forget(session));
  }

  private onProgress(session: MulticastSession): void {
    if (!session.progress) return;
    push(this.wireSamples, session.id, { at: Date.now(), bytes: session.progress.wireBytes });
  }

  private onClient(session: MulticastSession, client: SessionClient): void {
    const key = `${session.id}/${client.deviceId}`;
    const settings = this.settings();
    if (settings.policy === 'None' || session.state !== 'Running' || client.state !== 'Receiving' || client.bytesDone >= session.image.sizeBytes) {
      this.clientSamples.delete(key);
      this.slowSince.delete(key);
      return;
    }
    if (settings.policy === 'Multistream' && session.stream >= settings.streams - 1) return; // the slowest stream waits for everyone
    const now = Date.now();
    const samples = push(this.clientSamples, key, { at: now, bytes: client.bytesDone });
    const rate = rateOf(samples, now);
    const wire = rateOf(this.wireSamples.get(session.id) ?? [], now);
    const limit = slowBelow(settings, session.stream);
    if (rate === null || wire === null || rate >= limit || rate >= wire * BEHIND_SHARE) {
      this.slowSince.delete(key);
      return;
    }
    const since = this.slowSince.get(key) ?? now;
    this.slowSince.set(key, since);
    if (now - since < settings.sustainSeconds * 1000) return;
    this.clientSamples.delete(key);
    this.slowSince.delete(key);
    const why = `slow client: ${mbps(rate)} below the threshold of ${mbps(limit)} for ${settings.sustainSeconds} s`;
    if (settings.policy === 'Disconnect') {
      this.sessions.disconnect(session.id, client.deviceId, !settings.unicastFallback, why);
    } else {
      this.sessions.move(session, client, session.stream + 1, why).catch((error: unknown) => process.emitWarning(`session ${session.id}: ${client.name} not moved to a slower stream: ${(error as Error).message}`));
    }
  }

  private forget(session: MulticastSession): void {
    this.wireSamples.delete(session.id);
    for (const key of [...this.clientSamples.keys(), ...this.slowSince.keys()]) {
      if (key.startsWith(`${session.id}/`)) {
        this.clientSamples.delete(key);
        this.slowSince.delete(key);
      }
    }
  }
}

function push(map: Map<string, Sample[]>, key: string, sample: Sample): Sample[] {
  let samples = map.get(key);
  if (!samples) map.set(key, (samples = []));
  samples.push(sample);
  return samples;
}

const mbps = (bps: number) => `${(bps / 1e6).toFixed(1)} Mbit/s`;
