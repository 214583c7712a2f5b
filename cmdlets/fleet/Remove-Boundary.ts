import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeBoundaries, engine } from '../engine.js';
import { boundaryObject, BOUNDARY_VIEW } from '../boundary-objects.js';

export default defineCmdlet({
  name: 'Remove-Boundary',
  synopsis: 'Removes a boundary, and takes it out of every boundary group it was in.',
  description: 'Clients in it are no longer referred to those groups\' DPs (unless another boundary holds them).',
  impact: 'high',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, pipeline: 'property', aliases: ['Id', 'Boundary'], complete: completeBoundaries, description: 'Name or id of the boundary.' },
    Force: { type: 'switch', description: 'Skips the confirmation.' },
    PassThru: { type: 'switch', description: 'Outputs the removed boundary.' },
  },
  outputType: { name: 'Boundary', view: BOUNDARY_VIEW },
  examples: [
    {
      title: 'Removed from its groups too',
      code: 'New-Boundary -IPSubnet 10.2.0.0/16 -Name East | Out-Null; New-BoundaryGroup Lab | Out-Null; Add-BoundaryGroupMember -BoundaryGroup Lab -Boundary East | Out-Null; Remove-Boundary East -Force; @((Get-BoundaryGroup Lab).Boundaries).Count',
      output: [0],
    },
    { title: 'An unknown boundary is an error, before anything is asked', code: 'Remove-Boundary Nowhere', error: 'BoundaryNotFound' },
  ],
  async *process(params, ctx) {
    const target = await engine(ctx, async (store) => {
      const { findBoundary } = await import('../../src/engine/site/boundaries.js');
      const boundary = findBoundary(store.read(), params.Name);
      return `${boundary.name} (${boundary.value})`;
    });
    if (target === undefined || !(await ctx.shouldProcess(target, 'Remove boundary', { force: params.Force }))) return;
    const removed = await engine(ctx, async (store) => {
      const { removeBoundary } = await import('../../src/engine/site/boundaries.js');
      return boundaryObject(store.read(), await removeBoundary(store, params.Name));
    });
    if (removed && params.PassThru) yield removed;
  },
});
