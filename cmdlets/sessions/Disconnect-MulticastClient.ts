import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeClients, completeSessions, engine } from '../engine.js';
import { chooseDP, DISTRIBUTION_POINT_PARAMETER } from '../fleet.js';
import { CLIENT_OUTPUT, shownWithDP } from '../objects.js';

export default defineCmdlet({
  name: 'Disconnect-MulticastClient',
  synopsis: 'Disconnects a client from a multicast session.',
  description: 'The client leaves the session at its next report (within a second or so). Without -Force it continues by unicast if the image allows it; with -Force its installation ends (as WDS does).',
  impact: 'high',
  parameters: {
    SessionId: { type: 'string', mandatory: true, pipeline: 'property', aliases: ['Id'], complete: completeSessions, description: 'The session, e.g. MC0001.' },
    Client: { type: 'string', position: 0, mandatory: true, pipeline: 'property', aliases: ['Name', 'DeviceId'], complete: completeClients, description: 'Client name or device id.' },
    Force: { type: 'switch', description: 'End the client’s installation instead of letting it fall back to unicast.' },
    PassThru: { type: 'switch', description: 'Outputs the client.' },
    DistributionPoint: DISTRIBUTION_POINT_PARAMETER,
  },
  outputType: CLIENT_OUTPUT,
  examples: [{ title: 'The DP service must run', code: 'Disconnect-MulticastClient -SessionId MC0001 pc-01 -Confirm:$false', error: 'DPServiceNotRunning' }],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess(`${params.Client} in ${params.SessionId}`, params.Force ? 'Disconnect and end installation' : 'Disconnect (unicast fallback)'))) return;
    const client = await engine(ctx, async (store) => {
      const { session, client } = await (await chooseDP(ctx, store, params.DistributionPoint)).disconnectClient(params.SessionId, params.Client, params.Force);
      const { clientView } = await import('../../src/engine/dp/views.js');
      return shownWithDP(clientView(session, client), CLIENT_OUTPUT);
    });
    if (client && params.PassThru) yield client;
  },
});
