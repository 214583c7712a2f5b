import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeSessions, engine, requireService } from '../engine.js';
import { SESSION_VIEW } from '../objects.js';
import { watchSessions } from '../watch.js';

export default defineCmdlet({
  name: 'Watch-MulticastSession',
  synopsis: 'Follows multicast sessions until they end, showing their progress.',
  description: 'Watches the given sessions, or every waiting and running one, printing a progress line per session at each interval on a terminal; then outputs their final state. Ctrl+C stops watching (the sessions go on).',
  parameters: {
    Id: { type: 'string[]', position: 0, pipeline: 'property', complete: completeSessions, description: 'Sessions to watch (default: all waiting and running ones).' },
    Interval: { type: 'number', default: 1, validate: { range: [0.1, 60] }, description: 'Seconds between progress lines.' },
  },
  outputType: { name: 'MulticastSession', view: SESSION_VIEW },
  examples: [{ title: 'The DP service must run', code: 'Watch-MulticastSession', error: 'DPServiceNotRunning' }],
  async *process(params, ctx) {
    const service = await engine(ctx, (store) => requireService(store));
    if (!service) return;
    const ids = params.Id?.length ? params.Id.map((id) => service.sessions.get(id).id) : service.sessions.list().filter((s) => s.state === 'Waiting' || s.state === 'Running').map((s) => s.id);
    await watchSessions(ctx, service, ids, params.Interval);
    const { sessionView } = await import('../../src/engine/dp/views.js');
    for (const id of ids) yield sessionView(service.sessions.get(id));
  },
});
