import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine } from '../engine.js';
import { dpGroupObject, DP_GROUP_VIEW } from '../content-objects.js';

export default defineCmdlet({
  name: 'New-DistributionPointGroup',
  synopsis: "Creates a distribution point group (ConfigMgr's): a name for several DPs, to distribute content to all of them at once.",
  description: 'Names are unique, compared without regard to case. Members must be DPs of the site (Get-DistributionPoint); add more with Add-DistributionPointGroupMember.',
  impact: 'low',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, validate: { notEmpty: true }, description: 'Name of the group, e.g. Branches.' },
    Description: { type: 'string', description: 'Free text.' },
    DistributionPoint: { type: 'string[]', aliases: ['DistributionPointName'], description: 'DPs to put in the group at once.' },
  },
  outputType: { name: 'DistributionPointGroup', view: DP_GROUP_VIEW },
  examples: [
    { title: 'A group for the branch offices (members come with Add-DistributionPointGroupMember)', code: "New-DistributionPointGroup Branches -Description 'Every branch DP' | Select-Object Id, Name, MemberCount", output: [{ Id: 'DPG00001', Name: 'Branches', MemberCount: 0 }] },
    { title: 'A member must be a DP of the site', code: 'New-DistributionPointGroup Branches -DistributionPoint DP-NOWHERE', error: 'DistributionPointNotFound' },
  ],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(params.Name, 'Create distribution point group'))) return;
    const group = await engine(ctx, async (store) => {
      const { newDistributionPointGroup } = await import('../../src/engine/content/dp-groups.js');
      return dpGroupObject(await newDistributionPointGroup(store, { name: params.Name, description: params.Description, distributionPoints: params.DistributionPoint }));
    });
    if (group) yield group;
  },
});
