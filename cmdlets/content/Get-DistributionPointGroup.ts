import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine, selectByName } from '../engine.js';
import { dpGroupObject, DP_GROUP_VIEW } from '../content-objects.js';

export default defineCmdlet({
  name: 'Get-DistributionPointGroup',
  synopsis: 'Lists distribution point groups and their DPs.',
  description: '-Name filters by name or id and accepts wildcards.',
  parameters: {
    Name: { type: 'string', position: 0, aliases: ['Id'], description: 'Name or id of the groups (wildcards allowed).' },
  },
  outputType: { name: 'DistributionPointGroup', view: DP_GROUP_VIEW },
  examples: [
    { title: 'Groups by wildcard', code: 'New-DistributionPointGroup Branch-North | Out-Null; New-DistributionPointGroup Branch-South | Out-Null; (Get-DistributionPointGroup Branch-*).Name', output: ['Branch-North', 'Branch-South'] },
    { title: 'An unknown group', code: 'Get-DistributionPointGroup Nowhere', error: 'DistributionPointGroupNotFound' },
  ],
  async *process(params, ctx) {
    const groups = await engine(ctx, (store) =>
      selectByName(ctx, params.Name, store.read().distributionPointGroups, (group) => [group.name, group.id], { id: 'DistributionPointGroupNotFound', what: 'a distribution point group with the name or id' }).map(dpGroupObject),
    );
    yield* groups ?? [];
  },
});
