// Watching multicast sessions, shared by Watch-MulticastSession and Start-MulticastSession -Wait,
// until every watched session has ended or the pipeline is stopped: in the interactive shell a
// live dashboard (src/ui), elsewhere one plain line per session per interval on a terminal. The
// DP may run in this shell or in another process (DPControl). With no session to watch yet, it
// waits for the first one to open.
import type { CmdletContext } from '../src/runtime/cmdlet.js';
import { liveViewHost } from '../src/runtime/live.js';
import type { DPControl } from '../src/engine/dp/dp-control.js';

/**
 * Watches `ids` (none: the first sessions to open); returns the ids watched, none when the watch
 * was left before any session opened. `capBps` is the DP's transfer rate cap, for the dashboard.
 */
export async function watchSessions(ctx: CmdletContext<unknown>, dp: DPControl, ids: readonly string[], intervalSeconds: number, capBps: number | null): Promise<string[]> {
  const live = liveViewHost(ctx.host);
  if (live) {
    const { watchLive } = await import('../src/ui/session-watch.js');
    return watchLive(live, dp, ids, ctx.signal, capBps);
  }
  const { firstSessions, isActive } = await import('../src/engine/dp/dp-control.js');
  if (ids.length === 0) {
    if (ctx.host.isTerminal) ctx.writeHost('waiting for a multicast session… (Ctrl+C leaves)');
    ids = await firstSessions(dp, ctx.signal);
  }
  const { sessionView } = await import('../src/engine/dp/views.js');
  for (;;) {
    const sessions = await Promise.all(ids.map((id) => dp.getSession(id)));
    if (!sessions.some(isActive) || ctx.signal.aborted) break;
    if (ctx.host.isTerminal) {
      for (const session of sessions) {
        const view = sessionView(session);
        const rate = view.RateMbps === null ? '' : `, ${view.RateMbps} Mbit/s`;
        ctx.writeHost(`${view.Id} ${view.Image} ${view.State}: ${view.Percent}% sent${rate}, ${view.Verified}/${view.Clients} clients verified`);
      }
    }
    await new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        stop();
        ctx.signal.removeEventListener('abort', finish);
        resolve();
      };
      const timer = setTimeout(finish, intervalSeconds * 1000);
      const stop = dp.onChange((change) => (change === 'ended' || change === 'closed') && finish());
      ctx.signal.addEventListener('abort', finish, { once: true });
    });
  }
  return [...ids];
}
