import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeBoundaries, completeBoundaryGroups, engine } from '../engine.js';
import { boundaryGroupObject, BOUNDARY_GROUP_VIEW } from '../boundary-objects.js';

export default defineCmdlet({
  name: 'Add-BoundaryGroupMember',
  synopsis: 'Adds boundaries to a boundary group (ConfigMgr: Add-CMBoundaryToGroup).',
  description: 'A boundary may be in several groups. Piped boundaries (Get-Boundary, New-Boundary) bind by their Name. Adding a member twice changes nothing.',
  impact: 'low',
  parameters: {
    BoundaryGroup: { type: 'string', mandatory: true, aliases: ['BoundaryGroupName'], complete: completeBoundaryGroups, description: 'Name or id of the group.' },
    Boundary: { type: 'string[]', position: 0, mandatory: true, pipeline: 'property', aliases: ['Name', 'BoundaryName'], complete: completeBoundaries, description: 'Name(s) or id(s) of the boundaries.' },
  },
  outputType: { name: 'BoundaryGroup', view: BOUNDARY_GROUP_VIEW },
  examples: [
    {
      title: 'Pipe new boundaries into a group',
      code: 'New-BoundaryGroup Lab | Out-Null; New-Boundary -IPSubnet 10.2.0.0/16 | Add-BoundaryGroupMember -BoundaryGroup Lab | Out-Null; (Get-BoundaryGroup Lab).Boundaries',
      output: ['10.2.0.0/16'],
    },
    { title: 'An unknown group lists the known ones', code: 'New-Boundary -IPSubnet 10.2.0.0/16 -Name East | Out-Null; Add-BoundaryGroupMember -BoundaryGroup Nowhere -Boundary East', error: 'BoundaryGroupNotFound' },
  ],
  async *process(params, ctx) {
    for (const boundary of params.Boundary) {
      if (!(await ctx.shouldProcess(`${boundary} → ${params.BoundaryGroup}`, 'Add boundary group member'))) continue;
      const group = await engine(ctx, async (store) => {
        const { addBoundaryGroupMember } = await import('../../src/engine/site/boundaries.js');
        const changed = await addBoundaryGroupMember(store, params.BoundaryGroup, boundary);
        return boundaryGroupObject(store.read(), changed);
      });
      if (group) yield group;
    }
  },
});
