import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeBoundaryGroups, engine, selectByName } from '../engine.js';
import { boundaryGroupObject, BOUNDARY_GROUP_VIEW } from '../boundary-objects.js';

export default defineCmdlet({
  name: 'Get-BoundaryGroup',
  synopsis: 'Lists boundary groups with their boundaries and distribution points.',
  description:
    "-Name filters by name or id (wildcards allowed). -IPAddress lists the groups a client at that address falls in (every group of every boundary that holds it, in site order): a DP refers that client to these groups' DPs, in this order.",
  parameters: {
    Name: { type: 'string', position: 0, aliases: ['Id'], complete: completeBoundaryGroups, description: 'Name or id of the groups (wildcards allowed).' },
    IPAddress: { type: 'string', description: 'Only the groups a client at this IPv4 address falls in.' },
  },
  outputType: { name: 'BoundaryGroup', view: BOUNDARY_GROUP_VIEW },
  examples: [
    {
      title: 'The groups a client falls in, with overlapping boundaries',
      code: "New-Boundary -IPSubnet 10.2.0.0/16 -Name East | Out-Null; New-Boundary -IPRange 10.2.5.1-10.2.5.99 -Name Lab5 | Out-Null; New-BoundaryGroup Building | Out-Null; New-BoundaryGroup Room5 | Out-Null; Add-BoundaryGroupMember -BoundaryGroup Building -Boundary East | Out-Null; Add-BoundaryGroupMember -BoundaryGroup Room5 -Boundary Lab5 | Out-Null; (Get-BoundaryGroup -IPAddress 10.2.5.7).Name",
      output: ['Building', 'Room5'],
    },
  ],
  async *process(params, ctx) {
    const groups = await engine(ctx, async (store) => {
      const site = store.read();
      const { groupsOfAddress, requireIPv4 } = await import('../../src/engine/site/boundaries.js');
      const candidates = params.IPAddress === undefined ? site.boundaryGroups : groupsOfAddress(site, requireIPv4(params.IPAddress, '-IPAddress'));
      return selectByName(ctx, params.Name, candidates, (g) => [g.name, g.id], { id: 'BoundaryGroupNotFound', what: 'a boundary group with the name or id' }).map((group) => boundaryGroupObject(site, group));
    });
    yield* groups ?? [];
  },
});
