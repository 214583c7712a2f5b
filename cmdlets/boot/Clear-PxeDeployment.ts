import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeDevices, engine } from '../engine.js';
import { deviceObject, DEVICE_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Clear-PxeDeployment',
  synopsis: "Lets machines run their required PXE deployments again (ConfigMgr's \"Clear Required PXE Deployments\").",
  description:
    'A machine that ran a required deployment through PXE (Succeeded or Failed) boots from its disk at its next network boot, so it is not imaged in a loop. Clearing it makes its next network boot run its required PXE deployments again. Devices are named by name, id or MAC address, or piped from Get-Device.',
  impact: 'medium',
  parameters: {
    Name: { type: 'string[]', position: 0, mandatory: true, pipeline: 'property', aliases: ['Device', 'Id', 'MacAddress'], complete: completeDevices, description: 'Device name(s), id(s) or MAC address(es).' },
    PassThru: { type: 'switch', description: 'Outputs the cleared devices.' },
  },
  outputType: { name: 'Device', view: DEVICE_VIEW },
  examples: [
    {
      title: 'Let a lab machine be imaged again at its next network boot',
      code: "New-DeviceCollection Lab1 | Out-Null; Add-CollectionMember -Collection Lab1 -Name pc-01 -MacAddress 52:54:00:00:00:01 | Out-Null; Clear-PxeDeployment pc-01 -PassThru | Select-Object Name, MacAddress",
      output: [{ Name: 'pc-01', MacAddress: '52:54:00:00:00:01' }],
    },
    { title: 'A device the site does not know is an error', code: 'Clear-PxeDeployment pc-99', error: 'DeviceNotFound' },
  ],
  async *process(params, ctx) {
    for (const name of params.Name) {
      if (!(await ctx.shouldProcess(`device ${name}`, 'Clear required PXE deployments'))) continue;
      const result = await engine(ctx, async (store) => {
        const { clearPxeDeployments } = await import('../../src/engine/boot/pxe-deployments.js');
        const [device] = await clearPxeDeployments(store, [name]);
        return deviceObject(store.read(), device!);
      });
      if (result && params.PassThru) yield result;
    }
  },
});
