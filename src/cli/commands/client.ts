// `mcshell client …`: the client agent for the machine being imaged. The first run enrolls it
// with a token (`--enroll`); later runs use the credential that enrollment saved.
import { tmpdir } from 'node:os';
import { duration, integer, parse, progressWriter, runCommand, UsageError } from './transport-args.js';
import { eventWriter, writeResult } from './client-output.js';

const USAGE = `usage: mcshell client --server <host[:port]> --enroll <token> (--mac <address> | --name <device name>) [options]
       mcshell client [--server <host[:port]>] [options]
       mcshell client --pxe [--dry-run] [--interface <name>] [--cmdline <file>] [--wait-for-dp <duration>] [--json]
options: [--credential <file>] [--interface <name|address>] [--deployment <id>] [--rerun] [--wait-for-dp <duration>] [--json] [--progress]
Enrolls this machine with the distribution point once (the token comes from New-EnrollmentToken
on the site; it also pins the DP's certificate), then identifies itself with the saved credential,
runs its deployment's task sequence (apply the image by multicast or unicast, verify it, run
commands) and reports each step. A step Restart -Into BootImage (refresh) downloads the boot image
from the DP, checks it against the site's hashes and restarts this machine into it with kexec
(kexec-tools, as root); the later steps run there (the machine's disk is re-imaged). A required
deployment that already succeeded on this machine is not run again (as ConfigMgr runs it once): the client says so and exits 0; --rerun runs it again.
While its multicast session waits for more clients, the client says for how many and until when.
The credential is kept in --credential (default ~/.config/mcshell/client-credential.json, readable
by its owner only).
--interface is where multicast arrives; it defaults to lo only when the server is on loopback.
A DP that does not answer yet (not started, restarting, unreachable) is tried again, with waits
growing from 1 s to 30 s, for --wait-for-dp (default 10m; e.g. 90s, 30m, 0 for no waiting); each
wait is said on stderr ("waiting for the DP at …"). A DP that answers with another certificate than
the pinned one, or refuses the client, is not waited for.
Exits 0 when every step succeeded (or the required deployment already had), 1 with the reason
otherwise (also when the DP never answered).
--pxe is how a boot image runs the agent on a network-booted machine: no enrollment; the kernel
command line (--cmdline, default /proc/cmdline) names the DP (mcshell.dp=), the booting NIC
(mcshell.mac=) and the DP's certificate fingerprint (mcshell.fp=; the boot image's own pin wins).
It reports the machine's inventory (disks, NICs, memory, SMBIOS UUID) to the DP's PXE hello and
runs the deployment the DP offers with the short-lived credential it gets; a task sequence that
ends with Restart restarts the machine (in a boot image only). --dry-run prints the command line
and the inventory as one JSON line and contacts nothing.
`;

export async function main(argv: string[]): Promise<number> {
  return runCommand('client', USAGE, async () => {
    const { values } = parse(
      argv,
      {
        server: { type: 'string' },
        enroll: { type: 'string' },
        credential: { type: 'string' },
        mac: { type: 'string' },
        name: { type: 'string' },
        interface: { type: 'string' },
        deployment: { type: 'string' },
        'wait-for-dp': { type: 'string' },
        rerun: { type: 'boolean' },
        pxe: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        cmdline: { type: 'string' },
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
    if (values.server !== undefined) {
      const port = /:(\d+)$/.exec(values.server)?.[1];
      if (port !== undefined) integer('server port', port, 1, 65535);
      multicastInterface(values.server, values.interface);
    }
    const waitSeconds = duration('wait-for-dp', values['wait-for-dp']);
    if (values.pxe) {
      const { runPxeMode } = await import('./client-pxe.js');
      return runPxeMode({ interface: values.interface, cmdline: values.cmdline, dryRun: values['dry-run'] === true, json: values.json === true, waitSeconds });
    }
    if (values['dry-run'] || values.cmdline !== undefined) throw new UsageError('--dry-run and --cmdline go with --pxe');
    const { normalizeMac } = await import('../../engine/deploy/targeting.js');
    if (values.mac && !normalizeMac(values.mac)) throw new UsageError(`--mac '${values.mac}' is not a MAC address (expected six hex pairs, e.g. 00:11:22:33:44:55)`);
    const { defaultCredentialPath, enroll, loadCredential, saveCredential } = await import('../../engine/client/enrollment.js');
    const { DEFAULT_DP_WAIT_MS } = await import('../../engine/client/connection.js');
    const waitForDPMs = waitSeconds === undefined ? DEFAULT_DP_WAIT_MS : waitSeconds * 1000;
    // Always said (not only as progress): a client that waits silently looks hung.
    const onWaiting = (message: string) => process.stderr.write(`mcshell client: ${message}\n`);
    const credentialPath = values.credential ?? defaultCredentialPath();
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    process.once('SIGTERM', () => abort.abort());
    const fail = (message: string) => {
      if (values.json) process.stdout.write(`${JSON.stringify({ ok: false, message, device: null, deploymentId: null, steps: [] })}\n`);
      else process.stderr.write(`mcshell client: ${message}\n`);
      return 1;
    };
    let credential;
    if (values.enroll !== undefined) {
      if (!values.server) throw new UsageError('--enroll needs --server (the distribution point to enroll with)');
      if (!values.mac && !values.name) throw new UsageError('--enroll needs --mac and/or --name so the site can tie this client to its device');
      try {
        credential = await enroll({ server: values.server, token: values.enroll, mac: values.mac, name: values.name, signal: abort.signal, wait: { waitMs: waitForDPMs, onWaiting } });
      } catch (error) {
        return fail(`enrollment failed: ${(error as Error).message}`);
      }
      await saveCredential(credentialPath, credential);
      process.stderr.write(`mcshell client: enrolled as device ${credential.device.name} (${credential.device.id}); credential saved in ${credentialPath}\n`);
    } else {
      credential = await loadCredential(credentialPath).catch((error: Error) => error);
      if (credential instanceof Error) return fail(credential.message);
      if (!credential) return fail(`this machine is not enrolled (no credential in ${credentialPath}): run once with --server <dp> --enroll <token> --mac <address>; New-EnrollmentToken on the site makes a token`);
      if (values.mac && credential.device.mac && normalizeMac(values.mac) !== credential.device.mac) {
        throw new UsageError(`--mac ${values.mac} is not this credential's device (${credential.device.name}, ${credential.device.mac}); use --credential for another device, or --enroll again`);
      }
    }
    const server = values.server ?? credential.server;
    const iface = multicastInterface(server, values.interface);
    const { runClient } = await import('../../engine/client/agent.js');
    const { kexecRestarter } = await import('../../engine/client/kexec.js');
    const show = progressWriter(values.progress === true);
    const result = await runClient({
      credential,
      server,
      interface: iface,
      deployment: values.deployment,
      rerun: values.rerun === true,
      waitForDPMs,
      // The installed agent may restart its machine: into a boot image with kexec (refresh).
      restartIntoBootImage: kexecRestarter(tmpdir()),
      signal: abort.signal,
      onEvent: eventWriter(show, onWaiting),
    });
    if (show && process.stderr.isTTY) process.stderr.write('\n');
    writeResult(result, values.json === true);
    return result.ok ? 0 : 1;
  });
}

/** Where multicast arrives: --interface, or lo when the server is on loopback (never guessed otherwise). */
function multicastInterface(server: string, given: string | undefined): string {
  const host = server.replace(/:\d+$/, '');
  const loopbackServer = host === 'localhost' || /^127\./.test(host) || host === '[::1]';
  const iface = given ?? (loopbackServer ? 'lo' : undefined);
  if (!iface) throw new UsageError('--interface is required when the server is not on loopback (the interface multicast arrives on, e.g. eth0)');
  return iface;
}
