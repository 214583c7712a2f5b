import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeSessions, engine } from '../engine.js';
import { chooseDP, DISTRIBUTION_POINT_PARAMETER } from '../fleet.js';
import { SESSION_OUTPUT, shownWithDP } from '../objects.js';

export default defineCmdlet({
  name: 'Stop-MulticastSession',
  synopsis: 'Stops a multicast session.',
  description: 'A waiting session is cancelled; a running transmission ends (its clients fall back to unicast where the image allows it). The session is recorded in the history as Stopped.',
  impact: 'high',
  parameters: {
    Id: { type: 'string', position: 0, mandatory: true, pipeline: 'property', complete: completeSessions, description: 'Session id, e.g. MC0001.' },
    Force: { type: 'switch', description: 'Skips the confirmation (as -Confirm:$false).' },
    PassThru: { type: 'switch', description: 'Outputs the session.' },
    DistributionPoint: DISTRIBUTION_POINT_PARAMETER,
  },
  outputType: SESSION_OUTPUT,
  examples: [{ title: 'The DP service must run', code: 'Stop-MulticastSession MC0001', error: 'DPServiceNotRunning' }],
  async *process(params, ctx) {
    const target = await engine(ctx, async (store) => {
      const dp = await chooseDP(ctx, store, params.DistributionPoint);
      return { dp, session: await dp.getSession(params.Id) };
    });
    if (target === undefined || !(await ctx.shouldProcess(target.session.distributionPoint ? `${target.session.id} on ${target.session.distributionPoint}` : target.session.id, 'Stop multicast session', { force: params.Force }))) return;
    const session = await engine(ctx, () => target.dp.stopSession(target.session.id));
    if (session && params.PassThru) {
      const { sessionView } = await import('../../src/engine/dp/views.js');
      yield shownWithDP(sessionView(session), SESSION_OUTPUT);
    }
  },
});
