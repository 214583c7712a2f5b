import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeDistributionPoints, engine } from '../engine.js';
import { distributionPointObject, DISTRIBUTION_POINT_VIEW } from '../fleet-objects.js';

export default defineCmdlet({
  name: 'Remove-DistributionPoint',
  synopsis: 'Removes a distribution point from the site.',
  description:
    "Refused while the DP is Online (stop it first), unless -Force. The DP is also taken out of the boundary groups and distribution point groups that list it, its content status goes, and sessions the site still lists as running on it are closed as failed; a warning says what was removed with it. A DP removed while it runs is told at its next heartbeat; restarted, it registers again.",
  impact: 'high',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, pipeline: 'property', complete: completeDistributionPoints, description: 'Name of the distribution point.' },
    Force: { type: 'switch', description: 'Skips the confirmation, and removes the DP even while it is Online.' },
    PassThru: { type: 'switch', description: 'Outputs the removed distribution point.' },
  },
  outputType: { name: 'DistributionPoint', view: DISTRIBUTION_POINT_VIEW },
  examples: [
    {
      title: 'Remove a DP that no longer runs',
      code: 'Start-DPService -Port 0 -Name DP-OLD | Out-Null; Stop-DPService; Remove-DistributionPoint DP-OLD -Confirm:$false; @(Get-DistributionPoint).Count',
      output: [0],
    },
    { title: 'A DP that is Online is refused without -Force', code: 'Start-DPService -Port 0 -Name DP-EAST | Out-Null; Remove-DistributionPoint DP-EAST -Confirm:$false; Stop-DPService', error: 'DistributionPointOnline' },
    { title: 'A name that is no DP of the site', code: 'Remove-DistributionPoint DP-NOWHERE -Force', error: 'DistributionPointNotFound' },
  ],
  async *process(params, ctx) {
    // What is not there (or is Online without -Force) is an error before anything is asked.
    const target = await engine(ctx, async (store) => {
      const { removeDistributionPoint } = await import('../../src/engine/site/distribution-points.js');
      return removeDistributionPoint(structuredClone(store.read()), params.Name, params.Force).record.name;
    });
    if (target === undefined || !(await ctx.shouldProcess(target, 'Remove distribution point', { force: params.Force }))) return;
    const removed = await engine(ctx, async (store) => {
      const { removeDistributionPoint } = await import('../../src/engine/site/distribution-points.js');
      const removed = await store.update((site) => removeDistributionPoint(site, params.Name, params.Force));
      return { removed, site: store.read() };
    });
    if (!removed) return;
    const { record, boundaryGroups, distributionPointGroups, contentStatuses, closedSessions } = removed.removed;
    const withIt = [
      boundaryGroups.length ? `from boundary group(s) ${boundaryGroups.join(', ')}` : '',
      distributionPointGroups.length ? `from distribution point group(s) ${distributionPointGroups.join(', ')}` : '',
      contentStatuses ? `its content status of ${contentStatuses} image(s)` : '',
      closedSessions.length ? `its running session(s) ${closedSessions.join(', ')}, closed as failed` : '',
    ].filter(Boolean);
    if (withIt.length) ctx.writeWarning(`Removed ${record.name}, and with it: ${withIt.join('; ')}.`);
    if (params.PassThru) yield distributionPointObject(removed.site, record, false);
  },
});
