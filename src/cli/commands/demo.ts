// `mcshell demo`: the whole product on one machine, on loopback only. A temporary site and a
// generated image; the README's example script sets up DP multicast with scheduled-cast for N
// clients, a collection of N devices, a task sequence, a required deployment and an enrollment
// token for N machines; then the DP service and N client agents as separate processes (each
// enrolls with the token first), live progress, and a table of every client's result and
// verified hash. --encrypt imports the image with multicast encryption.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { integer, mib, parse, progressWriter, runCommand, UsageError } from './transport-args.js';

const USAGE = `usage: mcshell demo [--clients N (default 8)] [--size <bytes, e.g. 64M (default)>] [--encrypt] [--keep] [--json]
       mcshell demo --pxe [--keep] [--json]
Runs a complete multicast deployment on this machine's loopback interface (nothing is sent on a
real network): a temporary site, a generated image, N client agents. Exits 0 only when every
client verified its copy. --encrypt encrypts the multicast session. --keep leaves the temporary site and copies for inspection.
--pxe: bare metal with virtual machines (QEMU; root; a private network namespace): three blank BIOS
machines and one UEFI machine boot from the network into the boot image, one registers as unknown,
all four are imaged by one multicast session and restart into the deployed OS. Exits 0 only when all
four run it.
`;

const DEMO_PREFIX = 'mcshell-demo-';

interface ClientOutcome {
  device: string;
  mac: string;
  ok: boolean;
  mode: string;
  sha256: string;
  message: string;
  seconds: number;
}

export async function main(argv: string[]): Promise<number> {
  return runCommand('demo', USAGE, async () => {
    const { values } = parse(argv, { clients: { type: 'string' }, size: { type: 'string' }, encrypt: { type: 'boolean' }, keep: { type: 'boolean' }, json: { type: 'boolean' }, pxe: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, false);
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (values.pxe) {
      if (values.clients !== undefined || values.size !== undefined || values.encrypt) throw new UsageError('--pxe runs its own lab of four machines and a test OS image: --clients, --size and --encrypt do not apply');
      const { pxeDemo } = await import('./demo-pxe.js');
      return pxeDemo({ keep: values.keep === true, json: values.json === true }, (line) => process.stderr.write(`${line}\n`));
    }
    const clientCount = integer('clients', values.clients, 1, 64) ?? 8;
    const imageBytes = parseSize(values.size ?? '64M');
    const dir = await mkdtemp(join(tmpdir(), DEMO_PREFIX));
    const say = (line: string) => process.stderr.write(`${line}\n`);
    try {
      say(`demo: site and image in ${dir}`);
      const { imageSha256, server, service, token } = await prepareSite(dir, clientCount, imageBytes, values.encrypt === true, say);
      const outcomes = await runClients(server, token, join(dir, 'clients'), clientCount, service, progressWriter(false));
      await service.stop();
      const allVerified = outcomes.every((outcome) => outcome.ok && outcome.sha256 === imageSha256);
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ ok: allVerified, imageBytes, imageSha256, clients: outcomes })}\n`);
      } else {
        process.stdout.write(renderTable(outcomes, imageSha256));
        const session = service.sessions.list().at(-1);
        const where = session ? `session ${session.id} ${session.state} on ${session.channel.group}:${session.channel.port}` : 'no multicast session';
        process.stdout.write(`\n${outcomes.filter((o) => o.ok && o.sha256 === imageSha256).length}/${clientCount} clients verified SHA-256 ${imageSha256.slice(0, 16)}…  (${mib(imageBytes)} image; ${where})\n`);
      }
      return allVerified ? 0 : 1;
    } finally {
      if (values.keep) say(`demo: kept ${dir}`);
      else await rm(dir, { recursive: true, force: true });
    }
  });
}

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMG]?)(?:i?B)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`--size must be a byte count such as 64M, 512K or 1G (got '${text}')`);
  const bytes = Math.round(Number(match[1]) * 1024 ** ' KMG'.indexOf(match[2]!.toUpperCase() || ' '));
  if (bytes < 1 || bytes > 8 * 1024 ** 3) throw new UsageError(`--size must be from 1 byte to 8G (got '${text}')`);
  return bytes;
}

/** The example script of the README, which performs ConfigMgr's steps 1–3 through the shell. */
const SETUP_SCRIPT = fileURLToPath(new URL('../../../../examples/deploy-lab.mcs', import.meta.url));

async function prepareSite(dir: string, clients: number, imageBytes: number, encrypt: boolean, say: (line: string) => void) {
  const { openSiteStore } = await import('../../engine/site/store.js');
  const { DPService } = await import('../../engine/dp/service.js');
  const imageFile = join(dir, 'demo-os.img');
  const imageSha256 = await writeRandomImage(imageFile, imageBytes);
  const devices = demoDevices(clients);
  await writeFile(join(dir, 'lab.csv'), ['Name,MAC', ...devices.map((device) => `${device.name},${device.mac}`)].join('\n') + '\n');
  await mkdir(join(dir, 'clients'));
  const site = join(dir, 'site');
  say(`demo: steps 1-3 (DP, image, collection, task sequence, deployment): mcshell ${SETUP_SCRIPT}`);
  const setup = spawnSync(process.execPath, [process.argv[1]!, '--site', site, '--output', 'jsonl', SETUP_SCRIPT, '-Image', imageFile, '-Devices', join(dir, 'lab.csv'), '-Target', join(dir, 'clients', '{name}.img'), '-Collection', 'Demo Lab', '-StartDelayMinutes', '2', ...(encrypt ? ['-Encrypt'] : [])], { encoding: 'utf8' });
  if (setup.status !== 0) throw new Error(`the setup script failed (exit ${setup.status}): ${setup.stderr.trim()}`);
  const [deployment, enrollment] = setup.stdout.trim().split('\n').map((line) => JSON.parse(line)) as [{ Id: string; TaskSequence: string; Collection: string; Targeted: number }, { Id: string; Token: string }];
  say(`demo: deployment ${deployment.Id}: '${deployment.TaskSequence}' to '${deployment.Collection}' (${deployment.Targeted} devices), scheduled multicast for ${clients} clients${encrypt ? ', encrypted' : ''}`);
  say(`demo: enrollment token ${enrollment.Id} for ${clients} clients`);
  const store = await openSiteStore({ site });
  const service = new DPService(store, { port: 0 });
  const { host, port } = await service.start();
  say(`demo: step 4: DP on ${host}:${port} (loopback only), ${clients} client agents, image ${mib(imageBytes)}`);
  return { imageSha256, server: `${host}:${port}`, service, devices, token: enrollment.Token };
}

function demoDevices(count: number) {
  return Array.from({ length: count }, (_, i) => ({ name: `demo-${String(i + 1).padStart(2, '0')}`, mac: `02:00:5e:00:00:${(i + 1).toString(16).padStart(2, '0')}` }));
}

async function writeRandomImage(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const file = await open(path, 'w');
  try {
    for (let done = 0; done < size; ) {
      const chunk = randomBytes(Math.min(4 << 20, size - done));
      hash.update(chunk);
      await file.write(chunk);
      done += chunk.length;
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

async function runClients(server: string, token: string, clientsDir: string, count: number, service: import('../../engine/dp/service.js').DPService, show: ((line: string) => void) | undefined): Promise<ClientOutcome[]> {
  const { sessionView } = await import('../../engine/dp/views.js');
  const started = Date.now();
  const ticker = setInterval(() => {
    const session = service.sessions.list().at(-1);
    const line = session
      ? (() => {
          const view = sessionView(session);
          const clientPercents = [...session.clients.values()].map((client) => client.percent);
          const average = clientPercents.length ? Math.round(clientPercents.reduce((a, b) => a + b, 0) / clientPercents.length) : 0;
          return `demo: session ${view.Id} ${view.State}: ${view.Clients}/${count} clients, ${average}% received on average, ${view.Verified} verified${view.RateMbps ? `, ${view.RateMbps} Mbit/s` : ''}`;
        })()
      : `demo: waiting for ${count} clients to ask for their deployment`;
    if (show) show(line);
  }, 500);
  try {
    return await Promise.all(demoDevices(count).map((device) => runClientProcess(server, token, join(clientsDir, `${device.name}.credential.json`), device.name, device.mac, started)));
  } finally {
    clearInterval(ticker);
    if (show && process.stderr.isTTY) process.stderr.write('\n');
  }
}

/** One client agent process: it enrolls with the token (its credential in `credential`), then runs its deployment. */
function runClientProcess(server: string, token: string, credential: string, name: string, mac: string, started: number): Promise<ClientOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [process.argv[1]!, 'client', '--server', server, '--enroll', token, '--mac', mac, '--credential', credential, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', () => {
      const seconds = (Date.now() - started) / 1000;
      try {
        const result = JSON.parse(stdout) as { ok: boolean; message: string; steps: { mode?: string; sha256?: string }[] };
        const applied = result.steps[0];
        resolve({ device: name, mac, ok: result.ok, mode: applied?.mode ?? '-', sha256: result.steps.at(-1)?.sha256 ?? applied?.sha256 ?? '', message: result.message, seconds });
      } catch {
        resolve({ device: name, mac, ok: false, mode: '-', sha256: '', message: (stderr || stdout).trim().split('\n').at(-1) ?? 'client produced no result', seconds });
      }
    });
  });
}

function renderTable(outcomes: ClientOutcome[], imageSha256: string): string {
  const rows = outcomes.map((o) => [o.device, o.mac, o.ok && o.sha256 === imageSha256 ? 'Verified' : 'FAILED', o.mode, o.sha256 ? `${o.sha256.slice(0, 16)}…` : '-', `${o.seconds.toFixed(1)} s`, o.ok ? '' : o.message]);
  const header = ['Device', 'MAC', 'Result', 'Mode', 'SHA-256', 'Time', 'Note'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n') + '\n';
}
