import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine } from '../engine.js';
import { boundaryObject, BOUNDARY_VIEW, overlapWarning } from '../boundary-objects.js';

export default defineCmdlet({
  name: 'New-Boundary',
  synopsis: 'Creates a boundary: an IPv4 subnet or address range that clients are in (ConfigMgr: New-CMBoundary).',
  description:
    'A boundary names a network location; put it in a boundary group (Add-BoundaryGroupMember) whose distribution points then serve the clients in it. -IPSubnet takes CIDR form with no host bits set (10.2.0.0/16, not 10.2.3.4/16); -IPRange takes first-last. The value is unique in the site; -Name defaults to it. Boundaries may overlap, as in ConfigMgr: a client in both falls in the groups of both, and a warning names them.',
  impact: 'low',
  parameters: {
    IPSubnet: { type: 'string', mandatory: true, sets: ['IPSubnet'], description: 'An IPv4 subnet in CIDR form, e.g. 10.2.0.0/16.' },
    IPRange: { type: 'string', mandatory: true, sets: ['IPRange'], description: 'An IPv4 address range, e.g. 10.2.0.10-10.2.0.200.' },
    Name: { type: 'string', validate: { notEmpty: true }, description: 'Name of the boundary (default: its value).' },
  },
  outputType: { name: 'Boundary', view: BOUNDARY_VIEW },
  examples: [
    { title: 'A subnet', code: 'New-Boundary -IPSubnet 10.2.0.0/16 -Name East | Select-Object Id, Name, Type, Value', output: [{ Id: 'BND00001', Name: 'East', Type: 'IPSubnet', Value: '10.2.0.0/16' }] },
    { title: 'An address range, named by its value', code: '(New-Boundary -IPRange 10.2.0.10-10.2.0.200).Name', output: ['10.2.0.10-10.2.0.200'] },
    { title: 'A subnet with host bits set is refused, naming the subnet meant', code: 'New-Boundary -IPSubnet 10.2.3.4/16', error: 'BoundaryHostBitsSet' },
    { title: 'Not CIDR', code: 'New-Boundary -IPSubnet 10.2.0.0/33', error: 'InvalidBoundary' },
  ],
  async *process(params, ctx) {
    const type = params.IPSubnet !== undefined ? 'IPSubnet' : 'IPRange';
    const value = params.IPSubnet ?? params.IPRange ?? '';
    if (!(await ctx.shouldProcess(`${type} ${value}`, 'Create boundary'))) return;
    const result = await engine(ctx, async (store) => {
      const { newBoundary } = await import('../../src/engine/site/boundaries.js');
      const boundary = await newBoundary(store, { type, value, name: params.Name });
      const site = store.read();
      return { object: boundaryObject(site, boundary), warning: overlapWarning(site, boundary) };
    });
    if (!result) return;
    if (result.warning) ctx.writeWarning(result.warning);
    yield result.object;
  },
});
