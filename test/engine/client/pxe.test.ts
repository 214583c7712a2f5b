// The agent's PXE mode against the real DP, with the PXE hello (contract 3) answered by a stub in
// front of it: helper P serves /v1/pxe/hello on the DP itself. The stub hands out the credential of
// a device enrolled beforehand, and passes every other request to the DP, so the task sequence runs
// exactly as an enrolled agent's does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DPService } from '../../../src/engine/dp/service.js';
import { siteIdentity } from '../../../src/engine/site/identity.js';
import { setDeviceVariable } from '../../../src/engine/deploy/device-variables.js';
import { runPxe, parseKernelCommandLine, type PxeHelloAnswer } from '../../../src/engine/client/pxe.js';
import type { ClientEvent } from '../../../src/engine/client/agent.js';
import type { SiteStore } from '../../../src/engine/site/store.js';
import { enrollDevices, makeLab } from '../dp/fixtures.js';

interface Stub {
  port: number;
  hellos: Record<string, unknown>[];
  listen(): Promise<void>;
  close(): Promise<void>;
}

/** An HTTPS server with the site's certificate: answers the PXE hello with `answer`, forwards the rest to the DP at `dpPort`. */
async function helloStub(store: SiteStore, dpPort: number, answer: (body: Record<string, unknown>) => PxeHelloAnswer): Promise<Stub> {
  const identity = await siteIdentity(store);
  const hellos: Record<string, unknown>[] = [];
  const server: Server = createServer({ key: identity.tlsKey, cert: identity.tlsCertificate }, (req, res) => {
    if (req.method === 'POST' && req.url === '/v1/pxe/hello') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        hellos.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(body)));
      });
      return;
    }
    const forwarded = request({ host: '127.0.0.1', port: dpPort, method: req.method, path: req.url, headers: req.headers, rejectUnauthorized: false }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    req.pipe(forwarded);
  });
  // A port chosen now, listened on later: the agent starts before its DP answers.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    port,
    hellos,
    listen: () => new Promise((resolve) => server.listen(port, '127.0.0.1', resolve)),
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

test('PXE mode: waits for the DP, says hello with the inventory, runs the offered deployment with the credential it got (variables expanded, host name set for later steps) and asks to restart', async (t) => {
  const lab = await makeLab({ devices: 1, option: 'AccessDirectly' });
  const device = lab.devices[0]!;
  const out = join(lab.dir, 'out.txt');
  await lab.store.update((site) => {
    site.taskSequences[0]!.steps = [
      { type: 'ApplyImage', imageId: lab.image.id, target: join(lab.dir, '{name}-{Room}.img') },
      { type: 'Verify' },
      { type: 'SetHostname', name: 'pc-{Room}' },
      { type: 'RunCommand', command: `echo "$MCSHELL_HOSTNAME {mac} {hostname} \${HOME:+shell}" > ${out}` },
      { type: 'Restart', into: 'Disk' },
    ];
  });
  await setDeviceVariable(lab.store, device.name, 'Room', 'B12');
  const dp = new DPService(lab.store, { port: 0 });
  const { host, port } = await dp.start();
  t.after(() => dp.stop());
  const credential = (await enrollDevices(lab.store, `${host}:${port}`, [device])).get(device.name)!.credential;
  const stub = await helloStub(lab.store, port, () => ({ device: { id: device.id, name: device.name }, credential, action: 'deploy', message: '' }));
  t.after(() => stub.close());
  const identity = await siteIdentity(lab.store);
  const commandLine = parseKernelCommandLine(`initrd=initrd.img console=ttyS0 mcshell.dp=127.0.0.1:${stub.port} mcshell.fp=${identity.fingerprint} mcshell.mac=${device.mac} mcshell.uuid= mcshell.ticket=T-1`);
  const events: ClientEvent[] = [];
  let listening: Promise<void> | null = null;
  const result = await runPxe({
    commandLine,
    pins: { fingerprint: identity.fingerprint, signingPublicKey: identity.signingPublicKey },
    interface: 'lo',
    onEvent: (event) => {
      events.push(event);
      // The DP comes up only once the agent has said that it waits for it.
      if (event.type === 'waiting') listening ??= stub.listen();
    },
  });
  assert.equal(result.ok, true, result.message);
  assert.ok(events.some((event) => event.type === 'waiting' && /waiting for the DP at 127\.0\.0\.1/.test(event.message)));
  assert.equal(result.action, 'deploy');
  assert.equal(result.restart, true);
  assert.deepEqual(result.steps.map((step) => `${step.type} ${step.state}`), ['ApplyImage Succeeded', 'Verify Succeeded', 'SetHostname Succeeded', 'RunCommand Succeeded', 'Restart Succeeded']);
  assert.equal(createHash('sha256').update(await readFile(join(lab.dir, `${device.name}-B12.img`))).digest('hex'), lab.sha256);
  assert.equal((await readFile(out, 'utf8')).trim(), `pc-B12 ${device.mac} pc-B12 shell`);
  // The hello carried the machine's identity and what it is.
  const [hello] = stub.hellos as [{ mac: string; ticket: string; inventory: { memoryBytes: number; disks: unknown[]; nics: unknown[] } }];
  assert.equal(hello.mac, device.mac);
  assert.equal(hello.ticket, 'T-1');
  assert.ok(hello.inventory.memoryBytes > 0 && Array.isArray(hello.inventory.disks) && Array.isArray(hello.inventory.nics));
  assert.deepEqual(lab.store.read().deploymentStatus.map((status) => status.state), ['Succeeded']);
});

test('PXE mode: a DP that sends the machine to its disk gets a restart and nothing else; a fingerprint other than the boot image pins is refused before anything is sent', async (t) => {
  const lab = await makeLab({ devices: 1 });
  // An unknown machine with unknown computer support off: no device.
  const stub = await helloStub(lab.store, 1, () => ({ device: null, action: 'localboot', message: 'no deployment available to PXE' }));
  await stub.listen();
  t.after(() => stub.close());
  const identity = await siteIdentity(lab.store);
  const pins = { fingerprint: identity.fingerprint, signingPublicKey: identity.signingPublicKey };
  const cmdline = (fp: string) => parseKernelCommandLine(`mcshell.dp=127.0.0.1:${stub.port} mcshell.fp=${fp} mcshell.mac=02:00:00:00:00:01`);
  const home = await runPxe({ commandLine: cmdline(identity.fingerprint), pins, interface: 'lo' });
  assert.deepEqual([home.ok, home.action, home.restart, home.steps.length, home.message], [true, 'localboot', true, 0, 'no deployment available to PXE']);
  const other = await runPxe({ commandLine: cmdline('ab'.repeat(32)), pins, interface: 'lo' });
  assert.equal(other.ok, false);
  assert.match(other.message, /not the one this boot image pins .*build it again with New-BootImage/);
  assert.equal(stub.hellos.length, 1, 'the refused run sent nothing');
});

test('`mcshell client --pxe` outside a boot image never restarts the machine it runs on, and a dry run contacts nothing', async (t) => {
  const lab = await makeLab({ devices: 1 });
  const stub = await helloStub(lab.store, 1, () => ({ device: { id: 'DEV001', name: 'lab-01' }, action: 'localboot', message: 'nothing to deploy' }));
  await stub.listen();
  t.after(() => stub.close());
  const identity = await siteIdentity(lab.store);
  const cmdline = join(lab.dir, 'cmdline');
  await writeFile(cmdline, `console=ttyS0 mcshell.dp=127.0.0.1:${stub.port} mcshell.fp=${identity.fingerprint} mcshell.mac=02:00:00:00:00:01 mcshell.uuid=\n`);
  const bin = fileURLToPath(new URL('../../../../bin/mcshell.js', import.meta.url));
  // Not spawnSync: the stub answering the CLI runs in this process.
  const cli = (...args: string[]) => promisify(execFile)(process.execPath, [bin, 'client', '--pxe', '--cmdline', cmdline, '--interface', 'lo', ...args], { encoding: 'utf8' });
  const dry = await cli('--dry-run');
  assert.equal(JSON.parse(dry.stdout).commandLine.dp, `127.0.0.1:${stub.port}`);
  assert.equal(stub.hellos.length, 0, 'a dry run says no hello');
  // It exits 0 (execFile would reject otherwise).
  const run = await cli();
  assert.match(run.stdout, /^done: nothing to deploy/);
  assert.match(run.stderr, /restart requested, but this is not a boot image \(no \/etc\/mcshell\/boot-image\.json\): this machine is not restarted/);
  assert.equal(stub.hellos.length, 1);
});
