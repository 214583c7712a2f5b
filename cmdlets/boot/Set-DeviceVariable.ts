import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeDevices, engine } from '../engine.js';
import { deviceObject, DEVICE_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Set-DeviceVariable',
  synopsis: 'Sets a variable of one device, used as {Name} in the task-sequence steps it runs.',
  description:
    "ConfigMgr's device variables. A step's target, command or host name may contain {Variable}: the client replaces it with the device's value when it runs the step ({name}, {id} and {mac} are built in). -Remove deletes the variable. Names are letters, digits and _, case-insensitive.",
  impact: 'low',
  parameters: {
    Device: { type: 'string', position: 0, mandatory: true, pipeline: 'property', aliases: ['DeviceName', 'Name'], complete: completeDevices, description: 'Name, id or MAC address of the device.' },
    Variable: { type: 'string', position: 1, mandatory: true, aliases: ['VariableName'], description: 'Name of the variable.' },
    Value: { type: 'string', position: 2, aliases: ['VariableValue', 'NewVariableValue'], description: 'Its value (one line).' },
    Remove: { type: 'switch', description: 'Remove the variable instead.' },
    PassThru: { type: 'switch', description: 'Outputs the device.' },
  },
  outputType: { name: 'Device', view: DEVICE_VIEW },
  examples: [
    {
      title: 'A variable a step uses as {Room}',
      code: "New-DeviceCollection Lab | Out-Null; Add-CollectionMember -Collection Lab -Name pc-01 -MacAddress 00:11:22:33:44:01 | Out-Null; (Set-DeviceVariable pc-01 Room B12 -PassThru).Variables.Room",
      output: ['B12'],
    },
    {
      title: '{name} is built in',
      code: "New-DeviceCollection Lab | Out-Null; Add-CollectionMember -Collection Lab -Name pc-01 | Out-Null; Set-DeviceVariable pc-01 name other",
      error: 'BuiltInVariable',
    },
  ],
  async *process(params, ctx) {
    if (!params.Remove && params.Value === undefined) {
      throw ctx.error({ id: 'MissingValue', category: 'InvalidArgument', message: 'Give the variable a -Value, or -Remove it.' });
    }
    if (!(await ctx.shouldProcess(params.Device, `${params.Remove ? 'Remove' : 'Set'} device variable ${params.Variable}`))) return;
    const result = await engine(ctx, async (store) => {
      const { setDeviceVariable } = await import('../../src/engine/deploy/device-variables.js');
      const device = await setDeviceVariable(store, params.Device, params.Variable, params.Remove ? null : params.Value!);
      return deviceObject(store.read(), device);
    });
    if (result && params.PassThru) yield result;
  },
});
