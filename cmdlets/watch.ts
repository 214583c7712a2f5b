// Watching multicast sessions, shared by Watch-MulticastSession and Start-MulticastSession -Wait,
// until every watched session has ended or the pipeline is stopped: in the interactive shell a
// live dashboard (src/ui), elsewhere one plain line per session per interval on a terminal.
import type { CmdletContext } from '../src/runtime/cmdlet.js';
import { liveViewHost } from '../src/runtime/live.js';
import type { DPService } from '../src/engine/dp/service.js';

export async function watchSessions(ctx: CmdletContext<unknown>, service: DPService, ids: readonly string[], intervalSeconds: number): Promise<void> {
  const live = liveViewHost(ctx.host);
  if (live) {
    const { watchLive } = await import('../src/ui/session-watch.js');
    return watchLive(live, service, ids, ctx.signal);
  }
  const { sessionView } = await import('../src/engine/dp/views.js');
  const sessions = ids.map((id) => service.sessions.get(id));
  const ended = () => sessions.every((session) => session.state !== 'Waiting' && session.state !== 'Running');
  while (!ended() && !ctx.signal.aborted) {
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
        service.sessions.off('ended', finish);
        ctx.signal.removeEventListener('abort', finish);
        resolve();
      };
      const timer = setTimeout(finish, intervalSeconds * 1000);
      service.sessions.once('ended', finish);
      ctx.signal.addEventListener('abort', finish, { once: true });
    });
  }
}
