// Issue 6, faults: with real processes (`mcshell serve`, `mcshell client`), real files and real
// hashes, on loopback in the test runner's private network namespace.
//   - the DP service is killed mid-session and started again: clients join the new session and
//     keep what they had (their resume state does not depend on the session);
//   - a client agent is killed mid-download and started again: it resumes;
//   - a client's disk fills up mid-download: a clear error naming the disk, no partial file left,
//     and the session goes on for the others, who verify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { assertVerified, client, heldShare, makeProcessLab, serve, until } from './lab.js';

const MB = 1024 * 1024;
// 24 MB at 40 Mbit/s: about 5 s of transfer, time enough to break something in the middle.
const LAB = { devices: 3, imageBytes: 24 * MB + 12_345, dp: { transferRateBps: 40e6 } };

test('the DP service killed mid-session and started again: clients rejoin the new session and fetch only what they lack', async (t) => {
  const lab = await makeProcessLab(LAB);
  let dp = await serve(lab, 0);
  const port = dp.port;
  t.after(() => void dp.process.kill('SIGKILL'));
  const clients = lab.devices.map((device) => client(lab, `127.0.0.1:${port}`, device));
  t.after(() => clients.forEach((c) => c.process.kill('SIGKILL')));
  await until(() => lab.devices.every((device) => heldShare(lab.target(device.name)) >= 0.2), 'every client to hold a fifth of the image');
  const before = lab.devices.map((device) => heldShare(lab.target(device.name)));
  assert.ok(before.every((share) => share < 0.95), `the DP must die mid-session (clients held ${before.map((s) => s.toFixed(2))})`);
  dp.process.kill('SIGKILL');
  await dp.exited;
  dp = await serve(lab, port);
  for (const [i, device] of lab.devices.entries()) {
    const result = await assertVerified(lab, device.name, await clients[i]!.done);
    const apply = result.steps[0]!;
    t.diagnostic(`${device.name}: held ${(before[i]! * 100).toFixed(0)} % when the DP died; ${apply.message}`);
    assert.equal(apply.mode, 'multicast');
    assert.match(apply.message, /the DP lost session MC0001, e\.g\. on a restart; rejoined in session MC\d+/);
    assert.ok((apply.resumedBytes ?? 0) >= before[i]! * lab.image.sizeBytes * 0.9, `${device.name} kept what it had (${apply.resumedBytes} bytes)`);
  }
  assert.ok(dp.events.some((event) => event.event === 'session-started'), 'the new DP ran a session for the rejoining clients');
  dp.process.kill('SIGTERM');
  assert.equal(await dp.exited, 0);
});

test('a client agent killed mid-download and started again resumes; the others are not disturbed', async (t) => {
  const lab = await makeProcessLab(LAB);
  const dp = await serve(lab, 0);
  t.after(() => void dp.process.kill('SIGKILL'));
  const server = `127.0.0.1:${dp.port}`;
  const clients = lab.devices.map((device) => client(lab, server, device));
  t.after(() => clients.forEach((c) => c.process.kill('SIGKILL')));
  const victim = lab.devices[2]!;
  await until(() => heldShare(lab.target(victim.name)) >= 0.25, `${victim.name} to hold a quarter of the image`);
  clients[2]!.process.kill('SIGKILL');
  const killed = await clients[2]!.done;
  assert.equal(killed.result, null, 'the killed agent said nothing');
  const held = heldShare(lab.target(victim.name));
  assert.ok(held > 0 && held < 0.95, `killed mid-download (held ${held.toFixed(2)})`);
  await new Promise((resolve) => setTimeout(resolve, 500));
  clients[2] = client(lab, server, victim);
  for (const [i, device] of lab.devices.entries()) {
    const result = await assertVerified(lab, device.name, await clients[i]!.done);
    if (device === victim) t.diagnostic(`${device.name}: held ${(held * 100).toFixed(0)} % when killed; ${result.steps[0]!.message}`);
    if (device === victim) assert.ok((result.steps[0]!.resumedBytes ?? 0) >= held * lab.image.sizeBytes * 0.9, `the restarted agent kept what it had (${result.steps[0]!.resumedBytes} bytes)`);
  }
});

// A small tmpfs in a mount namespace of its own is the client's disk.
const mountNamespaces = spawnSync('unshare', ['-m', 'true']).status === 0 ? false : 'needs mount namespaces (unshare -m as root)';

/** Runs the client in a mount namespace whose `dir` is a tmpfs of `size`; `fill` fills it once the download has begun; then lists `dir`. */
function onSmallDisk(dir: string, size: string, fill: boolean): string[] {
  const script = [
    'set -u',
    `mount -t tmpfs -o size=${size} mcshell-test-disk "$0"`,
    '"$@" & pid=$!',
    ...(fill ? ['while [ ! -s "$0/os.img.mcstate" ] && kill -0 $pid 2>/dev/null; do sleep 0.05; done', 'cat /dev/zero > "$0/filler" 2>/dev/null'] : []),
    'wait $pid; status=$?',
    'echo "FILES: $(ls -A "$0" | tr "\\n" " ")"',
    'exit $status',
  ].join('\n');
  return ['unshare', '-m', 'sh', '-c', script, dir];
}

test('a full disk on a client: a clear error naming the disk, no partial file, and the others verify', { skip: mountNamespaces }, async (t) => {
  const lab = await makeProcessLab(LAB);
  const dp = await serve(lab, 0);
  t.after(() => void dp.process.kill('SIGKILL'));
  const server = `127.0.0.1:${dp.port}`;
  const full = lab.devices[2]!;
  // Room for the image when it starts; then something else takes the space mid-download.
  const clients = lab.devices.map((device) => client(lab, server, device, device === full ? { wrap: onSmallDisk(lab.home(full.name), `${Math.ceil(lab.image.sizeBytes / MB) + 2}m`, true) } : {}));
  t.after(() => clients.forEach((c) => c.process.kill('SIGKILL')));
  const failed = await clients[2]!.done;
  assert.equal(failed.code, 1);
  const apply = failed.result!.steps[0]!;
  assert.equal(apply.state, 'Failed');
  t.diagnostic(apply.message);
  assert.match(apply.message, /cannot write .*lab-03\/os\.img: no space left on the disk mcshell-test-disk \(tmpfs, mounted at .*lab-03, .* free\) .*; the partial copy was removed/);
  assert.deepEqual(failed.extra, ['FILES: filler '], 'only the filler is left on the full disk: no image, no partial copy, no resume state');
  for (const [i, device] of lab.devices.entries()) if (device !== full) await assertVerified(lab, device.name, await clients[i]!.done);
});

test('a client whose disk cannot hold the image refuses at once, naming the disk, and writes nothing', { skip: mountNamespaces }, async (t) => {
  const lab = await makeProcessLab({ ...LAB, devices: 1 });
  const dp = await serve(lab, 0);
  t.after(() => void dp.process.kill('SIGKILL'));
  const device = lab.devices[0]!;
  const refused = await client(lab, `127.0.0.1:${dp.port}`, device, { wrap: onSmallDisk(lab.home(device.name), '4m', false) }).done;
  assert.equal(refused.code, 1);
  assert.match(refused.result!.steps[0]!.message, /not enough space for .*lab-01\/os\.img: the disk mcshell-test-disk \(tmpfs, mounted at .*lab-01, 4\.0 MB free\), and the image needs 24\.0 MB more; nothing was written/);
  assert.deepEqual(refused.extra, ['FILES: ']);
});
