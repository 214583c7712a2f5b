// `mcshell client --server <host[:port]> …`: the client agent for the machine being imaged.
import { integer, parse, progressWriter, runCommand, UsageError } from './transport-args.js';

const USAGE = `usage: mcshell client --server <host[:port]> [--mac <address>] [--name <device name>]
                      [--interface <name|address>] [--deployment <id>] [--json] [--progress]
Identifies this machine to the distribution point, runs its deployment's task sequence (apply the
image by multicast or unicast, verify it, run commands) and reports each step.
--interface is where multicast arrives; it defaults to lo only when the server is on loopback.
Exits 0 when every step succeeded, 1 with the reason otherwise.
`;

export async function main(argv: string[]): Promise<number> {
  return runCommand('client', USAGE, async () => {
    const { values } = parse(
      argv,
      {
        server: { type: 'string' },
        mac: { type: 'string' },
        name: { type: 'string' },
        interface: { type: 'string' },
        deployment: { type: 'string' },
        json: { type: 'boolean' },
        progress: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      false,
    );
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (!values.server) throw new UsageError('--server is required (the distribution point, e.g. 198.18.0.1 or 198.18.0.1:8734)');
    const [host, port] = values.server.split(/:(?=\d+$)/);
    if (port !== undefined) integer('server port', port, 1, 65535);
    if (!values.mac && !values.name) throw new UsageError('give --mac and/or --name so the distribution point can identify this device');
    const loopbackServer = host === 'localhost' || /^127\./.test(host ?? '');
    const iface = values.interface ?? (loopbackServer ? 'lo' : undefined);
    if (!iface) throw new UsageError('--interface is required when the server is not on loopback (the interface multicast arrives on, e.g. eth0)');
    const { normalizeMac } = await import('../../engine/deploy/targeting.js');
    if (values.mac && !normalizeMac(values.mac)) throw new UsageError(`--mac '${values.mac}' is not a MAC address (expected six hex pairs, e.g. 00:11:22:33:44:55)`);
    const { runClient } = await import('../../engine/client/agent.js');
    const show = progressWriter(values.progress === true);
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    process.once('SIGTERM', () => abort.abort());
    const result = await runClient({
      server: values.server,
      mac: values.mac,
      name: values.name,
      interface: iface,
      deployment: values.deployment,
      signal: abort.signal,
      onEvent: show
        ? (event) => {
            if (event.type === 'deployment') show(`deployment ${event.deploymentId}: ${event.taskSequence} (${event.steps} steps)`);
            else if (event.type === 'progress') show(`step ${event.index}: ${event.mode} ${event.percent}%`);
            else if (event.state !== 'Running') show(`step ${event.index} ${event.step.type}: ${event.state}${event.message ? ` — ${event.message}` : ''}`);
          }
        : undefined,
    });
    if (show && process.stderr.isTTY) process.stderr.write('\n');
    if (values.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      const lines = [`${result.ok ? 'done' : 'FAILED'}: ${result.message}`, ...result.steps.map((step) => `  ${step.index}. ${step.type} ${step.state}${step.message ? `: ${step.message}` : ''}`)];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return result.ok ? 0 : 1;
  });
}
