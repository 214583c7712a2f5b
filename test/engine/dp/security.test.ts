// Issue 6, control plane: who gets deployments, content offers and keys. Real HTTPS on loopback,
// real sites with their own identities, real enrollment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { storedSite } from '../../postgres/test-site.js';
import { DPService } from '../../../src/engine/dp/service.js';
import type { RefusalEvent } from '../../../src/engine/dp/control.js';
import { runClient } from '../../../src/engine/client/agent.js';
import { enroll, loadCredential, saveCredential } from '../../../src/engine/client/enrollment.js';
import { ClientError } from '../../../src/engine/client/connection.js';
import { siteIdentity } from '../../../src/engine/site/identity.js';
import { newEnrollmentToken, revokeEnrollmentToken } from '../../../src/engine/site/enrollment.js';
import { enrollDevices, errorId, makeLab, makeToken, rawRequest } from './fixtures.js';

async function startDP(t: { after(fn: () => Promise<void>): void }, store: DPService['store'], options: { requestsPerSecond?: number } = {}) {
  const refusals: RefusalEvent[] = [];
  const dp = new DPService(store, { port: 0, joinWaitSeconds: 10, onRefused: (event) => refusals.push(event), ...options });
  const { host, port } = await dp.start();
  t.after(() => dp.stop());
  return { dp, server: `${host}:${port}`, refusals };
}

const refusedWith = (id: string) => (error: unknown) => error instanceof ClientError && error.id === id;

test('the site identity is made once, kept 0600 under the site home, and not in the JSON store', async () => {
  const lab = await makeLab({ devices: 0 });
  const identity = await siteIdentity(lab.store);
  for (const file of ['signing-key.pem', 'tls-key.pem']) {
    assert.equal((await stat(join(lab.store.home, 'identity', file))).mode & 0o777, 0o600, `${file} is readable by its owner only`);
  }
  assert.equal((await stat(join(lab.store.home, 'identity'))).mode & 0o777, 0o700);
  assert.match(identity.fingerprint, /^[0-9a-f]{64}$/);
  assert.equal(identity.signingKey.asymmetricKeyType, 'ed25519');
  assert.doesNotMatch(await storedSite(lab.store), /PRIVATE KEY/);
});

test('an unenrolled client gets neither deployment, nor content offer, nor key, nor image bytes', async (t) => {
  const lab = await makeLab({ devices: 1, multicast: { encrypt: true } });
  const { server, refusals } = await startDP(t, lab.store);
  const body = JSON.stringify({ deviceId: 'DEV001', deploymentId: 'DEP001', imageId: lab.image.id, mac: lab.devices[0]!.mac });
  const forged = `CLI00001.${'A'.repeat(43)}`;
  for (const credential of [undefined, forged, 'garbage']) {
    for (const [method, path] of [['POST', '/v1/hello'], ['POST', '/v1/content'], ['GET', `/v1/content/${lab.image.id}`], ['GET', '/v1/sessions'], ['POST', '/v1/status']] as const) {
      const response = await rawRequest(server, method, path, { ...(credential ? { credential } : {}), ...(method === 'POST' ? { body } : {}) });
      assert.equal(response.status, 401, `${method} ${path} with ${credential ?? 'no credential'}`);
      assert.equal(errorId(response), 'NotEnrolled');
      assert.doesNotMatch(response.body, /encryptionKey|assignments|"group"/);
    }
  }
  assert.equal(refusals.length, 15, 'every refusal is logged');
  assert.deepEqual([...new Set(refusals.map((event) => `${event.status} ${event.address}`))], ['401 127.0.0.1']);
});

test('enrolled members of the collection get the session key of an encrypted image; the session list does not show it', async (t) => {
  const lab = await makeLab({ devices: 2, multicast: { encrypt: true }, dp: { scheduled: { enabled: true, startDelayMinutes: 30, minimumSessionSize: 2 } } });
  const { server } = await startDP(t, lab.store);
  const credentials = await enrollDevices(lab.store, server, lab.devices);
  const offers = [];
  for (const device of lab.devices) {
    const response = await rawRequest(server, 'POST', '/v1/content', { credential: credentials.get(device.name)!.credential, body: JSON.stringify({ deploymentId: 'DEP001', imageId: lab.image.id }) });
    assert.equal(response.status, 200, response.body);
    offers.push(JSON.parse(response.body) as { mode: string; sessionId: string; encryptionKey?: string });
  }
  const key = Buffer.from(offers[0]!.encryptionKey ?? '', 'base64');
  assert.equal(offers[0]!.mode, 'multicast');
  assert.equal(key.length, 32, 'a 256-bit key');
  assert.equal(offers[1]!.encryptionKey, offers[0]!.encryptionKey, 'one key per session, shared by its clients');
  const sessions = await rawRequest(server, 'GET', '/v1/sessions', { credential: credentials.get('lab-01')!.credential });
  assert.equal(sessions.status, 200);
  assert.ok(!sessions.body.includes(offers[0]!.encryptionKey!), 'the key is not in the session list');
  // A plain image's offer has no key.
  await lab.store.update((site) => void (site.images[0]!.multicast.encrypt = false));
});

test('each encrypted session has a fresh key', async (t) => {
  const lab = await makeLab({ devices: 1, multicast: { encrypt: true }, dp: { scheduled: { enabled: true, startDelayMinutes: 30, minimumSessionSize: 5 } } });
  const { dp, server } = await startDP(t, lab.store);
  const { credential } = (await enrollDevices(lab.store, server, lab.devices)).get('lab-01')!;
  const ask = async () => (JSON.parse((await rawRequest(server, 'POST', '/v1/content', { credential, body: JSON.stringify({ deploymentId: 'DEP001', imageId: lab.image.id }) })).body) as { sessionId: string; encryptionKey: string });
  const first = await ask();
  dp.sessions.stop(first.sessionId);
  const second = await ask();
  assert.notEqual(second.sessionId, first.sessionId);
  assert.notEqual(second.encryptionKey, first.encryptionKey);
});

test('revoked, expired, used-up and wrong tokens are refused; a reusable site key enrolls many', async (t) => {
  const lab = await makeLab({ devices: 3 });
  const { server } = await startDP(t, lab.store);
  const { fingerprint } = await siteIdentity(lab.store);
  const member = { server, mac: lab.devices[0]!.mac };
  const once = await makeToken(lab.store, 1);
  await enroll({ ...member, token: once });
  await assert.rejects(enroll({ ...member, token: once }), (error: unknown) => refusedWith('EnrollmentRefused')(error) && /the token has been used up/.test((error as Error).message));
  const revoked = await makeToken(lab.store, 5);
  await revokeEnrollmentToken(lab.store, revoked.split('.')[0]!);
  await assert.rejects(enroll({ ...member, token: revoked }), /Enrollment refused: the token is revoked/);
  const short = (await newEnrollmentToken(lab.store, fingerprint, { uses: 1, expiresInMs: 1 })).token;
  await new Promise((resolve) => setTimeout(resolve, 20));
  await assert.rejects(enroll({ ...member, token: short }), /Enrollment refused: the token is expired/);
  const [id, , pin] = (await makeToken(lab.store, 1)).split('.');
  await assert.rejects(enroll({ ...member, token: `${id}.${'x'.repeat(24)}.${pin}` }), /Enrollment refused: the token is not valid for this site/);
  await assert.rejects(enroll({ ...member, token: 'not-a-token' }), refusedWith('InvalidEnrollmentToken'));
  const siteKey = (await newEnrollmentToken(lab.store, fingerprint, { uses: null, expiresInMs: null })).token;
  for (const device of lab.devices) await enroll({ server, token: siteKey, mac: device.mac });
  const site = lab.store.read();
  assert.equal(site.enrolledClients.length, 3, 'one enrollment per device (lab-01 enrolled again replaced its first)');
  assert.equal(site.enrollmentTokens.find((token) => token.id === siteKey.split('.')[0])?.used, 3);
  assert.ok(site.enrollmentTokens.every((token) => /^[0-9a-f]{64}$/.test(token.secretSha256)), 'only hashes of secrets are stored');
  assert.ok(!JSON.stringify(site).includes(siteKey.split('.')[1]!), 'the secret itself is not in the store');
});

test('re-enrolling or removing a client makes its old credential worthless', async (t) => {
  const lab = await makeLab({ devices: 1 });
  const { server } = await startDP(t, lab.store);
  const first = (await enrollDevices(lab.store, server, lab.devices)).get('lab-01')!;
  const second = (await enrollDevices(lab.store, server, lab.devices)).get('lab-01')!;
  assert.equal((await rawRequest(server, 'POST', '/v1/hello', { credential: first.credential, body: '{}' })).status, 401);
  assert.equal((await rawRequest(server, 'POST', '/v1/hello', { credential: second.credential, body: '{}' })).status, 200);
  const { removeEnrolledClient } = await import('../../../src/engine/site/enrollment.js');
  await removeEnrolledClient(lab.store, 'lab-01');
  const after = await runClient({ credential: second, interface: 'lo' });
  assert.equal(after.ok, false);
  assert.match(after.message, /not enrolled with the site/);
});

test('a client pins its site: the DP of another site is refused before anything is sent to it', async (t) => {
  const ours = await makeLab({ devices: 1 });
  const theirs = await makeLab({ devices: 1 });
  const { server: ourServer } = await startDP(t, ours.store);
  const { server: theirServer, refusals } = await startDP(t, theirs.store);
  const token = await makeToken(ours.store, 2);
  await assert.rejects(enroll({ server: theirServer, token, mac: ours.devices[0]!.mac }), (error: unknown) => refusedWith('CertificateMismatch')(error) && /not the pinned/.test((error as Error).message));
  assert.equal(ours.store.read().enrollmentTokens[0]!.used, 0, 'the token was not spent');
  const credential = await enroll({ server: ourServer, token, mac: ours.devices[0]!.mac });
  // The enrolled client pointed at the other site's DP (a spoofed address, say).
  const result = await runClient({ credential, server: theirServer, interface: 'lo' });
  assert.equal(result.ok, false);
  assert.match(result.message, /certificate other than the pinned one/);
  assert.deepEqual(refusals, [], 'the other DP never saw a request: no token, no credential reached it');
  // Saved and loaded again, the credential still pins our DP and works there.
  const file = join(ours.dir, 'client.json');
  await saveCredential(file, credential);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const loaded = (await loadCredential(file))!;
  const ok = await runClient({ credential: loaded, interface: 'lo' });
  assert.equal(ok.ok, true, ok.message);
});

test('enroll, hello and offer requests beyond the rate per address get 429 (logged once per burst); clients wait and retry', async (t) => {
  const lab = await makeLab({ devices: 1 });
  const { server, refusals } = await startDP(t, lab.store, { requestsPerSecond: 5 });
  const answers = await Promise.all(Array.from({ length: 40 }, () => rawRequest(server, 'POST', '/v1/hello', { body: '{}' })));
  const statuses = answers.map((answer) => answer.status);
  assert.ok(statuses.filter((status) => status === 429).length >= 25, `most were limited: ${statuses.join(' ')}`);
  assert.ok(statuses.every((status) => status === 429 || status === 401), statuses.join(' '));
  assert.equal(answers.find((answer) => answer.status === 429)!.headers['retry-after'], '1');
  assert.equal(refusals.filter((event) => event.status === 429).length, 1, 'a flood is logged once');
  // A real client caught in the same limit waits and gets through.
  const started = Date.now();
  const credentials = await enrollDevices(lab.store, server, lab.devices);
  const result = await runClient({ credential: credentials.get('lab-01')!, interface: 'lo' });
  assert.equal(result.ok, true, result.message);
  assert.ok(Date.now() - started < 30_000);
});

test('a request refused by the rate limit does no work on the site: the store is not read for it, nor to log it', async (t) => {
  const lab = await makeLab({ devices: 1 });
  // Below one request per second, with bursts of less than one: every request is over the limit.
  const { server, refusals } = await startDP(t, lab.store, { requestsPerSecond: 0.1 });
  const read = lab.store.read.bind(lab.store);
  let reads = 0;
  lab.store.read = () => {
    reads++;
    return read();
  };
  const statuses = [];
  for (const path of ['/v1/hello', '/v1/enroll', '/v1/content', '/v1/nothing']) {
    for (let i = 0; i < 5; i++) statuses.push((await rawRequest(server, 'POST', path, { body: '{}', credential: 'CLI00001.not-a-credential-of-this-site' })).status);
  }
  assert.deepEqual([...new Set(statuses)], [429]);
  assert.equal(reads, 0, 'limited requests read the site');
  assert.ok(refusals.some((event) => event.status === 429), 'the flood is still logged');
});

test('no request reaches a file outside the content library', async (t) => {
  const lab = await makeLab({ devices: 1 });
  const { server } = await startDP(t, lab.store);
  const { credential } = (await enrollDevices(lab.store, server, lab.devices)).get('lab-01')!;
  const attempts = [
    '/v1/content/../../../../etc/passwd',
    '/v1/content/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/v1/content/..%2f..%2f..%2fetc%2fpasswd',
    '/v1/content/%2Fetc%2Fpasswd',
    '/v1/content//etc/passwd',
    '/v1/content/IMG00001/../../../../etc/passwd',
    '/v1/content/IMG00001%00.img',
    '/v1/content/Win11',
    `/v1/content/${lab.image.sha256}.img`,
    '//etc/passwd',
    '/etc/passwd',
  ];
  for (const path of attempts) {
    const response = await rawRequest(server, 'GET', path, { credential });
    assert.equal(response.status, 404, path);
    assert.doesNotMatch(response.body, /root:/);
  }
  // Even a store edited to name another file serves nothing from outside the library.
  await lab.store.update((site) => void (site.images[0]!.file = '../../../../etc/passwd'));
  const tampered = await rawRequest(server, 'GET', `/v1/content/${lab.image.id}`, { credential });
  assert.equal(tampered.status, 409);
  assert.equal(errorId(tampered), 'ImageFileInvalid');
});

test('an encrypted image is served by unicast only over TLS and only to an authorized client', async (t) => {
  const lab = await makeLab({ devices: 1, multicast: { encrypt: true }, option: 'AccessDirectly' });
  const { server } = await startDP(t, lab.store);
  const credentials = await enrollDevices(lab.store, server, lab.devices);
  const result = await runClient({ credential: credentials.get('lab-01')!, interface: 'lo' });
  assert.equal(result.ok, true, result.message);
  assert.equal(result.steps[0]!.mode, 'unicast');
  const { request } = await import('node:http');
  const plain = await new Promise<string>((resolve) => {
    const [host, port] = server.split(':');
    request({ host, port: Number(port), path: `/v1/content/${lab.image.id}` }, (response) => resolve(`HTTP ${response.statusCode}`))
      .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
      .end();
  });
  assert.doesNotMatch(plain, /HTTP 2\d\d/, `plain HTTP gets nothing: ${plain}`);
});

for (const multicastOnly of [true, false]) {
  test(`a client refuses a multicast manifest not signed by its site${multicastOnly ? ' (multicast-only: it fails)' : '; the unicast fallback over TLS still verifies'}`, async (t) => {
    const lab = await makeLab({ devices: 1, multicast: { encrypt: true, multicastOnly } });
    const { server } = await startDP(t, lab.store);
    const credential = (await enrollDevices(lab.store, server, lab.devices)).get('lab-01')!;
    // As if the DP's signing key were another's: the pinned site key no longer matches.
    const stranger = (await siteIdentity((await makeLab({ devices: 0 })).store)).signingPublicKey;
    const result = await runClient({ credential: { ...credential, signingPublicKey: stranger }, interface: 'lo' });
    if (multicastOnly) {
      assert.equal(result.ok, false);
      assert.match(result.message, /manifest signature does not verify .*refusing a forged manifest/);
      await assert.rejects(stat(lab.target('lab-01')), /ENOENT/);
    } else {
      assert.equal(result.ok, true, result.message);
      assert.equal(result.steps[0]!.mode, 'unicast');
      assert.match(result.steps[0]!.message, /unicast after multicast ended: .*refusing a forged manifest/);
    }
  });
}

test('an encrypted image by multicast: authorized clients decrypt and verify it', async (t) => {
  const lab = await makeLab({ devices: 2, multicast: { encrypt: true, multicastOnly: true }, dp: { scheduled: { enabled: true, startDelayMinutes: 30, minimumSessionSize: 2 } } });
  const { server } = await startDP(t, lab.store);
  const credentials = await enrollDevices(lab.store, server, lab.devices);
  const results = await Promise.all(lab.devices.map((device) => runClient({ credential: credentials.get(device.name)!, interface: 'lo' })));
  for (const result of results) {
    assert.equal(result.ok, true, result.message);
    assert.equal(result.steps[0]!.mode, 'multicast');
    assert.equal(result.steps[1]!.sha256, lab.sha256);
  }
});
