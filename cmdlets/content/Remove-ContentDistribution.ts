import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeImages, engine } from '../engine.js';
import { contentStatusObject, CONTENT_STATUS_VIEW } from '../content-objects.js';

export default defineCmdlet({
  name: 'Remove-ContentDistribution',
  synopsis: 'Takes an image off distribution points: each DP deletes its copy.',
  description:
    "The image's status on those DPs goes, and each DP deletes its copy when it next looks at the site (within seconds), except while a multicast session of that DP still sends the image: it keeps the copy until the session ends. The last DP that holds an image keeps it (remove the image with Remove-OSImage).",
  impact: 'high',
  parameters: {
    Image: { type: 'string', position: 0, mandatory: true, aliases: ['ImageName'], complete: completeImages, description: 'Name or id of the image.' },
    DistributionPoint: { type: 'string[]', position: 1, mandatory: true, aliases: ['DistributionPointName'], description: 'DP name(s) to take it off.' },
    Force: { type: 'switch', description: 'Skips the confirmation (as -Confirm:$false).' },
    PassThru: { type: 'switch', description: 'Outputs the removed statuses.' },
  },
  outputType: { name: 'ContentDistributionStatus', view: CONTENT_STATUS_VIEW },
  examples: [{ title: 'The DPs must be DPs of the site', code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; Remove-ContentDistribution Win11 DP-EAST -Force", error: 'DistributionPointNotFound' }],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(`${params.Image} on ${params.DistributionPoint.join(', ')}`, 'Remove content', { force: params.Force }))) return;
    const removed = await engine(ctx, async (store) => {
      const { removeDistribution } = await import('../../src/engine/content/distribution.js');
      const site = store.read();
      const { removed: statuses, sending } = await removeDistribution(store, params.Image, params.DistributionPoint);
      for (const session of sending) ctx.writeWarning(`Multicast session ${session.id} on ${session.distributionPoint} sends this image: ${session.distributionPoint} keeps its copy until the session ends, then deletes it.`);
      return statuses.map((status) => contentStatusObject(site, status));
    });
    if (removed && params.PassThru) yield* removed;
  },
});
