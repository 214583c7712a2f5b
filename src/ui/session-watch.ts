// The engine side of the session dashboard: turns the DP's multicast sessions into dashboard
// data and shows it as a live view. Engine events only mark the data stale; a 10 fps tick
// rebuilds it, so a burst of progress reports costs one render. A client whose row did not change
// keeps the same row object, so the dashboard draws only the rows that moved.
// The views handed to the host are plain data (see live-views.tsx): this module loads neither Ink
// nor React, so the interactive shell's bundled copy of them is the only one in the process.
import { firstSessions, isActive, type DPControl } from '../engine/dp/dp-control.js';
import type { MulticastSession, SessionClient } from '../engine/dp/sessions.js';
import { lossPercent, sessionView } from '../engine/dp/views.js';
import { printable } from '../format/printable.js';
import type { LiveViewHost } from '../runtime/live.js';
import type { ClientPhase, ClientRow, SessionPanel } from './dashboard.js';

const FRAME_MS = 100;
/**
 * A client's rate is measured over its reports of about this long (it reports once a second, the
 * bytes it holds in whole blocks, an older agent only a whole percent): a window of one report
 * would jump between 0 and a block or a percent per second.
 */
const RATE_WINDOW_MS = 5000;

/** Builds dashboard panels from sessions, remembering recent progress to derive client rates. */
export class SessionPanels {
  /** Per client (session/device): its reports (bytes held, time) over the rate window, and its last row. */
  private readonly clients = new Map<string, { reports: { bytes: number; at: number }[]; row: ClientRow | null }>();
  /** Per session: its clients in name order, and how many there were when sorted. */
  private readonly order = new Map<string, { size: number; clients: SessionClient[] }>();

  constructor(private readonly capBps: number | null) {}

  panel(session: MulticastSession, now = Date.now()): SessionPanel {
    const view = sessionView(session);
    const progress = session.progress;
    const size = session.image.sizeBytes;
    const fraction = progress && progress.blockCount > 0 ? progress.blocksSent / progress.blockCount : 0;
    const elapsed = session.startedAt === null ? null : ((session.endedAt ?? now) - session.startedAt) / 1000;
    const averageBps = elapsed && fraction > 0 ? (fraction * size * 8) / elapsed : null;
    const rateBps = session.state === 'Running' && progress ? progress.rateBitsPerSecond : null;
    const speed = rateBps || averageBps;
    const overhead = session.summary ? session.summary.wireRatio - 1 : progress && fraction > 0 ? progress.wireBytes / (fraction * size) - 1 : null;
    return {
      id: view.Id,
      distributionPoint: session.distributionPoint ?? null,
      state: view.State,
      status: view.Status,
      image: view.Image,
      group: view.Group,
      port: view.Port,
      elapsedSeconds: elapsed,
      rateBps,
      averageBps,
      capBps: this.capBps,
      percent: view.Percent,
      etaSeconds: session.state === 'Running' && speed ? ((1 - fraction) * size * 8) / speed : null,
      overhead,
      clients: this.sorted(session).map((client) => this.row(session, client)),
    };
  }

  private sorted(session: MulticastSession): SessionClient[] {
    let order = this.order.get(session.id);
    if (order?.size !== session.clients.size) {
      order = { size: session.clients.size, clients: [...session.clients.values()].sort((a, b) => a.name.localeCompare(b.name)) };
      this.order.set(session.id, order);
    }
    return order.clients;
  }

  private row(session: MulticastSession, client: SessionClient): ClientRow {
    const key = `${session.id}/${client.deviceId}`;
    let known = this.clients.get(key);
    if (!known) this.clients.set(key, (known = { reports: [], row: null }));
    const { reports } = known;
    if (reports.at(-1)?.at !== client.updatedAt) {
      reports.push({ bytes: client.bytesDone || (client.percent / 100) * session.image.sizeBytes, at: client.updatedAt });
      while (reports.length > 2 && client.updatedAt - reports[1]!.at >= RATE_WINDOW_MS) reports.shift();
    }
    const first = reports[0]!;
    const last = reports.at(-1)!;
    const row: ClientRow = {
      id: client.deviceId,
      name: printable(client.name),
      address: client.address,
      state: client.state.toLowerCase() as ClientPhase,
      percent: client.percent,
      rateBps: last.at - first.at >= 1000 ? (Math.max(0, last.bytes - first.bytes) * 8) / ((last.at - first.at) / 1000) : null,
      lossPercent: lossPercent(client),
      message: printable(client.message),
    };
    const previous = known.row;
    if (previous && (Object.keys(row) as (keyof ClientRow)[]).every((field) => row[field] === previous[field])) return previous;
    return (known.row = row);
  }
}

/** Dashboard data that changes over time, as a store React subscribes to. */
export class DashboardStore {
  private listeners = new Set<() => void>();
  constructor(public sessions: SessionPanel[]) {}
  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  snapshot = () => this.sessions;
  set(sessions: SessionPanel[]): void {
    this.sessions = sessions;
    for (const listener of this.listeners) listener();
  }
}

/** The live dashboard, updating from `store`. */
export interface LiveSessionsView {
  kind: 'sessions';
  store: DashboardStore;
  onLeave(): void;
  onDisconnect(sessionId: string, clientId: string): void;
}

/** The dashboard's last frame, kept in the scrollback: every client, no keys. */
export interface FinalSessionsView {
  kind: 'sessions-final';
  sessions: SessionPanel[];
}
/**
 * Shows the sessions until they have all ended, `q` is pressed, `signal` aborts or the DP goes
 * away. With no ids it shows that it waits for a session, then the first ones to open. Returns
 * the ids shown.
 */
export async function watchLive(live: LiveViewHost, dp: DPControl, ids: readonly string[], signal: AbortSignal, capBps: number | null): Promise<string[]> {
  let watched = [...ids];
  const panels = new SessionPanels(capBps);
  const current = () => Promise.all(watched.map((id) => dp.getSession(id)));
  const fetch = async () => (await current()).map((session) => panels.panel(session));
  const first = await current();
  const store = new DashboardStore(first.map((session) => panels.panel(session)));
  // A session is over once `ended` has come: its clients have reported how they ended by then.
  const over = new Set(first.filter((session) => !isActive(session)).map((session) => session.id));
  let stale = false;
  let lastBuild = Date.now();
  let building = false;
  let dpGone = false;
  const leave = new AbortController();

  return new Promise<string[]>((resolve, reject) => {
    let finished = false;
    /** Why no session could be shown (the DP went away while the view waited for one). */
    let failure: unknown = null;
    const finish = async (finalFrame: boolean) => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      stopListening();
      leave.abort();
      signal.removeEventListener('abort', onAbort);
      // The last frame as it is now; the one shown already if the DP has gone.
      const last = finalFrame ? await fetch().catch(() => store.snapshot()) : null;
      view.close(last ? ({ kind: 'sessions-final', sessions: last } satisfies FinalSessionsView) : undefined);
      if (failure) reject(failure);
      else resolve(watched);
    };
    const onAbort = () => void finish(false);
    const view = live.showLiveView({
      kind: 'sessions',
      store,
      onLeave: () => void finish(false),
      onDisconnect: (sessionId, clientId) => {
        // A client that ended meanwhile cannot be disconnected: its row shows how it ended.
        dp.disconnectClient(sessionId, clientId, false).catch(() => undefined);
        stale = true;
      },
    } satisfies LiveSessionsView);
    const stopListening = dp.onChange((change, sessionId) => {
      if (change === 'closed') dpGone = true;
      if (change === 'ended' && sessionId !== null) over.add(sessionId);
      stale = true;
    });
    const timer = setInterval(() => {
      if (dpGone || (watched.length > 0 && watched.every((id) => over.has(id)))) return void finish(true);
      // Elapsed time and ETA move even without events: refresh at least once a second.
      if (building || watched.length === 0 || (!stale && Date.now() - lastBuild < 1000)) return;
      stale = false;
      lastBuild = Date.now();
      building = true;
      fetch()
        .then((sessions) => finished || store.set(sessions))
        .catch(() => void (dpGone = true))
        .finally(() => void (building = false));
    }, FRAME_MS);
    signal.addEventListener('abort', onAbort, { once: true });
    if (watched.length === 0) {
      firstSessions(dp, leave.signal).then(
        (opened) => {
          watched = opened;
          stale = true;
        },
        (error: unknown) => {
          failure = error;
          void finish(false);
        },
      );
    }
  });
}
