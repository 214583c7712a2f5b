import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine } from '../engine.js';
import { boundaryGroupObject, BOUNDARY_GROUP_VIEW } from '../boundary-objects.js';

export default defineCmdlet({
  name: 'New-BoundaryGroup',
  synopsis: 'Creates a boundary group: boundaries whose clients are served by the group\'s distribution points (ConfigMgr: New-CMBoundaryGroup).',
  description: 'Add boundaries with Add-BoundaryGroupMember and DPs with Add-BoundaryGroupDistributionPoint. Names are unique, compared without regard to case.',
  impact: 'low',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, validate: { notEmpty: true }, description: 'Name of the group, e.g. Lab-East.' },
    Description: { type: 'string', description: 'Free text.' },
  },
  outputType: { name: 'BoundaryGroup', view: BOUNDARY_GROUP_VIEW },
  examples: [
    { title: 'A group for a building', code: "New-BoundaryGroup Lab-East -Description 'Building E' | Select-Object Id, Name, Description", output: [{ Id: 'BG00001', Name: 'Lab-East', Description: 'Building E' }] },
    { title: 'Names are unique', code: 'New-BoundaryGroup Lab | Out-Null; New-BoundaryGroup lab', error: 'BoundaryGroupExists' },
  ],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(params.Name, 'Create boundary group'))) return;
    const group = await engine(ctx, async (store) => {
      const { newBoundaryGroup } = await import('../../src/engine/site/boundaries.js');
      return boundaryGroupObject(store.read(), await newBoundaryGroup(store, { name: params.Name, description: params.Description }));
    });
    if (group) yield group;
  },
});
