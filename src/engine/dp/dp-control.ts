// What the session cmdlets and the dashboard need from a distribution point, whether it runs in
// this process (DPService) or in another process of the same site (RemoteDP, through the admin
// socket in the site home, see admin-endpoint.ts). Sessions cross the socket as snapshots: the
// same shape as the in-process sessions, with the clients as a list instead of a Map.
import { openSync, closeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { MulticastSession, SessionClient, SessionEvents } from './sessions.js';

/** A change of the DP's sessions; `closed`: the DP stopped (a remote one's feed ended). */
export type SessionChange = keyof SessionEvents | 'closed';

export interface DPControl {
  listSessions(): Promise<MulticastSession[]>;
  getSession(id: string): Promise<MulticastSession>;
  /** Start-MulticastSession: the image's session (by image name or id), started now. */
  startSession(image: string): Promise<MulticastSession>;
  stopSession(id: string): Promise<MulticastSession>;
  disconnectClient(sessionId: string, client: string, force: boolean): Promise<{ session: MulticastSession; client: SessionClient }>;
  /** Calls `listener` on every change of the sessions until the returned function is called. */
  onChange(listener: (change: SessionChange, sessionId: string | null) => void): () => void;
}

export const isActive = (session: MulticastSession): boolean => session.state === 'Waiting' || session.state === 'Running';

/** Waits until sessions are waiting or running; their ids (none when `signal` aborts first). */
export function firstSessions(dp: DPControl, signal: AbortSignal): Promise<string[]> {
  return new Promise<string[]>((resolve, reject) => {
    const done = (ids: string[]) => {
      stop();
      signal.removeEventListener('abort', leave);
      resolve(ids);
    };
    const leave = () => done([]);
    const look = () =>
      dp.listSessions().then((sessions) => {
        const active = sessions.filter(isActive).map((session) => session.id);
        if (active.length > 0) done(active);
      }, reject);
    const stop = dp.onChange((change) => {
      if (change === 'opened' || change === 'started') void look();
      // The DP went away: look once more, which says so.
      if (change === 'closed') void look().then(leave);
    });
    signal.addEventListener('abort', leave, { once: true });
    // A session may have opened before the feed was listened to.
    void look();
  });
}

/** A session as the admin socket sends it. */
export type SessionSnapshot = Omit<MulticastSession, 'clients'> & { clients: SessionClient[] };

export function toSnapshot(session: MulticastSession): SessionSnapshot {
  return { ...session, clients: [...session.clients.values()] };
}

export function fromSnapshot(snapshot: SessionSnapshot): MulticastSession {
  return { ...snapshot, clients: new Map(snapshot.clients.map((client) => [client.deviceId, client])) };
}

/** The admin socket of the site's DP: only the site's owner can connect (0600). */
export function adminSocketPath(home: string): string {
  return join(home, 'dp.sock');
}

/** Longest Unix socket path the kernel takes (sun_path holds 108 bytes with the final NUL); longer ones are silently cut. */
const MAX_SOCKET_PATH = 107;

/**
 * Runs `use` with a path that reaches `path` and fits a Unix socket address: a long site home is
 * reached through an open descriptor of its directory (/proc/self/fd/N/dp.sock).
 */
export async function withSocketAddress<T>(path: string, use: (address: string) => Promise<T>): Promise<T> {
  if (Buffer.byteLength(path) <= MAX_SOCKET_PATH) return use(path);
  const directory = openSync(dirname(path), 'r');
  try {
    return await use(`/proc/self/fd/${directory}/${basename(path)}`);
  } finally {
    closeSync(directory);
  }
}
