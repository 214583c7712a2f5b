import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { DPService } from '../../../src/engine/dp/service.js';
import { runClient, type ClientResult } from '../../../src/engine/client/agent.js';
import { enrollDevices, errorId, makeLab, rawRequest } from './fixtures.js';

const sha256Of = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function startDP(t: { after(fn: () => Promise<void>): void }, store: DPService['store']) {
  const dp = new DPService(store, { port: 0, joinWaitSeconds: 10 });
  const { host, port } = await dp.start();
  t.after(() => dp.stop());
  return { dp, server: `${host}:${port}` };
}

test('scheduled-cast waits for the minimum session size, then every client ends with a verified image', async (t) => {
  const lab = await makeLab({ devices: 3, dp: { scheduled: { enabled: true, startDelayMinutes: 30, minimumSessionSize: 3 } } });
  const { dp, server } = await startDP(t, lab.store);
  const credentials = await enrollDevices(lab.store, server, lab.devices);
  const run = (device: (typeof lab.devices)[number]) => runClient({ credential: credentials.get(device.name)!, interface: 'lo' });
  const early = [run(lab.devices[0]!), run(lab.devices[1]!)];
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const [waiting] = dp.sessions.list();
  assert.equal(waiting?.state, 'Waiting', 'two of three clients must not start a session whose minimum size is three');
  assert.equal(waiting?.clients.size, 2);
  const results: ClientResult[] = await Promise.all([...early, run(lab.devices[2]!)]);
  for (const result of results) {
    assert.equal(result.ok, true, result.message);
    assert.deepEqual(result.steps.map((step) => step.state), ['Succeeded', 'Succeeded', 'Succeeded']);
    assert.equal(result.steps[0]!.mode, 'multicast');
    assert.equal(await sha256Of(lab.target(result.device!.name)), lab.sha256);
  }
  const [session] = dp.sessions.list();
  assert.equal(session!.state, 'Completed');
  assert.equal(session!.startReason, 'MinimumClients');
  await waitFor(() => lab.store.read().sessionHistory.length > 0, 'the session history line');
  const site = lab.store.read();
  assert.equal(site.sessionHistory.length, 1);
  assert.equal(site.sessionHistory[0]!.state, 'Completed');
  assert.deepEqual(site.deploymentStatus.map((status) => [status.deviceId, status.state]).sort(), lab.devices.map((device) => [device.id, 'Succeeded']));
  assert.deepEqual((await readdir(lab.dir)).filter((name) => name.endsWith('.partial')), [], 'no partial files are left');
});

test('an enrolled device outside the collection is refused: no deployment, no content offer, no image bytes', async (t) => {
  const lab = await makeLab({ devices: 1 });
  const refusals: string[] = [];
  const dp = new DPService(lab.store, { port: 0, onRefused: (event) => refusals.push(`${event.status} ${event.id} ${event.device ?? ''}`) });
  const { host, port } = await dp.start();
  t.after(() => dp.stop());
  const server = `${host}:${port}`;
  const outsider = (await enrollDevices(lab.store, server, [{ name: 'outsider', mac: '02:99:99:99:99:99' }])).get('outsider')!;
  assert.equal(lab.store.read().devices.find((device) => device.name === 'outsider')?.mac, '02:99:99:99:99:99', 'enrolling created the device record');
  const result = await runClient({ credential: outsider, interface: 'lo' });
  assert.equal(result.ok, false);
  assert.match(result.message, /Device outsider \(DEV\d+\) is enrolled but not targeted by any deployment/);
  const offer = await rawRequest(server, 'POST', '/v1/content', { credential: outsider.credential, body: JSON.stringify({ deploymentId: 'DEP001', imageId: lab.image.id }) });
  assert.equal(offer.status, 403);
  assert.equal(errorId(offer), 'NotDeployedToDevice');
  const bytes = await rawRequest(server, 'GET', `/v1/content/${lab.image.id}`, { credential: outsider.credential });
  assert.equal(bytes.status, 403);
  // Claiming to be a member in the body changes nothing: the device is the credential's.
  const claimed = await rawRequest(server, 'POST', '/v1/content', { credential: outsider.credential, body: JSON.stringify({ deviceId: 'DEV001', deploymentId: 'DEP001', imageId: lab.image.id }) });
  assert.equal(claimed.status, 403);
  assert.deepEqual(refusals, ['403 NotTargeted outsider', '403 NotDeployedToDevice outsider', '403 NotDeployedToDevice outsider', '403 NotDeployedToDevice outsider'], 'every refusal is logged with the device');
  assert.equal(dp.sessions.list().length, 0, 'no session was opened for it');
});

test('access-directly deployments never use multicast; the unicast copy is verified', async (t) => {
  const lab = await makeLab({ devices: 1, option: 'AccessDirectly' });
  const { dp, server } = await startDP(t, lab.store);
  const credentials = await enrollDevices(lab.store, server, lab.devices);
  const result = await runClient({ credential: credentials.get('lab-01')!, interface: 'lo' });
  assert.equal(result.ok, true, result.message);
  assert.equal(result.steps[0]!.mode, 'unicast');
  assert.equal(await sha256Of(lab.target('lab-01')), lab.sha256);
  assert.equal(dp.sessions.list().length, 0);
});

test('a multicast-only image is never served by unicast', async (t) => {
  const lab = await makeLab({ devices: 1, multicast: { multicastOnly: true } });
  const { server } = await startDP(t, lab.store);
  const { credential } = (await enrollDevices(lab.store, server, lab.devices)).get('lab-01')!;
  const response = await rawRequest(server, 'GET', `/v1/content/${lab.image.id}`, { credential });
  assert.equal(response.status, 403);
  assert.equal(errorId(response), 'MulticastOnly');
});

test('the unicast endpoint resumes with Range requests', async (t) => {
  const lab = await makeLab({ devices: 1 });
  const { server } = await startDP(t, lab.store);
  const { credential } = (await enrollDevices(lab.store, server, lab.devices)).get('lab-01')!;
  const whole = await readFile(`${lab.store.contentDir}/${lab.image.file}`);
  const response = await rawRequest(server, 'GET', `/v1/content/${lab.image.id}`, { credential, headers: { range: 'bytes=1000-' } });
  assert.equal(response.status, 206);
  assert.equal(response.headers['content-range'], `bytes 1000-${whole.length - 1}/${whole.length}`);
  assert.deepEqual(response.bytes, whole.subarray(1000));
  const beyond = await rawRequest(server, 'GET', `/v1/content/${lab.image.id}`, { credential, headers: { range: `bytes=${whole.length + 5}-` } });
  assert.equal(beyond.status, 416);
});

test('malformed and oversized requests get clear errors, and the DP keeps serving', async (t) => {
  const lab = await makeLab({ devices: 1 });
  const { server } = await startDP(t, lab.store);
  const { credential } = (await enrollDevices(lab.store, server, lab.devices)).get('lab-01')!;
  const post = (path: string, body: string) => rawRequest(server, 'POST', path, { credential, body, headers: { 'content-type': 'application/json' } });
  const notJson = await post('/v1/hello', '{nope');
  assert.equal(notJson.status, 400);
  assert.equal(errorId(notJson), 'InvalidJson');
  const huge = await post('/v1/hello', JSON.stringify({ name: 'x'.repeat(100_000) }));
  assert.ok(huge.status === 0 || huge.status === 413, `status ${huge.status}`);
  const missing = await post('/v1/content', JSON.stringify({ imageId: lab.image.id }));
  assert.equal(missing.status, 400);
  assert.match(missing.body, /'deploymentId' is required/);
  assert.equal((await rawRequest(server, 'GET', '/v1/../../etc/passwd', { credential })).status, 404);
  const hello = await post('/v1/hello', '{}');
  assert.equal(hello.status, 200);
});
