// Live views as the interactive shell shows them: cmdlets hand the host plain data
// (session-watch.ts) and the elements are made here, on the UI's side.
import { Text, useStdout } from 'ink';
import { useSyncExternalStore, type ReactElement } from 'react';
import { colorWanted } from '../format/style.js';
import type { ProgressView } from '../runtime/live.js';
import { SessionDashboard } from './dashboard.js';
import type { DashboardStore, FinalSessionsView, LiveSessionsView } from './session-watch.js';

export type LiveViewData = LiveSessionsView | FinalSessionsView | ProgressView;

/** Views that take keys (the dashboard's q, ↑/↓, d); while one shows, keys are not typed ahead. */
export const takesKeys = (view: LiveViewData): boolean => view.kind === 'sessions';

export function liveViewElement(view: LiveViewData): ReactElement {
  if (view.kind === 'progress') return <ProgressLine view={view} />;
  if (view.kind === 'sessions') return <LiveDashboard store={view.store} onLeave={view.onLeave} onDisconnect={view.onDisconnect} />;
  const terminal = process.stdout;
  return <SessionDashboard sessions={view.sessions} rows={Number.MAX_SAFE_INTEGER} columns={terminal.columns || 80} interactive={false} color={colorWanted(Boolean(terminal.isTTY))} />;
}

function LiveDashboard({ store, onLeave, onDisconnect }: { store: DashboardStore; onLeave(): void; onDisconnect(sessionId: string, clientId: string): void }) {
  const sessions = useSyncExternalStore(store.subscribe, store.snapshot);
  const { stdout } = useStdout();
  // Leave room for the line the terminal scrolls when the live area is redrawn.
  return <SessionDashboard sessions={sessions} rows={(stdout.rows || 24) - 1} columns={stdout.columns || 80} color={colorWanted(Boolean(stdout.isTTY))} onLeave={onLeave} onDisconnect={onDisconnect} />;
}

function ProgressLine({ view }: { view: ProgressView }) {
  return <Text>{useSyncExternalStore(view.subscribe, view.snapshot)}</Text>;
}
