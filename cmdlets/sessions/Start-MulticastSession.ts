import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeImages, engine } from '../engine.js';
import { chooseDP, DISTRIBUTION_POINT_PARAMETER, startOnEach } from '../fleet.js';
import { SESSION_OUTPUT, shownWithDP } from '../objects.js';
import { watchSessions } from '../watch.js';

export default defineCmdlet({
  name: 'Start-MulticastSession',
  synopsis: "Starts an image's multicast session now (manual start), without waiting for the schedule.",
  description:
    "Starts the waiting session of the image at once, or opens one that starts immediately; clients that ask for the image later join the running transmission. Needs the site's DP service, in this shell (Start-DPService) or in another process (`mcshell serve`). With -DistributionPoint it starts the image's session on each of those DPs (a DP that cannot is an error naming it; the others start). -Wait shows progress until the session ends and outputs its final state.",
  impact: 'medium',
  parameters: {
    Image: { type: 'string', position: 0, mandatory: true, pipeline: 'property', aliases: ['Name', 'ImageId'], complete: completeImages, description: 'Name or id of the image.' },
    Wait: { type: 'switch', description: 'Wait until the session has ended, showing progress on a terminal.' },
    DistributionPoint: DISTRIBUTION_POINT_PARAMETER,
  },
  outputType: SESSION_OUTPUT,
  examples: [{ title: 'The DP service must run first', code: 'Start-MulticastSession Win11', error: 'DPServiceNotRunning' }],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(params.Image, 'Start multicast session'))) return;
    const sessions = await engine(ctx, async (store) => {
      const dp = await chooseDP(ctx, store, params.DistributionPoint);
      const started = await startOnEach(ctx, dp, params.Image);
      if (!params.Wait || started.length === 0) return started;
      await watchSessions(ctx, dp, started.map((one) => one.id), 1, store.read().dp.transferRateBps);
      return Promise.all(started.map((one) => dp.getSession(one.id)));
    });
    const { sessionView } = await import('../../src/engine/dp/views.js');
    for (const session of sessions ?? []) yield shownWithDP(sessionView(session), SESSION_OUTPUT);
  },
});
