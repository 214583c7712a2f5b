import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeBoundaries, engine, selectByName } from '../engine.js';
import { boundaryObject, BOUNDARY_VIEW } from '../boundary-objects.js';

export default defineCmdlet({
  name: 'Get-Boundary',
  synopsis: 'Lists boundaries, with the groups each is in and the boundaries it overlaps.',
  description: '-Name filters by name or id (wildcards allowed); -IPAddress lists the boundaries that hold an address.',
  parameters: {
    Name: { type: 'string', position: 0, aliases: ['Id'], complete: completeBoundaries, description: 'Name or id of the boundaries (wildcards allowed).' },
    IPAddress: { type: 'string', description: 'Only the boundaries that hold this IPv4 address.' },
  },
  outputType: { name: 'Boundary', view: BOUNDARY_VIEW },
  examples: [
    {
      title: 'Which boundaries hold an address',
      code: 'New-Boundary -IPSubnet 10.2.0.0/16 -Name East | Out-Null; New-Boundary -IPSubnet 10.3.0.0/16 -Name West | Out-Null; (Get-Boundary -IPAddress 10.2.7.1).Name',
      output: ['East'],
    },
  ],
  async *process(params, ctx) {
    const boundaries = await engine(ctx, async (store) => {
      const site = store.read();
      const { boundariesOfAddress, requireIPv4 } = await import('../../src/engine/site/boundaries.js');
      const candidates = params.IPAddress === undefined ? site.boundaries : boundariesOfAddress(site, requireIPv4(params.IPAddress, '-IPAddress'));
      return selectByName(ctx, params.Name, candidates, (b) => [b.name, b.id], { id: 'BoundaryNotFound', what: 'a boundary with the name or id' }).map((boundary) => boundaryObject(site, boundary));
    });
    yield* boundaries ?? [];
  },
});
