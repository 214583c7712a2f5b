import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeBoundaries, engine } from '../engine.js';
import { boundaryObject, BOUNDARY_VIEW, overlapWarning } from '../boundary-objects.js';

export default defineCmdlet({
  name: 'Set-Boundary',
  synopsis: 'Renames a boundary or changes its subnet or range (ConfigMgr: Set-CMBoundary -NewName -Value).',
  description: 'The type stays: -Value is a subnet for an IPSubnet boundary, a range for an IPRange one. The boundary stays in its groups.',
  impact: 'medium',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, pipeline: 'property', aliases: ['Id', 'Boundary'], complete: completeBoundaries, description: 'Name or id of the boundary.' },
    NewName: { type: 'string', validate: { notEmpty: true }, description: 'Its new name.' },
    Value: { type: 'string', description: 'Its new subnet (10.2.0.0/16) or range (10.2.0.10-10.2.0.200).' },
    PassThru: { type: 'switch', description: 'Outputs the changed boundary.' },
  },
  outputType: { name: 'Boundary', view: BOUNDARY_VIEW },
  examples: [
    { title: 'Widen a subnet', code: 'New-Boundary -IPSubnet 10.2.0.0/24 -Name East | Out-Null; (Set-Boundary East -Value 10.2.0.0/16 -PassThru).Value', output: ['10.2.0.0/16'] },
    { title: 'A range for a subnet boundary is refused', code: 'New-Boundary -IPSubnet 10.2.0.0/24 -Name East | Out-Null; Set-Boundary East -Value 10.2.0.1-10.2.0.9', error: 'InvalidBoundary' },
  ],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(params.Name, 'Change boundary'))) return;
    const result = await engine(ctx, async (store) => {
      const { setBoundary } = await import('../../src/engine/site/boundaries.js');
      const boundary = await setBoundary(store, params.Name, { name: params.NewName, value: params.Value });
      const site = store.read();
      return { object: boundaryObject(site, boundary), warning: params.Value === undefined ? null : overlapWarning(site, boundary) };
    });
    if (!result) return;
    if (result.warning) ctx.writeWarning(result.warning);
    if (params.PassThru) yield result.object;
  },
});
