import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeImages, engine, parseBitsPerSecond } from '../engine.js';
import { contentStatusObject, CONTENT_STATUS_VIEW } from '../content-objects.js';

export default defineCmdlet({
  name: 'Start-ContentDistribution',
  synopsis: "Distributes an image to distribution points (ConfigMgr's Start-CMContentDistribution).",
  description:
    'Each DP named (directly or through -DistributionPointGroup) that does not hold the image yet becomes Waiting; the DP then pulls the image from a DP that holds it (-SourceDistributionPoint, or any Online one), range by range over the source\'s pinned HTTPS endpoint, verifies it and becomes Success, resuming where it stopped after a restart. A DP that failed is tried again. Follow it with Get-ContentDistributionStatus.',
  impact: 'medium',
  parameters: {
    Image: { type: 'string', position: 0, mandatory: true, aliases: ['ImageName'], complete: completeImages, description: 'Name or id of the image.' },
    DistributionPoint: { type: 'string[]', aliases: ['DistributionPointName'], description: 'DP name(s) to distribute to.' },
    DistributionPointGroup: { type: 'string[]', aliases: ['DistributionPointGroupName'], description: 'DP group name(s) or id(s): every DP in them.' },
    SourceDistributionPoint: { type: 'string', description: 'Pull from this DP only (it must hold the image); by default any Online DP that holds it.' },
    RateLimit: { type: 'string', description: 'Cap on each DP\'s pull rate in bits per second (e.g. 50Mbps, 50M, 1G); none by default.' },
  },
  outputType: { name: 'ContentDistributionStatus', view: CONTENT_STATUS_VIEW },
  examples: [
    { title: 'The DPs must be DPs of the site', code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; Start-ContentDistribution -Image Win11 -DistributionPoint DP-EAST", error: 'DistributionPointNotFound' },
    { title: 'A rate needs a number and a unit', code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; Start-ContentDistribution Win11 -DistributionPoint DP-EAST -RateLimit fast", error: 'InvalidRate' },
    { title: 'Where to, at least', code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; Start-ContentDistribution Win11", error: 'NoDistributionPointGiven' },
  ],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(params.Image, 'Distribute content'))) return;
    const statuses = await engine(ctx, async (store) => {
      const { startDistribution } = await import('../../src/engine/content/distribution.js');
      const rateLimitBps = params.RateLimit === undefined ? null : await parseBitsPerSecond(params.RateLimit, 'RateLimit');
      const started = await startDistribution(store, { image: params.Image, distributionPoints: params.DistributionPoint, distributionPointGroups: params.DistributionPointGroup, source: params.SourceDistributionPoint, rateLimitBps });
      const site = store.read();
      return started.map((status) => contentStatusObject(site, status));
    });
    yield* statuses ?? [];
  },
});
