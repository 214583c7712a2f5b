import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeSessions, engine, selectByName } from '../engine.js';
import { chooseDP, DISTRIBUTION_POINT_PARAMETER } from '../fleet.js';
import { CLIENT_OUTPUT, shownWithDP } from '../objects.js';

export default defineCmdlet({
  name: 'Get-MulticastClient',
  synopsis: 'Shows the clients of multicast sessions with their state and progress.',
  description: "State is Waiting, Receiving, Verifying, Done, Failed or Disconnected, as the client agent last reported; Percent is its share of the image's blocks received.",
  parameters: {
    SessionId: { type: 'string', position: 0, pipeline: 'property', aliases: ['Id'], complete: completeSessions, description: 'Only clients of this session.' },
    Name: { type: 'string', description: 'Client name or device id (wildcards allowed).' },
    DistributionPoint: DISTRIBUTION_POINT_PARAMETER,
  },
  outputType: CLIENT_OUTPUT,
  examples: [{ title: 'The DP service must run', code: 'Get-MulticastClient', error: 'DPServiceNotRunning' }],
  async *process(params, ctx) {
    const clients = await engine(ctx, async (store) => {
      const dp = await chooseDP(ctx, store, params.DistributionPoint);
      const { clientView } = await import('../../src/engine/dp/views.js');
      const sessions = params.SessionId ? [await dp.getSession(params.SessionId)] : await dp.listSessions();
      // By session, then name (pc-2 before pc-10): the order a lab is read in, whatever order clients joined.
      const natural = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
      return sessions.flatMap((session) => [...session.clients.values()].map((client) => shownWithDP(clientView(session, client), CLIENT_OUTPUT))).sort((a, b) => natural(a.SessionId, b.SessionId) || natural(a.Name, b.Name));
    });
    if (clients) yield* selectByName(ctx, params.Name, clients, (c) => [c.Name, c.DeviceId], { id: 'ClientNotFound', what: 'a multicast client with the name or device id' });
  },
});
