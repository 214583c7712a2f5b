import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine } from '../engine.js';
import { collectionObject, COLLECTION_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'New-DeviceCollection',
  synopsis: 'Creates a device collection (a set of machines a deployment targets).',
  description: 'Names are unique, compared without regard to case. Add machines with Add-CollectionMember.',
  impact: 'low',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, validate: { notEmpty: true }, description: 'Name of the collection, e.g. Lab1.' },
    Description: { type: 'string', description: 'Free text.' },
  },
  outputType: { name: 'DeviceCollection', view: COLLECTION_VIEW },
  examples: [
    { title: 'A collection for one classroom', code: "New-DeviceCollection Lab1 -Description 'Room 101' | Select-Object Id, Name, MemberCount", output: [{ Id: 'COL00001', Name: 'Lab1', MemberCount: 0 }] },
    { title: 'Names are unique', code: 'New-DeviceCollection Lab1 | Out-Null; New-DeviceCollection lab1', error: 'CollectionExists' },
  ],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(params.Name, 'Create collection'))) return;
    const result = await engine(ctx, async (store) => {
      const { newCollection } = await import('../../src/engine/deploy/collections.js');
      const collection = await newCollection(store, { name: params.Name, description: params.Description });
      return collectionObject(store.read(), collection);
    });
    if (result) yield result;
  },
});
