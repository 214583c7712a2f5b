import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeSessions, engine } from '../engine.js';
import { chooseDP, DISTRIBUTION_POINT_PARAMETER } from '../fleet.js';
import { SESSION_OUTPUT, shownWithDP } from '../objects.js';
import { watchSessions } from '../watch.js';

export default defineCmdlet({
  name: 'Watch-MulticastSession',
  synopsis: 'Follows multicast sessions until they end, showing their progress.',
  description:
    'Watches the given sessions, or every waiting and running one, printing a progress line per session at each interval on a terminal; then outputs their final state. The DP may run in this shell or in another process on this machine (`mcshell serve`); -DistributionPoint follows the sessions of several DPs of the site at once (* = every Online one), through each one’s event stream. With no session waiting or running, it waits on a terminal for the first one (q or Ctrl+C leaves); elsewhere it writes a NoMulticastSession error. Ctrl+C stops watching (the sessions go on).',
  parameters: {
    Id: { type: 'string[]', position: 0, pipeline: 'property', complete: completeSessions, description: 'Sessions to watch (default: all waiting and running ones).' },
    Interval: { type: 'number', default: 1, validate: { range: [0.1, 60] }, description: 'Seconds between progress lines.' },
    DistributionPoint: DISTRIBUTION_POINT_PARAMETER,
  },
  outputType: SESSION_OUTPUT,
  examples: [
    { title: 'The DP service must run', code: 'Watch-MulticastSession', error: 'DPServiceNotRunning' },
    { title: 'Off a terminal, no session means nothing to watch', code: 'Start-DPService -Port 0 | Out-Null; Watch-MulticastSession; Stop-DPService', error: 'NoMulticastSession' },
  ],
  async *process(params, ctx) {
    const sessions = await engine(ctx, async (store) => {
      const dp = await chooseDP(ctx, store, params.DistributionPoint);
      const { isActive } = await import('../../src/engine/dp/dp-control.js');
      const ids = params.Id?.length ? await Promise.all(params.Id.map(async (id) => (await dp.getSession(id)).id)) : (await dp.listSessions()).filter(isActive).map((session) => session.id);
      if (ids.length === 0 && !ctx.host.isTerminal) {
        const { EngineError } = await import('../../src/engine/errors.js');
        throw new EngineError('NoMulticastSession', 'ObjectNotFound', 'No multicast session is waiting or running, so there is nothing to watch; a session opens when a client asks for an image (or with Start-MulticastSession). On a terminal, Watch-MulticastSession waits for one.');
      }
      const watched = await watchSessions(ctx, dp, ids, params.Interval, store.read().dp.transferRateBps);
      return Promise.all(watched.map((id) => dp.getSession(id)));
    });
    const { sessionView } = await import('../../src/engine/dp/views.js');
    for (const session of sessions ?? []) yield shownWithDP(sessionView(session), SESSION_OUTPUT);
  },
});
