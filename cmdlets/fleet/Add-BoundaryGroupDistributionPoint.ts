import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeBoundaryGroups, completeDistributionPoints, engine } from '../engine.js';
import { boundaryGroupObject, BOUNDARY_GROUP_VIEW } from '../boundary-objects.js';

export default defineCmdlet({
  name: 'Add-BoundaryGroupDistributionPoint',
  synopsis: "Makes distribution points serve a boundary group's clients (ConfigMgr: Set-CMBoundaryGroup -AddSiteSystemServerName).",
  description:
    "The DPs are added at the end of the group's list, in the order given: a DP that a client in the group asks for content (and that does not serve the group itself) refers it to the group's DPs in this order, those Online and holding the image; the client takes the first it reaches, and the referring DP is its last resort. The DP must be registered in the site (`mcshell serve --name`, Get-DistributionPoint).",
  impact: 'low',
  parameters: {
    BoundaryGroup: { type: 'string', mandatory: true, aliases: ['BoundaryGroupName'], complete: completeBoundaryGroups, description: 'Name or id of the group.' },
    DistributionPoint: { type: 'string[]', position: 0, mandatory: true, pipeline: 'property', aliases: ['DistributionPointName', 'Name'], complete: completeDistributionPoints, description: 'Name(s) of the DPs, e.g. DP-EAST.' },
  },
  outputType: { name: 'BoundaryGroup', view: BOUNDARY_GROUP_VIEW },
  examples: [
    { title: 'A DP the site does not have is refused, listing the DPs it has', code: 'New-BoundaryGroup Lab | Out-Null; Add-BoundaryGroupDistributionPoint -BoundaryGroup Lab -DistributionPoint DP-NOWHERE', error: 'DistributionPointNotFound' },
  ],
  async *process(params, ctx) {
    for (const dp of params.DistributionPoint) {
      if (!(await ctx.shouldProcess(`${dp} → ${params.BoundaryGroup}`, 'Add boundary group distribution point'))) continue;
      const group = await engine(ctx, async (store) => {
        const { addBoundaryGroupDistributionPoint } = await import('../../src/engine/site/boundaries.js');
        return boundaryGroupObject(store.read(), await addBoundaryGroupDistributionPoint(store, params.BoundaryGroup, dp));
      });
      if (group) yield group;
    }
  },
});
