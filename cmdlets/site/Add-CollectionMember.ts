import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeCollections, engine } from '../engine.js';
import { deviceObject, DEVICE_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Add-CollectionMember',
  synopsis: 'Adds machines to a device collection, by name, MAC address or piped objects.',
  description:
    "A machine the site does not know yet is created. Piped objects bind by property name: Name (or ComputerName, Hostname) and MacAddress (or MAC), so `Import-Csv lab.csv | Add-CollectionMember -Collection Lab1` works for a CSV with Name and MAC columns. A bad row is reported and the others are still added.",
  impact: 'low',
  parameters: {
    Collection: { type: 'string', mandatory: true, aliases: ['CollectionName'], complete: completeCollections, description: 'Name or id of the collection.' },
    Name: { type: 'string[]', position: 0, pipeline: 'property', aliases: ['ComputerName', 'Hostname', 'DeviceName'], description: 'Device name(s).' },
    MacAddress: { type: 'string', pipeline: 'property', aliases: ['MAC', 'Mac'], description: 'MAC address of the device (00:11:22:33:44:55, 00-11-22-33-44-55 or 001122334455).' },
  },
  outputType: { name: 'Device', view: DEVICE_VIEW },
  examples: [
    {
      title: 'Import a lab from CSV',
      code: "New-DeviceCollection Lab1 | Out-Null; Set-Content lab.csv \"Name,MAC`npc-01,00:11:22:33:44:01`npc-02,00-11-22-33-44-02\"; Import-Csv lab.csv | Add-CollectionMember -Collection Lab1 | Select-Object Name, MacAddress",
      output: [
        { Name: 'pc-01', MacAddress: '00:11:22:33:44:01' },
        { Name: 'pc-02', MacAddress: '00:11:22:33:44:02' },
      ],
    },
    { title: "A device name outside ConfigMgr's computer-name rule (1-15 letters, digits, hyphens) is refused", code: "New-DeviceCollection Lab1 | Out-Null; Add-CollectionMember -Collection Lab1 -Name 'pc 01'", error: 'InvalidDeviceName' },
    { title: 'A malformed MAC address is refused', code: 'New-DeviceCollection Lab1 | Out-Null; Add-CollectionMember -Collection Lab1 -Name pc-9 -MacAddress 00:11', error: 'InvalidMacAddress' },
  ],
  async *process(params, ctx) {
    const names: (string | undefined)[] = params.Name?.length ? params.Name : [undefined];
    for (const name of names) {
      const target = name ?? params.MacAddress ?? '';
      if (!(await ctx.shouldProcess(`${target} → ${params.Collection}`, 'Add collection member'))) continue;
      const device = await engine(ctx, async (store) => {
        const { addCollectionMember } = await import('../../src/engine/deploy/collections.js');
        const added = await addCollectionMember(store, params.Collection, { name, mac: names.length === 1 ? params.MacAddress : undefined });
        return deviceObject(store.read(), added);
      });
      if (device) yield device;
    }
  },
});
