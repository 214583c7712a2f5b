import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeDistributionPoints, engine } from '../engine.js';
import { dpObject, DP_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Get-DPMulticast',
  synopsis: "Shows the distribution point's multicast settings.",
  description: 'Shows whether multicast is enabled, the interface, the address and port ranges sessions take their groups from, the client limit, the rate cap, scheduled multicast and the slow-client policy. A new site serves on loopback only with multicast off. Each distribution point has its own settings (-DistributionPoint), or follows the site\'s defaults until it has some.',
  parameters: {
    DistributionPoint: { type: 'string', complete: completeDistributionPoints, description: 'The distribution point whose settings these are (default: the only one, or the one on this host; on a site with no DP yet, the defaults its DPs start from).' },
  },
  outputType: { name: 'DPMulticast', view: DP_VIEW },
  examples: [{ title: 'The defaults of a new site', code: 'Get-DPMulticast | Select-Object Enabled, Interface, StartUdpPort, EndUdpPort', output: [{ Enabled: false, Interface: 'lo', StartUdpPort: 63000, EndUdpPort: 64000 }] }],
  async *process(params, ctx) {
    const settings = await engine(ctx, async (store) => {
      const { targetSettings } = await import('../../src/engine/site/distribution-points.js');
      const site = store.read();
      return targetSettings(site, params.DistributionPoint);
    });
    if (settings) yield dpObject(settings);
  },
});
