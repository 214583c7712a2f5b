import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeImages, engine, matchesName } from '../engine.js';
import { contentStatusObject, CONTENT_STATUS_VIEW } from '../content-objects.js';

export default defineCmdlet({
  name: 'Get-ContentDistributionStatus',
  synopsis: "Where each image stands on each distribution point (ConfigMgr's content status): Waiting, InProgress with its percent, Success, or Failed with the reason.",
  description: '-Image and -DistributionPoint filter (names or ids; wildcards allowed).',
  parameters: {
    Image: { type: 'string', position: 0, aliases: ['ImageName'], complete: completeImages, description: 'Name or id of the image (wildcards allowed).' },
    DistributionPoint: { type: 'string', aliases: ['DistributionPointName'], description: 'DP name (wildcards allowed).' },
  },
  outputType: { name: 'ContentDistributionStatus', view: CONTENT_STATUS_VIEW },
  examples: [{ title: 'An image imported on a machine that is no DP of the site is on no DP yet', code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; @(Get-ContentDistributionStatus -Image Win11).Count", output: [0] }],
  async *process(params, ctx) {
    const statuses = await engine(ctx, (store) => {
      const site = store.read();
      return site.contentDistributions.map((status) => contentStatusObject(site, status)).filter((status) => matchesName(params.Image, status.Image, status.ImageId) && matchesName(params.DistributionPoint, status.DistributionPoint));
    });
    yield* statuses ?? [];
  },
});
