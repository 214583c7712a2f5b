import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine, registerService, requireService } from '../engine.js';

export default defineCmdlet({
  name: 'Stop-DPService',
  synopsis: 'Stops the distribution point service of this shell.',
  description: 'Running multicast sessions end (clients fall back to unicast where allowed) and are recorded in the session history.',
  impact: 'medium',
  parameters: {},
  examples: [{ title: 'Not running', code: 'Stop-DPService', error: 'DPServiceNotRunning' }],
  async *process(_params, ctx) {
    if (!(await ctx.shouldProcess('distribution point service', 'Stop'))) return;
    await engine(ctx, async (store) => {
      const service = await requireService(store);
      await service.stop();
      registerService(store, null);
    });
  },
});
