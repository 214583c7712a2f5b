import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeCollections, completeTaskSequences, engine } from '../engine.js';
import { deploymentObject, DEPLOYMENT_VIEW } from '../objects.js';
import type { DeploymentOption } from '../../src/engine/site/model.js';

/** ConfigMgr's long names for the deployment options, accepted as values too. */
const OPTION_NAMES: Record<string, DeploymentOption> = {
  DownloadWhenNeeded: 'DownloadWhenNeeded',
  DownloadAllFirst: 'DownloadAllFirst',
  AccessDirectly: 'AccessDirectly',
  DownloadContentLocallyWhenNeededByRunningTaskSequence: 'DownloadWhenNeeded',
  DownloadAllContentLocallyBeforeStartingTaskSequence: 'DownloadAllFirst',
  RunFromDistributionPoint: 'AccessDirectly',
};

export default defineCmdlet({
  name: 'New-TSDeployment',
  synopsis: 'Deploys a task sequence to a device collection.',
  description:
    "DownloadWhenNeeded and DownloadAllFirst can use multicast; AccessDirectly always downloads by unicast. A multicast-only image requires DownloadWhenNeeded (ConfigMgr's rule). Clients get a deployment from -AvailableAfter until -ExpiresAt; required deployments run automatically, available ones on request. ConfigMgr's option names (DownloadContentLocallyWhenNeededByRunningTaskSequence, …) and -DeployPurpose are accepted. A deployment identical to an existing one is refused unless -Force: it would deploy the same task sequence to the same machines again.",
  impact: 'medium',
  parameters: {
    TaskSequence: { type: 'string', mandatory: true, position: 0, aliases: ['TaskSequenceName'], complete: completeTaskSequences, description: 'Name or id of the task sequence.' },
    Collection: { type: 'string', mandatory: true, position: 1, aliases: ['CollectionName'], complete: completeCollections, description: 'Name or id of the target collection.' },
    DeploymentOption: { type: 'enum', values: Object.keys(OPTION_NAMES), default: 'DownloadWhenNeeded', description: 'How clients get the content: DownloadWhenNeeded, DownloadAllFirst (both multicast-capable) or AccessDirectly (unicast only).' },
    Availability: { type: 'enum', values: ['Clients', 'ClientsMediaAndPxe', 'MediaAndPxe'], default: 'Clients', description: 'Who may run it: client agents, and/or media and PXE.' },
    Purpose: { type: 'enum', values: ['Available', 'Required'], aliases: ['DeployPurpose'], default: 'Required', description: 'Required deployments run automatically; available ones when asked for.' },
    AvailableAfter: { type: 'date', description: 'Not offered before this time.' },
    ExpiresAt: { type: 'date', description: 'No longer offered from this time.' },
    Force: { type: 'switch', description: 'Create the deployment even when an identical one (same task sequence, collection, purpose, option, availability and schedule) exists.' },
  },
  outputType: { name: 'TSDeployment', view: DEPLOYMENT_VIEW },
  examples: [
    {
      title: 'Deploy to a lab',
      code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; New-TaskSequence Lab -Image Win11 -Target /dev/sda | Out-Null; New-DeviceCollection Lab1 | Out-Null; New-TSDeployment -TaskSequence Lab -Collection Lab1 -DeploymentOption DownloadContentLocallyWhenNeededByRunningTaskSequence | Select-Object Id, DeploymentOption, Purpose",
      output: [{ Id: 'DEP00001', DeploymentOption: 'DownloadWhenNeeded', Purpose: 'Required' }],
    },
    {
      title: 'A multicast-only image cannot be accessed directly',
      code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; Set-ImageMulticast Win11 -MulticastOnly; New-TaskSequence Lab -Image Win11 -Target /dev/sda | Out-Null; New-DeviceCollection Lab1 | Out-Null; New-TSDeployment Lab Lab1 -DeploymentOption AccessDirectly",
      error: 'MulticastOnlyNeedsDownload',
    },
    {
      title: 'The same deployment twice is refused (it names the first); -Force creates it all the same',
      code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; New-TaskSequence Lab -Image Win11 -Target /dev/sda | Out-Null; New-DeviceCollection Lab1 | Out-Null; New-TSDeployment Lab Lab1 | Out-Null; New-TSDeployment Lab Lab1",
      error: 'DeploymentExists',
    },
  ],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(`${params.TaskSequence} → ${params.Collection}`, 'Deploy'))) return;
    const deployment = await engine(ctx, async (store) => {
      const { newDeployment } = await import('../../src/engine/deploy/deployments.js');
      const created = await newDeployment(store, {
        taskSequence: params.TaskSequence,
        collection: params.Collection,
        option: OPTION_NAMES[params.DeploymentOption]!,
        availability: params.Availability,
        purpose: params.Purpose,
        availableAfter: params.AvailableAfter,
        expiresAt: params.ExpiresAt,
        allowDuplicate: params.Force,
      });
      const site = store.read();
      const { undistributedWarning } = await import('../../src/engine/content/distribution.js');
      const sequence = site.taskSequences.find((candidate) => candidate.id === created.taskSequenceId);
      const warning = undistributedWarning(site, sequence?.steps.flatMap((step) => (step.type === 'ApplyImage' ? [step.imageId] : [])) ?? []);
      if (warning) ctx.writeWarning(warning);
      return deploymentObject(site, created);
    });
    if (deployment) yield deployment;
  },
});
