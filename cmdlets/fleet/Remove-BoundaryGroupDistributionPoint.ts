import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeBoundaryGroups, completeDistributionPoints, engine } from '../engine.js';
import { boundaryGroupObject, BOUNDARY_GROUP_VIEW } from '../boundary-objects.js';

export default defineCmdlet({
  name: 'Remove-BoundaryGroupDistributionPoint',
  synopsis: "Stops distribution points serving a boundary group's clients.",
  description: 'The DP stays in the site and in its other groups.',
  impact: 'medium',
  parameters: {
    BoundaryGroup: { type: 'string', mandatory: true, aliases: ['BoundaryGroupName'], complete: completeBoundaryGroups, description: 'Name or id of the group.' },
    DistributionPoint: { type: 'string[]', position: 0, mandatory: true, pipeline: 'property', aliases: ['DistributionPointName', 'Name'], complete: completeDistributionPoints, description: 'Name(s) of the DPs.' },
    PassThru: { type: 'switch', description: 'Outputs the group.' },
  },
  outputType: { name: 'BoundaryGroup', view: BOUNDARY_GROUP_VIEW },
  examples: [
    { title: 'A DP that does not serve the group', code: 'New-BoundaryGroup Lab | Out-Null; Remove-BoundaryGroupDistributionPoint -BoundaryGroup Lab DP-EAST', error: 'DistributionPointNotInGroup' },
  ],
  async *process(params, ctx) {
    for (const dp of params.DistributionPoint) {
      if (!(await ctx.shouldProcess(`${dp} ← ${params.BoundaryGroup}`, 'Remove boundary group distribution point'))) continue;
      const group = await engine(ctx, async (store) => {
        const { removeBoundaryGroupDistributionPoint } = await import('../../src/engine/site/boundaries.js');
        return boundaryGroupObject(store.read(), await removeBoundaryGroupDistributionPoint(store, params.BoundaryGroup, dp));
      });
      if (group && params.PassThru) yield group;
    }
  },
});
