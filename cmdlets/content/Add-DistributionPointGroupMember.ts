import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine } from '../engine.js';
import { dpGroupObject, DP_GROUP_VIEW } from '../content-objects.js';

export default defineCmdlet({
  name: 'Add-DistributionPointGroupMember',
  synopsis: 'Adds distribution points to a distribution point group.',
  description: 'Every name must be a DP of the site; one already in the group stays once. Content distributed to the group before is not sent to the new members: distribute it again (Start-ContentDistribution -DistributionPointGroup).',
  impact: 'low',
  parameters: {
    Group: { type: 'string', position: 0, mandatory: true, aliases: ['DistributionPointGroupName', 'GroupName'], description: 'Name or id of the group.' },
    DistributionPoint: { type: 'string[]', position: 1, mandatory: true, aliases: ['DistributionPointName'], description: 'DP name(s) to add.' },
    PassThru: { type: 'switch', description: 'Outputs the group.' },
  },
  outputType: { name: 'DistributionPointGroup', view: DP_GROUP_VIEW },
  examples: [{ title: 'Only DPs of the site can join', code: 'New-DistributionPointGroup Branches | Out-Null; Add-DistributionPointGroupMember Branches -DistributionPoint DP-NOWHERE', error: 'DistributionPointNotFound' }],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(params.Group, `Add ${params.DistributionPoint.join(', ')}`))) return;
    const group = await engine(ctx, async (store) => {
      const { addDistributionPointGroupMembers } = await import('../../src/engine/content/dp-groups.js');
      return dpGroupObject(await addDistributionPointGroupMembers(store, params.Group, params.DistributionPoint));
    });
    if (group && params.PassThru) yield group;
  },
});
