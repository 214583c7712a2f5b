import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { engine, registerService, runningService } from '../engine.js';

export default defineCmdlet({
  name: 'Start-DPService',
  synopsis: 'Starts the distribution point service in this shell (control endpoint and multicast sessions).',
  description:
    "Client agents (`mcshell client --server <host:port>`, enrolled with a New-EnrollmentToken token) talk to the control endpoint over HTTPS with the site's certificate (Fingerprint: its SHA-256, which clients pin); the DP serves on its configured interface (Set-DPMulticast -Interface; loopback on a new site). With PXE enabled (Set-DPPxe) it also runs proxyDHCP, TFTP and HTTP boot on the PXE interface; Pxe lists what listens where. It registers in the site as the distribution point -Name (default: this host's name in upper case) and heartbeats while it runs (Get-DistributionPoint); a name another running DP holds is refused. The service runs until Stop-DPService or the end of the shell; a script that starts it keeps running until it stops it. For a server, `mcshell serve` runs it headless.",
  impact: 'low',
  parameters: {
    Name: { type: 'string', validate: { notEmpty: true }, description: "The DP's name in the site (e.g. DP-EAST): its record, its settings and its sessions are under it. Default: this host's name in upper case." },
    Port: { type: 'int', default: 8734, validate: { range: [0, 65535] }, description: 'TCP port of the control endpoint (0: any free port).' },
    Interface: { type: 'string', description: "Serve on this interface instead of the DP's configured one, for this run only." },
  },
  outputType: { name: 'DPService', view: { properties: ['Name', 'Endpoint', 'Interface', 'Site'] } },
  examples: [
    { title: 'Start and stop on loopback', code: 'Start-DPService -Port 0 | Select-Object Interface; Stop-DPService', output: [{ Interface: 'lo' }] },
  ],
  async *process(params, ctx) {
    if (!(await ctx.shouldProcess('distribution point service', 'Start'))) return;
    const started = await engine(ctx, async (store) => {
      const running = runningService(store);
      if (running) return { Name: running.name, Endpoint: running.endpoint, Interface: running.interface, Site: store.home, Fingerprint: await running.fingerprint(), Pxe: running.pxeListeners() };
      const { DPService } = await import('../../src/engine/dp/service.js');
      const service = new DPService(store, { port: params.Port, ...(params.Name ? { name: params.Name } : {}), ...(params.Interface ? { interface: params.Interface } : {}) });
      const address = await service.start();
      for (const warning of service.warnings) ctx.writeWarning(warning);
      registerService(store, service);
      return { Name: service.name, Endpoint: `${address.host}:${address.port}`, Interface: service.interface, Site: store.home, Fingerprint: await service.fingerprint(), Pxe: service.pxeListeners() };
    });
    if (started) yield started;
  },
});
