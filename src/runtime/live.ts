// Live views: the interactive shell on a terminal can show a view that updates in place (the
// session dashboard) while a cmdlet waits. The view itself is opaque here (a UI element the host
// knows how to mount), so the runtime and the cmdlets never load the UI library.
import type { HostInfo } from './cmdlet.js';

export interface LiveView {
  /** Leaves the live area; a final frame, if given, stays in the scrollback. */
  close(finalFrame?: unknown): void;
}

export interface LiveViewHost {
  showLiveView(view: unknown): LiveView;
}

/** The host's live-view capability, when it has one (only the interactive shell does). */
export function liveViewHost(host: HostInfo): LiveViewHost | undefined {
  return typeof (host as Partial<LiveViewHost>).showLiveView === 'function' ? (host as unknown as LiveViewHost) : undefined;
}

/** A progress line as a live view: the host redraws it each time the cmdlet shows a new line. */
export class ProgressView {
  readonly kind = 'progress';
  line = '';
  private readonly listeners = new Set<() => void>();
  // Arrow properties: React's useSyncExternalStore calls these unbound.
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  snapshot = (): string => this.line;

  show(line: string): void {
    this.line = line;
    for (const listener of this.listeners) listener();
  }
}
