import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeCollections, engine, selectByName } from '../engine.js';
import { collectionObject, COLLECTION_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Get-DeviceCollection',
  synopsis: 'Lists device collections and their members.',
  description: '-Name filters by name or id and accepts wildcards.',
  parameters: {
    Name: { type: 'string', position: 0, aliases: ['Id'], complete: completeCollections, description: 'Name or id of the collections (wildcards allowed).' },
  },
  outputType: { name: 'DeviceCollection', view: COLLECTION_VIEW },
  examples: [
    {
      title: 'Members of a collection',
      code: "New-DeviceCollection Lab1 | Out-Null; Add-CollectionMember -Collection Lab1 -Name pc-01, pc-02 | Out-Null; (Get-DeviceCollection Lab1).Members",
      output: ['pc-01', 'pc-02'],
    },
  ],
  async *process(params, ctx) {
    const collections = await engine(ctx, (store) => {
      const site = store.read();
      return selectByName(ctx, params.Name, site.collections, (c) => [c.name, c.id], { id: 'CollectionNotFound', what: 'a collection with the name or id' }).map((collection) => collectionObject(site, collection));
    });
    yield* collections ?? [];
  },
});
