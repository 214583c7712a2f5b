import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeDistributionPoints, engine } from '../engine.js';
import { distributionPointObject, DISTRIBUTION_POINT_VIEW } from '../fleet-objects.js';

export default defineCmdlet({
  name: 'Set-DistributionPoint',
  synopsis: "Changes a distribution point's description.",
  description:
    'A DP keeps what it says of itself up to date (endpoint, certificate, interfaces, subnets, version) at every start; the admin sets its description. Its multicast and PXE settings are changed with Set-DPMulticast and Set-DPPxe -DistributionPoint.',
  impact: 'low',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, pipeline: 'property', complete: completeDistributionPoints, description: 'Name of the distribution point.' },
    Description: { type: 'string', description: 'What the DP is for, or where it stands (e.g. "Building B, lab floor").' },
    PassThru: { type: 'switch', description: 'Outputs the changed distribution point.' },
  },
  outputType: { name: 'DistributionPoint', view: DISTRIBUTION_POINT_VIEW },
  examples: [
    {
      title: 'Describe a DP',
      code: "Start-DPService -Port 0 -Name DP-EAST | Out-Null; Stop-DPService; Set-DistributionPoint DP-EAST -Description 'East wing' -PassThru | Select-Object Name, Description",
      output: [{ Name: 'DP-EAST', Description: 'East wing' }],
    },
    { title: 'A name that is no DP of the site', code: "Set-DistributionPoint DP-NOWHERE -Description 'x'", error: 'DistributionPointNotFound' },
  ],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(params.Name, 'Set distribution point'))) return;
    const changed = await engine(ctx, async (store) => {
      const { isOnline, setDistributionPoint } = await import('../../src/engine/site/distribution-points.js');
      const record = await store.update((site) => setDistributionPoint(site, params.Name, { ...(params.Description !== undefined ? { description: params.Description } : {}) }));
      return distributionPointObject(store.read(), record, isOnline(record));
    });
    if (changed && params.PassThru) yield changed;
  },
});
