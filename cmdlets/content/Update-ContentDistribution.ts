import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeImages, engine } from '../engine.js';
import { contentStatusObject, CONTENT_STATUS_VIEW } from '../content-objects.js';

export default defineCmdlet({
  name: 'Update-ContentDistribution',
  synopsis: 'Distributes an image again: a new version to every DP that had the old one, or the same image to every DP it was distributed to.',
  description:
    'With -PreviousImage, every DP that holds the previous image becomes Waiting for -Image (remove the old one afterwards with Remove-ContentDistribution or Remove-OSImage). Without it, every DP with a status for the image checks its copy against the image\'s SHA-256 and pulls it anew when it is damaged or missing (ConfigMgr\'s "Redistribute").',
  impact: 'medium',
  parameters: {
    Image: { type: 'string', position: 0, mandatory: true, aliases: ['ImageName'], complete: completeImages, description: 'Name or id of the image (the new version).' },
    PreviousImage: { type: 'string', complete: completeImages, description: 'Name or id of the version it replaces.' },
  },
  outputType: { name: 'ContentDistributionStatus', view: CONTENT_STATUS_VIEW },
  examples: [{ title: 'An image that was never distributed', code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; Update-ContentDistribution Win11", error: 'ContentNotDistributed' }],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(params.Image, 'Redistribute content'))) return;
    const statuses = await engine(ctx, async (store) => {
      const { updateDistribution } = await import('../../src/engine/content/distribution.js');
      const updated = await updateDistribution(store, params.Image, params.PreviousImage);
      const site = store.read();
      return updated.map((status) => contentStatusObject(site, status));
    });
    yield* statuses ?? [];
  },
});
