import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeDevices, engine, selectByName } from '../engine.js';
import { enrolledClientObject, ENROLLED_CLIENT_VIEW } from '../objects.js';

export default defineCmdlet({
  name: 'Get-EnrolledClient',
  synopsis: 'Lists the client agents enrolled with the site and their devices.',
  description: "Each enrolled client belongs to one device (its collections decide what it gets) and shows the token it enrolled with. -Name filters by device name, client or device id, or MAC address (wildcards allowed).",
  parameters: {
    Name: { type: 'string', position: 0, aliases: ['Device', 'MacAddress'], complete: completeDevices, description: 'Device name, client or device id, or MAC address (wildcards allowed).' },
  },
  outputType: { name: 'EnrolledClient', view: ENROLLED_CLIENT_VIEW },
  examples: [{ title: 'A new site has no enrolled client', code: '@(Get-EnrolledClient).Count', output: [0] }],
  async *process(params, ctx) {
    const clients = await engine(ctx, (store) => {
      const site = store.read();
      return site.enrolledClients.map((client) => enrolledClientObject(site, client));
    });
    if (!clients) return;
    yield* selectByName(ctx, params.Name, clients, (c) => [c.Device, c.Id, c.DeviceId, c.MacAddress ?? ''], { id: 'EnrolledClientNotFound', what: 'an enrolled client with the device name, id or MAC address' });
  },
});
