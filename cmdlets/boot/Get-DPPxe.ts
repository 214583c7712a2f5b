import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeDistributionPoints, engine, runningService } from '../engine.js';
import { pxeObject, PXE_VIEW } from '../pxe-objects.js';

export default defineCmdlet({
  name: 'Get-DPPxe',
  synopsis: "Shows the distribution point's PXE settings (ConfigMgr's DP PXE tab) and what it listens on.",
  description:
    'Shows whether PXE is enabled and answers, unknown computer support, whether a PXE password is set (never the password), the response delay, the interface, the boot image, the HTTP boot port, the DHCP mode and, while the DP service runs in this shell, the addresses its proxyDHCP, TFTP and HTTP boot listeners use. PXE is off on a new site. Each distribution point has its own PXE settings (-DistributionPoint).',
  parameters: {
    DistributionPoint: { type: 'string', complete: completeDistributionPoints, description: 'The distribution point whose PXE settings these are (default: the only one, or the one on this host; on a site with no DP yet, the defaults its DPs start from).' },
  },
  outputType: { name: 'DPPxe', view: PXE_VIEW },
  examples: [
    {
      title: 'The defaults of a new site',
      code: 'Get-DPPxe | Select-Object Enabled, AllowPxeResponse, UnknownComputerSupport, HttpPort, DhcpMode',
      output: [{ Enabled: false, AllowPxeResponse: true, UnknownComputerSupport: false, HttpPort: 8736, DhcpMode: 'ProxyDhcp' }],
    },
  ],
  async *process(params, ctx) {
    const result = await engine(ctx, async (store) => {
      const { targetSettings } = await import('../../src/engine/site/distribution-points.js');
      const site = store.read();
      const dp = targetSettings(site, params.DistributionPoint);
      return pxeObject(dp.pxe, dp.interface, runningService(store)?.pxeListeners() ?? null);
    });
    if (result) yield result;
  },
});
