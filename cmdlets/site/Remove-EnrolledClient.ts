import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeDevices, engine } from '../engine.js';
import { enrolledClientObject, ENROLLED_CLIENT_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Remove-EnrolledClient',
  synopsis: "Removes a client's enrollment: its credential stops working at once.",
  description: 'The device record and its collection memberships stay; the machine must enroll again (with a new token) to get deployments. Running sessions are not interrupted (use Disconnect-MulticastClient -Force).',
  impact: 'high',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, pipeline: 'property', aliases: ['Id', 'Device'], complete: completeDevices, description: 'Device name, client or device id, or MAC address.' },
    Force: { type: 'switch', description: 'Skips the confirmation (as -Confirm:$false).' },
    PassThru: { type: 'switch', description: 'Outputs the removed enrollment.' },
  },
  outputType: { name: 'EnrolledClient', view: ENROLLED_CLIENT_VIEW },
  examples: [{ title: 'A device that never enrolled', code: 'Remove-EnrolledClient pc-01', error: 'EnrolledClientNotFound' }],
  async *process(params, ctx) {
    const target = await engine(ctx, async (store) => {
      const { findEnrolledClient } = await import('../../src/engine/site/enrollment.js');
      return findEnrolledClient(store.read(), params.Name).id;
    });
    if (target === undefined || !(await ctx.shouldProcess(target, 'Remove enrolled client', { force: params.Force }))) return;
    const removed = await engine(ctx, async (store) => {
      const { removeEnrolledClient } = await import('../../src/engine/site/enrollment.js');
      const site = store.read();
      return enrolledClientObject(site, await removeEnrolledClient(store, params.Name));
    });
    if (removed && params.PassThru) yield removed;
  },
});
