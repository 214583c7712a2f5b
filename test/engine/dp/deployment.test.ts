import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { DPService } from '../../../src/engine/dp/service.js';
import { runClient, type ClientResult } from '../../../src/engine/client/agent.js';
import { makeLab } from './fixtures.js';

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
  const run = (device: (typeof lab.devices)[number]) => runClient({ server, mac: device.mac!, interface: 'lo' });
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
  assert.equal(session!.startReason, 'minimum-size');
  await waitFor(() => lab.store.read().sessionHistory.length > 0, 'the session history line');
  const site = lab.store.read();
  assert.equal(site.sessionHistory.length, 1);
  assert.equal(site.sessionHistory[0]!.state, 'Completed');
  assert.deepEqual(site.deploymentStatus.map((status) => [status.deviceId, status.state]).sort(), lab.devices.map((device) => [device.id, 'Succeeded']));
  assert.deepEqual((await readdir(lab.dir)).filter((name) => name.endsWith('.partial')), [], 'no partial files are left');
});

test('a device outside the collection gets no deployment, and unknown devices are refused', async (t) => {
  const lab = await makeLab({ devices: 1 });
  const { server } = await startDP(t, lab.store);
  const unknown = await runClient({ server, mac: '02:99:99:99:99:99', interface: 'lo' });
  assert.equal(unknown.ok, false);
  assert.match(unknown.message, /No device with MAC 02:99:99:99:99:99 is known/);
  await lab.store.update((site) => void site.devices.push({ id: 'DEV900', name: 'outsider', mac: null }));
  const outsider = await runClient({ server, name: 'outsider', interface: 'lo' });
  assert.equal(outsider.ok, false);
  assert.match(outsider.message, /not targeted by any deployment/);
});

test('access-directly deployments never use multicast; the unicast copy is verified', async (t) => {
  const lab = await makeLab({ devices: 1, option: 'AccessDirectly' });
  const { dp, server } = await startDP(t, lab.store);
  const result = await runClient({ server, name: 'lab-01', interface: 'lo' });
  assert.equal(result.ok, true, result.message);
  assert.equal(result.steps[0]!.mode, 'unicast');
  assert.equal(await sha256Of(lab.target('lab-01')), lab.sha256);
  assert.equal(dp.sessions.list().length, 0);
});

test('a multicast-only image is never served by unicast', async (t) => {
  const lab = await makeLab({ devices: 1, multicast: { multicastOnly: true } });
  const { server } = await startDP(t, lab.store);
  const response = await fetch(`http://${server}/v1/content/${lab.image.id}`);
  assert.equal(response.status, 403);
  assert.equal(((await response.json()) as { error: { id: string } }).error.id, 'MulticastOnly');
});

test('the unicast endpoint resumes with Range requests', async (t) => {
  const lab = await makeLab({ devices: 1 });
  const { server } = await startDP(t, lab.store);
  const whole = await readFile(`${lab.store.contentDir}/${lab.image.file}`);
  const response = await fetch(`http://${server}/v1/content/${lab.image.id}`, { headers: { range: 'bytes=1000-' } });
  assert.equal(response.status, 206);
  assert.equal(response.headers.get('content-range'), `bytes 1000-${whole.length - 1}/${whole.length}`);
  assert.deepEqual(Buffer.from(await response.arrayBuffer()), whole.subarray(1000));
  const beyond = await fetch(`http://${server}/v1/content/${lab.image.id}`, { headers: { range: `bytes=${whole.length + 5}-` } });
  assert.equal(beyond.status, 416);
});

test('malformed and oversized requests get clear errors, and the DP keeps serving', async (t) => {
  const lab = await makeLab({ devices: 1 });
  const { server } = await startDP(t, lab.store);
  const post = (path: string, body: string) => fetch(`http://${server}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const notJson = await post('/v1/hello', '{nope');
  assert.equal(notJson.status, 400);
  assert.equal(((await notJson.json()) as { error: { id: string } }).error.id, 'InvalidJson');
  const huge = await post('/v1/hello', JSON.stringify({ name: 'x'.repeat(100_000) })).catch(() => null);
  assert.ok(huge === null || huge.status === 413);
  const missing = await post('/v1/content', JSON.stringify({ deviceId: 'DEV001' }));
  assert.equal(missing.status, 400);
  assert.match(((await missing.json()) as { error: { message: string } }).error.message, /'deploymentId' is required/);
  assert.equal((await fetch(`http://${server}/v1/../../etc/passwd`)).status, 404);
  const hello = await post('/v1/hello', JSON.stringify({ name: 'lab-01' }));
  assert.equal(hello.status, 200);
});
