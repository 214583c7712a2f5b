import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeCollections, completeDevices, engine, selectByName } from '../engine.js';
import { deviceObject, DEVICE_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Get-Device',
  synopsis: 'Lists the machines the site knows, with their collections.',
  description: '-Name filters by name, id or MAC address (wildcards allowed); -Collection keeps the members of one collection.',
  parameters: {
    Name: { type: 'string', position: 0, aliases: ['Id', 'MacAddress'], complete: completeDevices, description: 'Name, id or MAC address (wildcards allowed).' },
    Collection: { type: 'string', complete: completeCollections, description: 'Only members of this collection (name or id).' },
  },
  outputType: { name: 'Device', view: DEVICE_VIEW },
  examples: [
    {
      title: 'Devices of a collection',
      code: "New-DeviceCollection Lab1 | Out-Null; Add-CollectionMember -Collection Lab1 -Name pc-01 -MacAddress '00-11-22-33-44-01' | Out-Null; Get-Device -Collection Lab1 | Select-Object Name, MacAddress, Collections",
      output: [{ Name: 'pc-01', MacAddress: '00:11:22:33:44:01', Collections: ['Lab1'] }],
    },
  ],
  async *process(params, ctx) {
    const devices = await engine(ctx, async (store) => {
      const site = store.read();
      let members: Set<string> | null = null;
      if (params.Collection) {
        const { findCollection } = await import('../../src/engine/deploy/collections.js');
        members = new Set(findCollection(site, params.Collection).memberIds);
      }
      const named = selectByName(ctx, params.Name, site.devices, (d) => [d.name, d.id, d.mac ?? ''], { id: 'DeviceNotFound', what: 'a device with the name, id or MAC address' });
      return named.filter((device) => !members || members.has(device.id)).map((device) => deviceObject(site, device));
    });
    yield* devices ?? [];
  },
});
