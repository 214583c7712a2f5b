import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeSessions, engine, requireDP } from '../engine.js';
import { SESSION_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Stop-MulticastSession',
  synopsis: 'Stops a multicast session.',
  description: 'A waiting session is cancelled; a running transmission ends (its clients fall back to unicast where the image allows it). The session is recorded in the history as Stopped.',
  impact: 'high',
  parameters: {
    Id: { type: 'string', position: 0, mandatory: true, pipeline: 'property', complete: completeSessions, description: 'Session id, e.g. MC0001.' },
    Force: { type: 'switch', description: 'Skips the confirmation (as -Confirm:$false).' },
    PassThru: { type: 'switch', description: 'Outputs the session.' },
  },
  outputType: { name: 'MulticastSession', view: SESSION_VIEW },
  examples: [{ title: 'The DP service must run', code: 'Stop-MulticastSession MC0001', error: 'DPServiceNotRunning' }],
  async *process(params, ctx) {
    const target = await engine(ctx, async (store) => (await (await requireDP(store)).getSession(params.Id)).id);
    if (target === undefined || !(await ctx.shouldProcess(target, 'Stop multicast session', { force: params.Force }))) return;
    const session = await engine(ctx, async (store) => (await requireDP(store)).stopSession(params.Id));
    if (session && params.PassThru) {
      const { sessionView } = await import('../../src/engine/dp/views.js');
      yield sessionView(session);
    }
  },
});
