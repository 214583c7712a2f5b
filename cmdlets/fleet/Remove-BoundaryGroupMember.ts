import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeBoundaries, completeBoundaryGroups, engine } from '../engine.js';
import { boundaryGroupObject, BOUNDARY_GROUP_VIEW } from '../boundary-objects.js';

export default defineCmdlet({
  name: 'Remove-BoundaryGroupMember',
  synopsis: 'Takes boundaries out of a boundary group (ConfigMgr: Remove-CMBoundaryFromGroup).',
  description: 'The boundary stays in the site and in its other groups.',
  impact: 'medium',
  parameters: {
    BoundaryGroup: { type: 'string', mandatory: true, aliases: ['BoundaryGroupName'], complete: completeBoundaryGroups, description: 'Name or id of the group.' },
    Boundary: { type: 'string[]', position: 0, mandatory: true, pipeline: 'property', aliases: ['Name', 'BoundaryName'], complete: completeBoundaries, description: 'Name(s) or id(s) of the boundaries.' },
    PassThru: { type: 'switch', description: 'Outputs the group.' },
  },
  outputType: { name: 'BoundaryGroup', view: BOUNDARY_GROUP_VIEW },
  examples: [
    {
      title: 'Take one boundary out',
      code: 'New-BoundaryGroup Lab | Out-Null; New-Boundary -IPSubnet 10.2.0.0/16 -Name East | Out-Null; New-Boundary -IPSubnet 10.3.0.0/16 -Name West | Out-Null; Add-BoundaryGroupMember -BoundaryGroup Lab East, West | Out-Null; Remove-BoundaryGroupMember -BoundaryGroup Lab East; (Get-BoundaryGroup Lab).Boundaries',
      output: ['West'],
    },
    { title: 'A boundary that is not a member', code: 'New-BoundaryGroup Lab | Out-Null; New-Boundary -IPSubnet 10.2.0.0/16 -Name East | Out-Null; Remove-BoundaryGroupMember -BoundaryGroup Lab East', error: 'BoundaryNotInGroup' },
  ],
  async *process(params, ctx) {
    for (const boundary of params.Boundary) {
      if (!(await ctx.shouldProcess(`${boundary} ← ${params.BoundaryGroup}`, 'Remove boundary group member'))) continue;
      const group = await engine(ctx, async (store) => {
        const { removeBoundaryGroupMember } = await import('../../src/engine/site/boundaries.js');
        return boundaryGroupObject(store.read(), await removeBoundaryGroupMember(store, params.BoundaryGroup, boundary));
      });
      if (group && params.PassThru) yield group;
    }
  },
});
