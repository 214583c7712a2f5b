import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine } from '../engine.js';
import { dpGroupObject, DP_GROUP_VIEW } from '../content-objects.js';

export default defineCmdlet({
  name: 'Remove-DistributionPointGroupMember',
  synopsis: 'Takes distribution points out of a distribution point group.',
  description: 'The content on those DPs stays (Remove-ContentDistribution removes it).',
  impact: 'medium',
  parameters: {
    Group: { type: 'string', position: 0, mandatory: true, aliases: ['DistributionPointGroupName', 'GroupName'], description: 'Name or id of the group.' },
    DistributionPoint: { type: 'string[]', position: 1, mandatory: true, aliases: ['DistributionPointName'], description: 'DP name(s) to take out.' },
    PassThru: { type: 'switch', description: 'Outputs the group.' },
  },
  outputType: { name: 'DistributionPointGroup', view: DP_GROUP_VIEW },
  examples: [{ title: 'A DP that is not in the group', code: 'New-DistributionPointGroup Branches | Out-Null; Remove-DistributionPointGroupMember Branches DP-EAST', error: 'NotAGroupMember' }],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(params.Group, `Remove ${params.DistributionPoint.join(', ')}`))) return;
    const group = await engine(ctx, async (store) => {
      const { removeDistributionPointGroupMembers } = await import('../../src/engine/content/dp-groups.js');
      return dpGroupObject(await removeDistributionPointGroupMembers(store, params.Group, params.DistributionPoint));
    });
    if (group && params.PassThru) yield group;
  },
});
