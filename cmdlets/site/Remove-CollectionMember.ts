import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeCollections, completeDevices, engine } from '../engine.js';
import { deviceObject, DEVICE_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Remove-CollectionMember',
  synopsis: 'Removes machines from a device collection.',
  description: 'The device stays known to the site (and in its other collections).',
  impact: 'medium',
  parameters: {
    Collection: { type: 'string', mandatory: true, aliases: ['CollectionName'], complete: completeCollections, description: 'Name or id of the collection.' },
    Member: { type: 'string', position: 0, mandatory: true, pipeline: 'property', aliases: ['Name', 'Id', 'MacAddress'], complete: completeDevices, description: 'Device name, id or MAC address.' },
    PassThru: { type: 'switch', description: 'Outputs the removed device.' },
  },
  outputType: { name: 'Device', view: DEVICE_VIEW },
  examples: [
    {
      title: 'Remove one machine',
      code: "New-DeviceCollection Lab1 | Out-Null; Add-CollectionMember -Collection Lab1 -Name pc-01, pc-02 | Out-Null; Remove-CollectionMember -Collection Lab1 pc-01; (Get-DeviceCollection Lab1).Members",
      output: ['pc-02'],
    },
    { title: 'A machine that is not a member', code: 'New-DeviceCollection Lab1 | Out-Null; Remove-CollectionMember -Collection Lab1 pc-77', error: 'MemberNotFound' },
  ],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(`${params.Member} ← ${params.Collection}`, 'Remove collection member'))) return;
    const device = await engine(ctx, async (store) => {
      const { removeCollectionMember } = await import('../../src/engine/deploy/collections.js');
      return deviceObject(store.read(), await removeCollectionMember(store, params.Collection, params.Member));
    });
    if (device && params.PassThru) yield device;
  },
});
