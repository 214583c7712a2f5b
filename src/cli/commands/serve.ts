// `mcshell serve`: the distribution point service, headless, for a server. Logs one JSON object
// per line to stdout (refused requests too: not enrolled, not targeted, rate-limited); SIGTERM /
// SIGINT stop it cleanly (running transmissions are ended and recorded in the session history).
// The session cmdlets of any shell of the same site watch and control it through its admin socket.
import { integer, parse, runCommand } from './transport-args.js';

const USAGE = `usage: mcshell serve [--site <dir>] [--name <DP name>] [--port <control port, default 8734>] [--interface <name|address>]
Runs the distribution point: the control endpoint client agents talk to (HTTPS with the site's
certificate; clients enroll with New-EnrollmentToken tokens) and the multicast sessions.
The interface defaults to the DP's configured one (Set-DPMulticast -Interface; loopback on a new site).
With PXE enabled (Set-DPPxe -Enable) it also answers network-booting machines on the PXE interface:
proxyDHCP (UDP 67, 4011), TFTP (UDP 69) and HTTP boot (TCP 8736 by default); it runs as root for those.
It registers in the site as the distribution point --name (default: this host's name in upper
case) and heartbeats every 10 s; Get-DistributionPoint shows it Online, and Offline 30 s after it
stops heartbeating (its running sessions are then marked failed by another DP). A second DP under
a name whose DP still runs is refused.
Watch and control it from a shell of the same site: Get-MulticastSession, Watch-MulticastSession,
Stop-MulticastSession … reach it through its admin socket <site>/dp.sock (only the site's owner can).
`;

export async function main(argv: string[]): Promise<number> {
  return runCommand('serve', USAGE, async () => {
    const { values } = parse(argv, { site: { type: 'string' }, name: { type: 'string' }, port: { type: 'string' }, interface: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, false);
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const port = integer('port', values.port, 0, 65535);
    const { SiteStore, resolveSiteHome } = await import('../../engine/site/store.js');
    const { DPService, DEFAULT_CONTROL_PORT } = await import('../../engine/dp/service.js');
    const { sessionView, clientView } = await import('../../engine/dp/views.js');
    const store = await SiteStore.open(resolveSiteHome({ site: values.site }));
    const log = (event: string, data: object) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...data })}\n`);
    const service = new DPService(store, {
      ...(values.name !== undefined ? { name: values.name } : {}),
      fleet: {
        onClosed: (sessions, reason) => log('sessions-closed', { sessions, reason }),
        onWarning: (message) => process.stderr.write(`mcshell serve: ${message}\n`),
      },
      port: port ?? DEFAULT_CONTROL_PORT,
      ...(values.interface ? { interface: values.interface } : {}),
      onRefused: (refusal) => log('refused', refusal),
      onPxeEvent: ({ event, ...data }) => log(event, data),
    });
    if (!service.sessions.settings().enabled) process.stderr.write(`mcshell serve: multicast is disabled on ${service.name} (Set-DPMulticast -Enable); clients get unicast only\n`);
    service.sessions.on('started', (session) => log('session-started', sessionView(session)));
    // A client reports every second: log when its state changes.
    const clientStates = new Map<string, string>();
    service.sessions.on('client', (session, client) => {
      const key = `${session.id}/${client.deviceId}`;
      if (clientStates.get(key) === client.state) return;
      clientStates.set(key, client.state);
      log('client', clientView(session, client));
    });
    service.sessions.on('ended', (session) => {
      for (const deviceId of session.clients.keys()) clientStates.delete(`${session.id}/${deviceId}`);
      log('session-ended', { ...sessionView(session), clients: [...session.clients.values()].map((client) => clientView(session, client)) });
    });
    const address = await service.start();
    for (const warning of service.warnings) process.stderr.write(`mcshell serve: ${warning}\n`);
    log('listening', { name: service.name, site: store.home, interface: service.interface, ...address, fingerprint: await service.fingerprint(), adminSocket: service.adminSocket, pxe: service.pxeListeners() });
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    log('stopping', {});
    await service.stop();
    log('stopped', {});
    return 0;
  });
}
