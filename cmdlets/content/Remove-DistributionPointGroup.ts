import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine } from '../engine.js';
import { dpGroupObject, DP_GROUP_VIEW } from '../content-objects.js';

export default defineCmdlet({
  name: 'Remove-DistributionPointGroup',
  synopsis: 'Removes a distribution point group.',
  description: 'Only the group goes: its DPs and the content on them stay.',
  impact: 'high',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, pipeline: 'property', aliases: ['Id'], description: 'Name or id of the group.' },
    Force: { type: 'switch', description: 'Skips the confirmation (as -Confirm:$false).' },
    PassThru: { type: 'switch', description: 'Outputs the removed group.' },
  },
  outputType: { name: 'DistributionPointGroup', view: DP_GROUP_VIEW },
  examples: [
    { title: 'Remove a group', code: 'New-DistributionPointGroup Branches | Out-Null; Remove-DistributionPointGroup Branches -Force; @(Get-DistributionPointGroup).Count', output: [0] },
    { title: 'An unknown group', code: 'Remove-DistributionPointGroup Nowhere -Force', error: 'DistributionPointGroupNotFound' },
  ],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(params.Name, 'Remove distribution point group', { force: params.Force }))) return;
    const group = await engine(ctx, async (store) => {
      const { removeDistributionPointGroup } = await import('../../src/engine/content/dp-groups.js');
      return dpGroupObject(await removeDistributionPointGroup(store, params.Name));
    });
    if (group && params.PassThru) yield group;
  },
});
