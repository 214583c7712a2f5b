import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeDeployments, engine } from '../engine.js';
import { deploymentObject, DEPLOYMENT_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Remove-TSDeployment',
  synopsis: 'Removes a task-sequence deployment (clients no longer get it).',
  description: 'The status clients reported for it goes too. Running multicast sessions are not stopped (use Stop-MulticastSession).',
  impact: 'high',
  parameters: {
    Id: { type: 'string', position: 0, mandatory: true, pipeline: 'property', complete: completeDeployments, description: 'Deployment id.' },
    Force: { type: 'switch', description: 'Skips the confirmation (as -Confirm:$false).' },
    PassThru: { type: 'switch', description: 'Outputs the removed deployment.' },
  },
  outputType: { name: 'TSDeployment', view: DEPLOYMENT_VIEW },
  examples: [
    {
      title: 'Remove every deployment of a collection',
      code: "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; New-TaskSequence Lab -Image Win11 -Target /dev/sda | Out-Null; New-DeviceCollection Lab1 | Out-Null; New-TSDeployment Lab Lab1 | Out-Null; Get-TSDeployment -Collection Lab1 | Remove-TSDeployment -Force; @(Get-TSDeployment).Count",
      output: [0],
    },
    { title: 'An unknown id', code: 'Remove-TSDeployment DEP09999', error: 'DeploymentNotFound' },
  ],
  async *process(params, ctx) {
    const target = await engine(ctx, async (store) => {
      const { findDeployment } = await import('../../src/engine/deploy/deployments.js');
      return findDeployment(store.read(), params.Id).id;
    });
    if (target === undefined || !(await ctx.shouldProcess(target, 'Remove deployment', { force: params.Force }))) return;
    const removed = await engine(ctx, async (store) => {
      const { removeDeployment } = await import('../../src/engine/deploy/deployments.js');
      const site = store.read();
      const deployment = await removeDeployment(store, params.Id);
      return deploymentObject(site, deployment);
    });
    if (removed && params.PassThru) yield removed;
  },
});
