import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeCollections, completeDeployments, engine, matchesName, selectByName } from '../engine.js';
import { deploymentObject, DEPLOYMENT_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Get-TSDeployment',
  synopsis: 'Lists task-sequence deployments with the status their clients reported.',
  description: 'Succeeded, Failed and InProgress count the devices by their last report; Status holds one entry per device (state, step, message, time).',
  parameters: {
    Id: { type: 'string', position: 0, complete: completeDeployments, description: 'Deployment id (wildcards allowed).' },
    Collection: { type: 'string', complete: completeCollections, description: 'Only deployments to this collection (name or id).' },
  },
  outputType: { name: 'TSDeployment', view: DEPLOYMENT_VIEW },
  examples: [
    {
      title: 'Deployments of a collection',
      code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; New-TaskSequence Lab -Image Win11 -Target /dev/sda | Out-Null; New-DeviceCollection Lab1 | Out-Null; New-TSDeployment Lab Lab1 | Out-Null; Get-TSDeployment -Collection Lab1 | Select-Object Id, TaskSequence, Succeeded",
      output: [{ Id: 'DEP00001', TaskSequence: 'Lab', Succeeded: 0 }],
    },
  ],
  async *process(params, ctx) {
    const deployments = await engine(ctx, (store) => {
      const site = store.read();
      const views = site.deployments.map((deployment) => deploymentObject(site, deployment));
      return selectByName(ctx, params.Id, views, (view) => [view.Id], { id: 'DeploymentNotFound', what: 'a deployment with the id' }).filter((view) => matchesName(params.Collection, view.Collection));
    });
    yield* deployments ?? [];
  },
});
