// What an enrolling client may claim, and what an enrolled one may see: device names follow
// ConfigMgr's computer-name rule (checked at the DP's enrollment endpoint), and /v1/sessions shows
// a client only the sessions of images deployed to its device. Real HTTPS on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DPService } from '../../../src/engine/dp/service.js';
import { addCollectionMember } from '../../../src/engine/deploy/collections.js';
import { enrollDevices, errorId, makeLab, makeToken, rawRequest } from './fixtures.js';

async function startDP(t: { after(fn: () => Promise<void>): void }, store: DPService['store']) {
  const dp = new DPService(store, { port: 0, joinWaitSeconds: 10 });
  const { host, port } = await dp.start();
  t.after(() => dp.stop());
  return { dp, server: `${host}:${port}` };
}

test('the enrollment endpoint refuses device names outside the NetBIOS rule, with a clear error, and creates nothing', async (t) => {
  const lab = await makeLab({ devices: 0 });
  const { server } = await startDP(t, lab.store);
  const token = (await makeToken(lab.store, 1)).split('.').slice(0, 2).join('.');
  const bad = ['\x1b]0;pwned\x07\x1b[2J', 'pc 01', '../../etc/x', 'a'.repeat(300), 'pc-0123456789abc', '12345', '-pc', 'pc-', 'pc_01', 'pc.lab'];
  for (const name of bad) {
    const response = await rawRequest(server, 'POST', '/v1/enroll', { body: JSON.stringify({ token, name }) });
    assert.equal(response.status, 400, `${JSON.stringify(name.slice(0, 20))}: ${response.body.slice(0, 300)}`);
    assert.equal(errorId(response), 'InvalidDeviceName');
    const message = (JSON.parse(response.body) as { error: { message: string } }).error.message;
    assert.match(message, /is not a valid device name: use 1 to 15 letters, digits and hyphens, not only digits and not starting or ending with a hyphen \(ConfigMgr's NetBIOS computer-name rule\)/);
    assert.doesNotMatch(message, /[\x00-\x1f\x7f]/, 'the refusal itself carries no control characters');
  }
  const site = lab.store.read();
  assert.deepEqual(site.devices, [], 'no device was created');
  assert.equal(site.enrollmentTokens[0]!.used, 0, 'the token was not used up');
  const good = await rawRequest(server, 'POST', '/v1/enroll', { body: JSON.stringify({ token, name: 'PC-01' }) });
  assert.equal(good.status, 200, good.body);
  assert.equal((JSON.parse(good.body) as { device: { name: string } }).device.name, 'PC-01');
});

test('Add-CollectionMember (and so a CSV import) follows the same device-name rule', async () => {
  const lab = await makeLab({ devices: 0 });
  await assert.rejects(addCollectionMember(lab.store, 'Lab', { name: 'pc\x1b[31m', mac: '02:00:00:00:00:09' }), /InvalidDeviceName|not a valid device name/);
  assert.deepEqual(lab.store.read().devices, []);
  assert.equal((await addCollectionMember(lab.store, 'Lab', { name: 'pc-09', mac: '02:00:00:00:00:09' })).name, 'pc-09');
});

test('GET /v1/sessions shows a client only the sessions of images deployed to its device; an untargeted one sees none', async (t) => {
  const lab = await makeLab({ devices: 1, dp: { scheduled: { enabled: true, startDelayMinutes: 30, minimumSessionSize: 2 } } });
  const { server } = await startDP(t, lab.store);
  const credentials = await enrollDevices(lab.store, server, [...lab.devices, { name: 'outsider', mac: '02:00:00:00:00:99' }]);
  const member = credentials.get('lab-01')!.credential;
  const offer = await rawRequest(server, 'POST', '/v1/content', { credential: member, body: JSON.stringify({ deploymentId: 'DEP001', imageId: lab.image.id }) });
  assert.equal(offer.status, 200, offer.body);
  const seen = await rawRequest(server, 'GET', '/v1/sessions', { credential: member });
  assert.equal(seen.status, 200);
  assert.deepEqual((JSON.parse(seen.body) as { ImageId: string }[]).map((session) => session.ImageId), [lab.image.id]);
  const outsider = await rawRequest(server, 'GET', '/v1/sessions', { credential: credentials.get('outsider')!.credential });
  assert.equal(outsider.status, 200);
  assert.deepEqual(JSON.parse(outsider.body), [], 'an enrolled device no deployment targets sees no session');
});
