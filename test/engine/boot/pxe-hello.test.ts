// The PXE hello on the DP's control endpoint, through real HTTPS (contract 3), and the PXE
// services starting and stopping with the DP service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { DPService } from '../../../src/engine/dp/service.js';
import { setPxeSettings } from '../../../src/engine/boot/settings.js';
import { issuePxeCredential, pxeCredentialKey } from '../../../src/engine/boot/pxe-credential.js';
import { siteIdentity } from '../../../src/engine/site/identity.js';
import { EngineError } from '../../../src/engine/errors.js';
import type { PxeEvent } from '../../../src/engine/boot/pxe-services.js';
import { enrollDevices, errorId, makeLab, rawRequest } from '../dp/fixtures.js';

interface Context {
  after: (fn: () => Promise<void>) => void;
}

/** A lab whose DP runs with PXE on until the test ends (one at a time: they share the PXE ports). */
async function pxeLab(t: Context, requestsPerSecond = 50) {
  const lab = await makeLab({ devices: 2 });
  await setPxeSettings(lab.store, { enabled: true, unknownComputerSupport: true });
  const events: PxeEvent[] = [];
  const dp = new DPService(lab.store, { port: 0, requestsPerSecond, onPxeEvent: (event) => events.push(event) });
  t.after(() => dp.stop());
  const { host, port } = await dp.start();
  const server = `${host}:${port}`;
  const hello = (body: object, credential?: string) => rawRequest(server, 'POST', '/v1/pxe/hello', { body: JSON.stringify(body), ...(credential ? { credential } : {}) });
  return { ...lab, dp, server, hello, events };
}

const inventory = { hostname: null, memoryBytes: 2 * 1024 ** 3, disks: [{ name: 'vda', sizeBytes: 8 * 1024 ** 3, model: 'QEMU HARDDISK', serial: 'D1', removable: false }], nics: [{ name: 'eth0', mac: '52:54:00:ab:cd:ef' }] };

test('a known machine whose deployments are for clients only boots its disk; one available to PXE gets deploy and a PXE credential', async (t) => {
  const lab = await pxeLab(t);
  const mac = lab.devices[0]!.mac;
  let answer = await lab.hello({ mac, uuid: '', inventory });
  assert.equal(answer.status, 200, answer.body);
  let body = JSON.parse(answer.body);
  assert.deepEqual([body.action, body.device, body.credential], ['localboot', { id: 'DEV001', name: 'lab-01' }, undefined]);
  assert.match(body.message, /no deployment available to PXE targets lab-01/);
  await lab.store.update((site) => (site.deployments[0]!.availability = 'ClientsMediaAndPxe'));
  answer = await lab.hello({ mac: mac.toUpperCase().replaceAll(':', '-'), uuid: '8C9F1E2D-0000-4000-8000-123456789ABC', inventory });
  body = JSON.parse(answer.body);
  assert.equal(body.action, 'deploy');
  assert.match(body.credential, /^PXE\.DEV001\.[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
  // The inventory and UUID are recorded on the device.
  const device = lab.store.read().devices[0]!;
  assert.equal(device.uuid, '8c9f1e2d-0000-4000-8000-123456789abc');
  assert.deepEqual(device.inventory?.disks, inventory.disks);
  // With the credential the agent works as an enrolled client does.
  const hello = await rawRequest(lab.server, 'POST', '/v1/hello', { body: '{}', credential: body.credential });
  assert.equal(hello.status, 200, hello.body);
  assert.deepEqual(JSON.parse(hello.body).assignments.map((a: { deploymentId: string }) => a.deploymentId), ['DEP001']);
});

test('a PXE credential sees only deployments available to PXE; an enrolled client never sees media-and-PXE-only ones', async (t) => {
  const lab = await pxeLab(t);
  await lab.store.update((site) => site.deployments.push({ ...site.deployments[0]!, id: 'DEP002', availability: 'MediaAndPxe', purpose: 'Available' }));
  const { credential } = JSON.parse((await lab.hello({ mac: lab.devices[0]!.mac, inventory })).body);
  const seen = async (bearer: string) => JSON.parse((await rawRequest(lab.server, 'POST', '/v1/hello', { body: '{}', credential: bearer })).body).assignments.map((a: { deploymentId: string }) => a.deploymentId);
  assert.deepEqual(await seen(credential), ['DEP002']);
  const enrolled = await enrollDevices(lab.store, lab.server, [lab.devices[0]!]);
  assert.deepEqual(await seen(enrolled.get('lab-01')!.credential), ['DEP001']);
  // Content of a clients-only deployment is refused to the PXE credential.
  const offer = await rawRequest(lab.server, 'POST', '/v1/content', { body: JSON.stringify({ deploymentId: 'DEP001', imageId: lab.image.id }), credential });
  assert.deepEqual([offer.status, errorId(offer)], [403, 'NotDeployedToDevice']);
});

test('a required PXE deployment reported Succeeded with the PXE credential makes the next hello localboot', async (t) => {
  const lab = await pxeLab(t);
  await lab.store.update((site) => (site.deployments[0]!.availability = 'MediaAndPxe'));
  const { credential } = JSON.parse((await lab.hello({ mac: lab.devices[1]!.mac, inventory })).body);
  const status = await rawRequest(lab.server, 'POST', '/v1/status', { body: JSON.stringify({ deploymentId: 'DEP001', step: 3, state: 'Succeeded', message: 'done' }), credential });
  assert.equal(status.status, 200, status.body);
  const again = JSON.parse((await lab.hello({ mac: lab.devices[1]!.mac, inventory })).body);
  assert.equal(again.action, 'localboot');
  assert.match(again.message, /lab-02 has run its required PXE deployment/);
});

test('unknown machines: registered into All Unknown Computers with their inventory, or sent to their disk when support is off', async (t) => {
  const lab = await pxeLab(t);
  const first = JSON.parse((await lab.hello({ mac: '52:54:00:AB:CD:EF', uuid: '', inventory })).body);
  assert.deepEqual([first.action, first.device.name], ['localboot', 'UNKNOWN-ABCDEF']);
  assert.match(first.message, /no deployment available to PXE targets UNKNOWN-ABCDEF/);
  const site = lab.store.read();
  const device = site.devices.find((candidate) => candidate.name === 'UNKNOWN-ABCDEF')!;
  assert.equal(device.mac, '52:54:00:ab:cd:ef');
  assert.equal(device.inventory?.memoryBytes, inventory.memoryBytes);
  assert.deepEqual(site.collections.find((collection) => collection.id === 'SMS000US')!.memberIds, [device.id]);
  // A deployment to All Unknown Computers reaches it; another NIC ending alike gets a name of its own.
  await lab.store.update((s) => s.deployments.push({ ...s.deployments[0]!, id: 'DEP002', collectionId: 'SMS000US', availability: 'MediaAndPxe' }));
  assert.equal(JSON.parse((await lab.hello({ mac: '52:54:00:ab:cd:ef', inventory })).body).action, 'deploy');
  assert.equal(JSON.parse((await lab.hello({ mac: '02:00:00:ab:cd:ef', inventory })).body).device.name, 'UNKNOWN2-ABCDEF');
  await setPxeSettings(lab.store, { unknownComputerSupport: false });
  const off = JSON.parse((await lab.hello({ mac: '52:54:00:99:99:99', inventory })).body);
  assert.deepEqual([off.action, off.device], ['localboot', null]);
  assert.ok(!lab.store.read().devices.some((candidate) => candidate.mac === '52:54:00:99:99:99'));
});

test('with a PXE password the hello needs an unused ticket for its MAC; forged or expired credentials are refused', async (t) => {
  const lab = await pxeLab(t);
  await setPxeSettings(lab.store, { password: 'lab secret' });
  const mac = lab.devices[0]!.mac;
  const none = await lab.hello({ mac, inventory });
  assert.deepEqual([none.status, errorId(none)], [403, 'PxeTicketInvalid']);
  const ticket = lab.dp['control'].tickets.issue(mac);
  assert.equal((await lab.hello({ mac, ticket, inventory })).status, 200);
  assert.equal((await lab.hello({ mac, ticket, inventory })).status, 403, 'a ticket is used once');
  const key = pxeCredentialKey(await siteIdentity(lab.store));
  const expired = issuePxeCredential(key, 'DEV001', Date.now() - 9 * 3_600_000);
  const forged = issuePxeCredential(Buffer.alloc(32), 'DEV001');
  for (const credential of [expired, forged, 'PXE.DEV001.zz.' + 'A'.repeat(43)]) {
    const answer = await rawRequest(lab.server, 'POST', '/v1/hello', { body: '{}', credential });
    assert.deepEqual([answer.status, errorId(answer)], [401, 'NotEnrolled'], credential);
  }
});

test('bad hellos are refused with what was wrong; hellos are rate-limited like enrollment', async (t) => {
  const lab = await pxeLab(t, 5);
  for (const [body, pattern] of [
    [{ uuid: '' }, /'mac' must be/],
    [{ mac: 'nope' }, /'mac' must be/],
    [{ mac: '52:54:00:00:00:01', uuid: 'x' }, /'uuid' must be an SMBIOS UUID/],
    [{ mac: '52:54:00:00:00:01', inventory: { disks: 'vda' } }, /'inventory.disks' must be a list/],
  ] as const) {
    const answer = await lab.hello(body);
    assert.deepEqual([answer.status, errorId(answer)], [400, 'InvalidPxeHello']);
    assert.match(JSON.parse(answer.body).error.message, pattern);
  }
  const statuses: number[] = [];
  for (let i = 0; i < 30; i++) statuses.push((await lab.hello({ mac: '52:54:00:00:00:01', inventory })).status);
  assert.ok(statuses.includes(429), statuses.join(' '));
});

test('the PXE services start and stop with the DP service; a port in use stops the DP with a clear error', async (t) => {
  const lab = await pxeLab(t);
  assert.deepEqual(lab.dp.pxeListeners().map((listener) => listener.Service), ['proxyDHCP', 'proxyDHCP', 'TFTP', 'HTTP boot']);
  assert.deepEqual(lab.dp.pxeListeners().map((listener) => listener.Address), ['udp lo:67', 'udp lo:4011', 'udp lo:69', 'tcp 127.0.0.1:8736']);
  assert.ok(lab.events.some((event) => event.event === 'pxe-warning' && /No boot image is set/.test((event as { message: string }).message)));
  await lab.dp.stop();
  assert.deepEqual(lab.dp.pxeListeners(), []);
  // The HTTP boot port taken by someone else: the DP does not start, and leaves nothing listening.
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(8736, '127.0.0.1', resolve));
  try {
    const dp = new DPService(lab.store, { port: 0 });
    await assert.rejects(dp.start(), (error: unknown) => error instanceof EngineError && error.id === 'PxePortUnavailable' && /8736: the port is in use .*Set-DPPxe -HttpPort.*Set-DPPxe -Enable:\$false/.test(error.message));
    assert.equal(dp.running, false);
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
  const again = new DPService(lab.store, { port: 0 });
  t.after(() => again.stop());
  await again.start();
  assert.equal(again.pxeListeners().length, 4);
});
