import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine } from '../engine.js';
import { dpObject, DP_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Get-DPMulticast',
  synopsis: "Shows the distribution point's multicast settings.",
  description: 'Shows whether multicast is enabled, the interface, the address and port ranges sessions take their groups from, the client limit, the rate cap, scheduled multicast and the slow-client policy. A new site serves on loopback only with multicast off.',
  parameters: {},
  outputType: { name: 'DPMulticast', view: DP_VIEW },
  examples: [{ title: 'The defaults of a new site', code: 'Get-DPMulticast | Select-Object Enabled, Interface, StartUdpPort, EndUdpPort', output: [{ Enabled: false, Interface: 'lo', StartUdpPort: 63000, EndUdpPort: 64000 }] }],
  async *process(_params, ctx) {
    const settings = await engine(ctx, (store) => store.read().dp);
    if (settings) yield dpObject(settings);
  },
});
