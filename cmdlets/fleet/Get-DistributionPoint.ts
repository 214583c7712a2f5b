import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeDistributionPoints, engine, selectByName } from '../engine.js';
import { distributionPointObject, DISTRIBUTION_POINT_VIEW } from '../fleet-objects.js';

export default defineCmdlet({
  name: 'Get-DistributionPoint',
  synopsis: "Lists the site's distribution points and whether each is Online.",
  description:
    "A distribution point registers itself when `mcshell serve --name …` or Start-DPService starts, and heartbeats every 10 seconds while it runs. Status is Online while its last heartbeat is at most 30 seconds old, else Offline (a DP stopped cleanly is Offline at once; one that died shows Offline within 30 seconds, and the sessions it ran are then marked failed). Endpoint is its control endpoint (what clients, other DPs and admin shells reach, pinning its Fingerprint); Subnets are those of its interface; Sessions counts the sessions it runs now; OwnSettings tells whether it has settings of its own (Set-DPMulticast -DistributionPoint) or follows the site's defaults. -Name filters by name and accepts wildcards.",
  parameters: {
    Name: { type: 'string', position: 0, complete: completeDistributionPoints, description: 'Name of the distribution points to show (wildcards allowed).' },
  },
  outputType: { name: 'DistributionPoint', view: DISTRIBUTION_POINT_VIEW },
  examples: [
    {
      title: 'A DP started in this shell registers itself; stopped, it is Offline at once',
      code: 'Start-DPService -Port 0 -Name DP-EAST | Out-Null; Get-DistributionPoint DP-EAST | Select-Object Name, Status; Stop-DPService; Get-DistributionPoint | Select-Object Name, Status',
      output: [
        { Name: 'DP-EAST', Status: 'Online' },
        { Name: 'DP-EAST', Status: 'Offline' },
      ],
    },
    { title: 'A name that is no DP of the site', code: 'Get-DistributionPoint DP-NOWHERE', error: 'DistributionPointNotFound' },
  ],
  async *process(params, ctx) {
    const found = await engine(ctx, async (store) => {
      const { isOnline } = await import('../../src/engine/site/distribution-points.js');
      const site = store.read();
      const now = Date.now();
      return { site, online: (record: (typeof site.distributionPoints)[number]) => isOnline(record, now) };
    });
    if (!found) return;
    const { site, online } = found;
    for (const record of selectByName(ctx, params.Name, site.distributionPoints, (dp) => [dp.name], { id: 'DistributionPointNotFound', what: 'a distribution point named' })) {
      yield distributionPointObject(site, record, online(record));
    }
  },
});
