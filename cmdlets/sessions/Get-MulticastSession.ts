import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { completeSessions, engine, reachDP, selectByName } from '../engine.js';
import { SESSION_OUTPUT, shownWithDP } from '../objects.js';
import { chooseDP, DISTRIBUTION_POINT_PARAMETER } from '../fleet.js';

export default defineCmdlet({
  name: 'Get-MulticastSession',
  synopsis: "Shows the DP's multicast sessions: state, image, group/port, clients, progress, rate.",
  description: 'Without -History: the sessions of the site’s DP service, running in this shell or in another process on this machine (`mcshell serve`): waiting, running and ended since it started. With -DistributionPoint: the sessions of those DPs of the site (* = every Online one), wherever they run, each with its DistributionPoint; a DP that cannot be reached is a warning naming it. With -History: every finished session recorded in the site, with each client’s result.',
  parameters: {
    Id: { type: 'string', position: 0, complete: completeSessions, description: 'Session id (wildcards allowed).' },
    History: { type: 'switch', description: 'Finished sessions from the site history.' },
    DistributionPoint: DISTRIBUTION_POINT_PARAMETER,
  },
  outputType: SESSION_OUTPUT,
  examples: [{ title: 'No session has run on a new site', code: '@(Get-MulticastSession -History).Count', output: [0] }],
  async *process(params, ctx) {
    const sessions = await engine(ctx, async (store) => {
      if (params.History) {
        const site = store.read();
        return site.sessionHistory.map((record) => ({
          Id: record.id,
          State: record.state,
          Image: site.images.find((image) => image.id === record.imageId)?.name ?? record.imageId,
          ImageId: record.imageId,
          Group: record.group,
          Port: record.port,
          Clients: record.clients.length,
          Verified: record.clients.filter((client) => client.state === 'Done').length,
          Percent: record.state === 'Completed' ? 100 : null,
          StartReason: record.startReason,
          StartedAt: record.startedAt,
          EndedAt: record.endedAt,
          Message: record.message ?? '',
          ClientResults: record.clients.map((client) => ({ Name: client.name, State: client.state, Sha256: client.sha256 })),
        }));
      }
      const dp = params.DistributionPoint === undefined ? await reachDP(store) : await chooseDP(ctx, store, params.DistributionPoint);
      if (!dp) return [];
      const { sessionView } = await import('../../src/engine/dp/views.js');
      return (await dp.listSessions()).map((session) => shownWithDP(sessionView(session), SESSION_OUTPUT));
    });
    if (sessions) yield* selectByName<{ Id: string }>(ctx, params.Id, sessions, (s) => [s.Id], { id: 'SessionNotFound', what: 'a multicast session with the id' });
  },
});
