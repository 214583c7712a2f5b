import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeBoundaryGroups, engine } from '../engine.js';
import { boundaryGroupObject, BOUNDARY_GROUP_VIEW } from '../boundary-objects.js';

export default defineCmdlet({
  name: 'Remove-BoundaryGroup',
  synopsis: 'Removes a boundary group; its boundaries stay in the site.',
  description: 'Clients in its boundaries are no longer referred to its DPs.',
  impact: 'high',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, pipeline: 'property', aliases: ['Id', 'BoundaryGroup'], complete: completeBoundaryGroups, description: 'Name or id of the group.' },
    Force: { type: 'switch', description: 'Skips the confirmation.' },
    PassThru: { type: 'switch', description: 'Outputs the removed group.' },
  },
  outputType: { name: 'BoundaryGroup', view: BOUNDARY_GROUP_VIEW },
  examples: [
    {
      title: 'The boundaries stay',
      code: 'New-Boundary -IPSubnet 10.2.0.0/16 -Name East | Out-Null; New-BoundaryGroup Lab | Out-Null; Add-BoundaryGroupMember -BoundaryGroup Lab -Boundary East | Out-Null; Get-BoundaryGroup Lab | Remove-BoundaryGroup -Confirm:$false; @(Get-BoundaryGroup).Count; (Get-Boundary East).BoundaryGroups.Count',
      output: [0, 0],
    },
    { title: 'Removing asks first; with no terminal to ask on, say -Force or -Confirm:$false', code: 'New-BoundaryGroup Lab | Out-Null; Remove-BoundaryGroup Lab', error: 'ConfirmationRequired' },
  ],
  async *process(params, ctx) {
    const target = await engine(ctx, async (store) => {
      const { findBoundaryGroup } = await import('../../src/engine/site/boundaries.js');
      const group = findBoundaryGroup(store.read(), params.Name);
      return `${group.name} (${group.id})`;
    });
    if (target === undefined || !(await ctx.shouldProcess(target, 'Remove boundary group', { force: params.Force }))) return;
    const removed = await engine(ctx, async (store) => {
      const site = store.read();
      const { removeBoundaryGroup } = await import('../../src/engine/site/boundaries.js');
      return boundaryGroupObject(site, await removeBoundaryGroup(store, params.Name));
    });
    if (removed && params.PassThru) yield removed;
  },
});
