// The `mcshell send` / `mcshell receive` commands as separate processes: exit codes, JSON summaries,
// a receiver killed mid-transfer and restarted (it resumes), and one that vanishes (reported failed).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_K, DEFAULT_SYMBOL_SIZE } from '../../src/engine/transport/index.js';
import { nativeAddon } from '../../src/engine/transport/native.js';
import { channel, fileSha256, makeImage, sleep, tempDir } from './helpers.js';

const bin = resolve(import.meta.dirname, '../../../bin/mcshell.js');

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

const running = new Set<ChildProcess>();
// A failed assertion must not leave processes behind that keep the test file alive.
after(() => {
  for (const c of running) c.kill('SIGKILL');
});

/** `wrapper`: a command that runs mcshell (e.g. setpriv with its options). */
function mcshell(args: string[], env: NodeJS.ProcessEnv = {}, wrapper: string[] = []): Run {
  const argv = [...wrapper, process.execPath, bin, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  running.add(child);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((r) =>
    child.on('close', (code) => {
      running.delete(child);
      r({ code, stdout, stderr });
    }),
  );
  return { child, done };
}

function stderrMatches(run: Run, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d;
      if (pattern.test(seen)) {
        run.child.stderr!.off('data', onData);
        resolve();
      }
    };
    run.child.stderr!.on('data', onData);
    run.done.then(({ code }) => reject(new Error(`exited ${code} before printing ${pattern}: ${seen}`)));
  });
}

function sessionArgs(ch: ReturnType<typeof channel>): string[] {
  return ['--interface', ch.interface, '--group', ch.group, '--port', String(ch.port)];
}

test('usage errors exit 2 and name the flag', async () => {
  const cases: [string[], RegExp][] = [
    [['send'], /missing the image file/],
    [['send', 'x.img'], /--interface is required/],
    [['send', 'x.img', '--interface', 'lo', '--rate', 'fast'], /--rate: 'fast' is not a bit rate/],
    [['send', 'x.img', '--interface', 'lo', '--port', '70000'], /--port must be an integer from 1 to 65535/],
    [['send', 'x.img', '--interface', 'lo', '--bogus'], /bogus/],
    [['receive', '--interface', 'lo'], /--out is required/],
    [['receive', '--out', 'x'], /--interface is required/],
    [['receive', '--interface', 'lo', '--out', 'x', '--group', '239.1.2.3'], /--group and --port go together/],
  ];
  for (const [args, message] of cases) {
    const r = await mcshell(args).done;
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const bad = await mcshell(['receive', '--interface', 'nonexistent0', '--out', 'x']).done;
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /no IPv4 interface named 'nonexistent0'/);
});

test('send and receive as processes, with JSON summaries', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 1_500_000, 21);
  const ch = channel();
  // Receiver 1 reads with Node's dgram instead of the native batched socket: both paths are covered.
  const receivers = [0, 1].map((i) =>
    mcshell(['receive', ...sessionArgs(ch), '--out', join(dir, `out${i}`), '--json'], { MCSHELL_TEST_DROP: '0.02', MCSHELL_TEST_SEED: String(i + 1), ...(i === 1 ? { MCSHELL_NATIVE: '0' } : {}) }),
  );
  await sleep(300);
  const sender = await mcshell(['send', image.path, ...sessionArgs(ch), '--min-clients', '2', '--rate', '200M', '--json']).done;
  assert.equal(sender.code, 0, sender.stderr);
  const summary = JSON.parse(sender.stdout) as { imageBytes: number; wireBytes: number; wireRatio: number; repairSymbols: number; elapsedSeconds: number; receivers: { id: string; address: string; status: string; sha256: string }[] };
  assert.equal(summary.imageBytes, 1_500_000);
  assert.ok(summary.wireRatio > 1 && summary.wireBytes > summary.imageBytes);
  assert.equal(summary.receivers.length, 2);
  for (const r of summary.receivers) assert.deepEqual([r.status, r.sha256, r.address], ['verified', image.sha256, '127.0.0.1']);
  for (const [i, r] of receivers.entries()) {
    const res = await r.done;
    assert.equal(res.code, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).sha256, image.sha256);
    assert.equal(fileSha256(join(dir, `out${i}`)), image.sha256);
  }
});

test('a receiver whose socket buffer net.core.rmem_max caps warns, with the sysctl that lifts it, and still verifies', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 1_000_000, 22);
  const ch = channel();
  const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
  const capped = rmemMax < 16 << 20; // the receiver asks for 16 MiB
  // Root with the addon goes past rmem_max (SO_RCVBUFFORCE); without CAP_NET_ADMIN, or with Node's
  // dgram (SO_RCVBUF only), it cannot.
  const withoutNetAdmin = ['setpriv', '--bounding-set', '-net_admin', '--inh-caps', '-net_admin'];
  const addon = nativeAddon() !== null; // without it the first two read with Node's dgram as well
  const cases = [
    { name: 'root, addon', env: {}, wrapper: [], warns: capped && !addon },
    { name: 'without CAP_NET_ADMIN, addon', env: {}, wrapper: withoutNetAdmin, warns: capped },
    { name: "Node's dgram", env: { MCSHELL_NATIVE: '0' }, wrapper: [], warns: capped },
  ];
  const receivers = cases.map((c, i) => mcshell(['receive', ...sessionArgs(ch), '--out', join(dir, `out${i}`), '--json'], c.env, c.wrapper));
  await sleep(300);
  const sender = await mcshell(['send', image.path, ...sessionArgs(ch), '--min-clients', String(cases.length), '--rate', '200M']).done;
  assert.equal(sender.code, 0, sender.stderr);
  for (const [i, r] of receivers.entries()) {
    const res = await r.done;
    const c = cases[i]!;
    assert.equal(res.code, 0, `${c.name}: ${res.stderr}`);
    const summary = JSON.parse(res.stdout) as { sha256: string; warnings: string[] };
    assert.equal(summary.sha256, image.sha256, c.name);
    if (c.warns) {
      const granted = `${Math.floor(rmemMax / 1024)} KiB`;
      assert.equal(summary.warnings.length, 1, c.name);
      assert.match(summary.warnings[0]!, new RegExp(`receive buffer is ${granted}, not the 16 MiB asked for: net.core.rmem_max caps it.*sysctl -w net.core.rmem_max=16777216`), c.name);
      assert.match(res.stderr, /^mcshell receive: warning: the session socket's receive buffer is/m, c.name);
    } else {
      assert.deepEqual(summary.warnings, [], c.name);
      assert.equal(res.stderr, '', c.name);
    }
  }
});

test('a receiver killed mid-transfer and restarted fetches only what it lacked', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 6_000_000, 22);
  const ch = channel();
  const out = join(dir, 'out');
  const first = mcshell(['receive', ...sessionArgs(ch), '--out', out, '--json']);
  await sleep(300);
  // 16 Mbit/s: about three seconds for the image, so the kill lands in the middle. This sender sends
  // with Node's dgram instead of the native batched socket: both send paths are covered.
  const sender = mcshell(['send', image.path, ...sessionArgs(ch), '--rate', '16M', '--json', '--receiver-timeout', '20'], { MCSHELL_NATIVE: '0' });
  // Kill once the first run has recorded some blocks (the state file is saved every second).
  for (let i = 0; i < 100 && !existsSync(`${out}.mcstate`); i++) await sleep(50);
  first.child.kill('SIGKILL');
  await first.done;
  assert.ok(existsSync(`${out}.mcstate`), 'the state file records what the first run held');
  assert.equal(existsSync(out), false, 'no complete-looking output after a kill');
  const second = await mcshell(['receive', ...sessionArgs(ch), '--out', out, '--json']).done;
  assert.equal(second.code, 0, second.stderr);
  const counters = (JSON.parse(second.stdout) as { counters: { resumedBlocks: number; fetchedBlocks: number } }).counters;
  const blocks = Math.ceil(6_000_000 / (DEFAULT_SYMBOL_SIZE * DEFAULT_K));
  assert.ok(counters.resumedBlocks > 0, JSON.stringify(counters));
  assert.equal(counters.resumedBlocks + counters.fetchedBlocks, blocks, JSON.stringify(counters));
  assert.equal(fileSha256(out), image.sha256);
  const s = await sender.done;
  assert.equal(s.code, 0, s.stderr);
  assert.equal(JSON.parse(s.stdout).receivers.length, 1, 'the restarted receiver kept its identity');
});

test('a receiver that vanishes is reported failed and the others finish', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 4_000_000, 23);
  const ch = channel();
  const stays = mcshell(['receive', ...sessionArgs(ch), '--out', join(dir, 'stays'), '--json']);
  const vanishes = mcshell(['receive', ...sessionArgs(ch), '--out', join(dir, 'vanishes'), '--json']);
  await sleep(300);
  // --max-wait: should a receiver not join at all, the run fails instead of waiting forever.
  const sender = mcshell(['send', image.path, ...sessionArgs(ch), '--min-clients', '2', '--max-wait', '30', '--rate', '16M', '--json', '--progress', '--receiver-timeout', '1']);
  // Kill only once data flows, i.e. both receivers joined (on a busy machine that can take a while).
  await stderrMatches(sender, /sent \d+\/\d+ blocks/);
  vanishes.child.kill('SIGKILL');
  const s = await sender.done;
  assert.equal(s.code, 1, 'not every receiver verified');
  const summary = JSON.parse(s.stdout) as { receivers: { status: string; reason?: string }[] };
  assert.deepEqual(summary.receivers.map((r) => r.status).sort(), ['failed', 'verified']);
  assert.match(summary.receivers.find((r) => r.status === 'failed')!.reason!, /silent/);
  assert.match(s.stderr, /1 of 2 receiver\(s\) failed/);
  const ok = await stays.done;
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(fileSha256(join(dir, 'stays')), image.sha256);
});

test('--out - streams the image to stdout in order', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 2_000_000, 24);
  const ch = channel();
  const r = mcshell(['receive', ...sessionArgs(ch), '--out', '-'], { MCSHELL_TEST_DROP: '0.03', MCSHELL_TEST_SEED: '5' });
  const chunks: Buffer[] = [];
  r.child.stdout!.on('data', (d: Buffer) => chunks.push(d));
  await sleep(300);
  const s = await mcshell(['send', image.path, ...sessionArgs(ch), '--rate', '100M']).done;
  assert.equal(s.code, 0, s.stderr);
  assert.equal((await r.done).code, 0);
  const { createHash } = await import('node:crypto');
  assert.equal(createHash('sha256').update(Buffer.concat(chunks)).digest('hex'), image.sha256);
});

test('--key-file, --sign-key and --verify-key: an encrypted, signed session; bad key files are usage errors', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 1_000_000, 25);
  const key = join(dir, 'session.key');
  writeFileSync(key, `${randomBytes(32).toString('hex')}\n`);
  const pair = generateKeyPairSync('ed25519');
  const sign = join(dir, 'sign.pem');
  const verify = join(dir, 'verify.pem');
  writeFileSync(sign, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(verify, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  const ch = channel();
  const r = mcshell(['receive', ...sessionArgs(ch), '--out', join(dir, 'out'), '--json', '--key-file', key, '--verify-key', verify], { MCSHELL_TEST_CORRUPT: '0.01', MCSHELL_TEST_SEED: '3' });
  await sleep(300);
  const s = await mcshell(['send', image.path, ...sessionArgs(ch), '--rate', '100M', '--key-file', key, '--sign-key', sign]).done;
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stdout, /^done: .* \(encrypted\) \(signed manifest\)/);
  const res = await r.done;
  assert.equal(res.code, 0, res.stderr);
  const counters = (JSON.parse(res.stdout) as { counters: { authFailures: number } }).counters;
  assert.ok(counters.authFailures > 0, 'corrupted datagrams failed authentication');
  assert.equal(fileSha256(join(dir, 'out')), image.sha256);

  const short = join(dir, 'short.key');
  writeFileSync(short, 'abcd');
  const rsa = join(dir, 'rsa.pem');
  writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const cases: [string[], RegExp][] = [
    [['send', image.path, '--interface', 'lo', '--key-file', join(dir, 'missing.key')], /--key-file: cannot read .*missing.key: ENOENT/],
    [['send', image.path, '--interface', 'lo', '--key-file', short], /--key-file: .*short.key must hold a 32-byte key as 64 hex digits .*openssl rand -hex 32/],
    [['send', image.path, '--interface', 'lo', '--key-file', verify], /not all hex digits/],
    [['send', image.path, '--interface', 'lo', '--sign-key', verify], /--sign-key: .*verify.pem is not a PEM private key/],
    [['send', image.path, '--interface', 'lo', '--sign-key', rsa], /--sign-key: .*rsa.pem holds an rsa key, not Ed25519/],
    [['receive', '--interface', 'lo', '--out', 'x', '--verify-key', key], /--verify-key: .*session.key is not a PEM public key/],
  ];
  for (const [args, message] of cases) {
    const bad = await mcshell(args).done;
    assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
    assert.match(bad.stderr, message);
  }
  const help = await mcshell(['receive', '--help']).done;
  assert.match(help.stdout, /--key-file <file>/);
  assert.match(help.stdout, /--verify-key <pem>/);
});

test('an encrypted receiver given the wrong key file fails clearly and leaves nothing', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 300_000, 26);
  const [right, wrong] = ['right.key', 'wrong.key'].map((n) => {
    writeFileSync(join(dir, n), randomBytes(32).toString('hex'));
    return join(dir, n);
  });
  const ch = channel();
  const r = mcshell(['receive', ...sessionArgs(ch), '--out', join(dir, 'out'), '--key-file', wrong!]);
  await sleep(300);
  const s = await mcshell(['send', image.path, ...sessionArgs(ch), '--key-file', right!, '--max-wait', '4']).done;
  const res = await r.done;
  assert.equal(res.code, 1);
  assert.match(res.stderr, /does not authenticate with this receiver's key \(wrong key\?\)/);
  assert.equal(s.code, 1);
  assert.equal(existsSync(join(dir, 'out')) || existsSync(join(dir, 'out.mcpart')), false);
});

test('send --prepare keeps the manifest, which later sessions use; --no-manifest-cache hashes anyway', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 1_500_000, 23);
  const env = { XDG_CACHE_HOME: join(dir, 'cache') };
  const prepared = await mcshell(['send', image.path, '--prepare', '--json'], env).done;
  assert.equal(prepared.code, 0, prepared.stderr);
  assert.deepEqual(
    (({ imageBytes, imageSha256, alreadyCached }) => ({ imageBytes, imageSha256, alreadyCached }))(JSON.parse(prepared.stdout)),
    { imageBytes: 1_500_000, imageSha256: image.sha256, alreadyCached: false },
  );
  const again = await mcshell(['send', image.path, '--prepare'], env).done;
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /was already cached/);
  for (const cacheArgs of [[], ['--no-manifest-cache']]) {
    const ch = channel();
    const out = join(dir, `out${cacheArgs.length}`);
    const receiver = mcshell(['receive', ...sessionArgs(ch), '--out', out], env);
    await sleep(300);
    const sender = await mcshell(['send', image.path, ...sessionArgs(ch), '--rate', '200M', '--json', ...cacheArgs], env).done;
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(JSON.parse(sender.stdout).manifestCached, cacheArgs.length === 0);
    assert.equal((await receiver.done).code, 0);
    assert.equal(fileSha256(out), image.sha256);
  }
  const device = await mcshell(['send', '/dev/null', '--prepare'], env).done;
  assert.equal(device.code, 1);
  assert.match(device.stderr, /not a regular file/);
  const contradiction = await mcshell(['send', image.path, '--prepare', '--no-manifest-cache'], env).done;
  assert.equal(contradiction.code, 2);
  assert.match(contradiction.stderr, /cannot be combined with --no-manifest-cache/);
});

test('an image changed while it is sent ends the session with a clear error at the sender and every receiver', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 6_000_000, 31);
  const ch = channel();
  const outs = [0, 1].map((i) => join(dir, `out${i}`));
  const receivers = outs.map((out) => mcshell(['receive', ...sessionArgs(ch), '--out', out, '--json']));
  await sleep(300);
  // 8 Mbit/s: about six seconds for the image, so the change lands while it is sent.
  const sender = mcshell(['send', image.path, ...sessionArgs(ch), '--min-clients', '2', '--rate', '8M', '--json', '--progress']);
  await stderrMatches(sender, /sent \d+\/\d+ blocks/);
  // Someone writes into the image in place, in a block not sent yet.
  const fd = openSync(image.path, 'r+');
  writeSync(fd, randomBytes(100_000), 0, 100_000, 5_000_000);
  closeSync(fd);
  const s = await sender.done;
  assert.equal(s.code, 1, s.stderr);
  const summary = JSON.parse(s.stdout) as { ok: boolean; message: string; wireRatio: number };
  assert.match(summary.message, /the image .* was changed during the session \(its modification time moved\): what is sent no longer matches its manifest, so the session was ended/);
  assert.ok(summary.wireRatio < 1.5, `the sender stopped instead of looping (${summary.wireRatio}× the image on the wire)`);
  for (const [i, receiver] of receivers.entries()) {
    const r = await receiver.done;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /the sender ended the session because its image was changed while it was sent/);
    assert.equal(existsSync(outs[i]!), false, 'no complete-looking output');
  }
});

for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
  test(`bare receive follows a sender restarted after ${signal} into its new session and resumes`, async () => {
    const dir = tempDir();
    const image = makeImage(dir, 6_000_000, signal === 'SIGKILL' ? 41 : 42);
    const out = join(dir, 'out');
    const receiver = mcshell(['receive', '--interface', 'lo', '--out', out, '--json']);
    await sleep(300);
    // 16 Mbit/s: about three seconds for the image, so the sender stops in the middle.
    const first = mcshell(['send', image.path, ...sessionArgs(channel()), '--rate', '16M']);
    for (let i = 0; i < 200 && !existsSync(`${out}.mcstate`); i++) await sleep(50);
    first.child.kill(signal);
    await first.done;
    // The same image again, in a new session on another group port.
    const second = mcshell(['send', image.path, ...sessionArgs(channel()), '--rate', '200M', '--json']);
    const r = await receiver.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /the sender restarted \(the same image in session [0-9a-f]{8}\): joining it/);
    const counters = (JSON.parse(r.stdout) as { counters: { resumedBlocks: number } }).counters;
    assert.ok(counters.resumedBlocks > 0, `resumed with what it held: ${JSON.stringify(counters)}`);
    assert.equal(fileSha256(out), image.sha256);
    const s = await second.done;
    assert.equal(s.code, 0, s.stderr);
  });
}

test('bare receive on a full disk removes its partial copy and resume state, naming the disk', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 4_000_000, 43);
  const small = join(dir, 'small');
  mkdirSync(small);
  // A 1 MiB tmpfs in a mount namespace of the receiver's own; what is left there is listed before it goes.
  const script = 'mount -t tmpfs -o size=1m tmpfs "$SMALL" || exit 99; "$@"; code=$?; echo "left: [$(ls -A "$SMALL" | tr "\\n" " ")]" >&2; exit $code';
  const receiver = mcshell(['receive', '--interface', 'lo', '--out', join(small, 'out.img'), '--json'], { SMALL: small }, ['unshare', '-m', 'sh', '-c', script, 'sh']);
  await sleep(300);
  const sender = mcshell(['send', image.path, ...sessionArgs(channel()), '--rate', '200M', '--receiver-timeout', '5']);
  const r = await receiver.done;
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /cannot write .*small\/out\.img: no space left on the disk tmpfs \(tmpfs, mounted at .*small, [\d.]+ (bytes|KB)( free)?.*; the partial copy was removed/);
  assert.match(r.stderr, /left: \[\]/, 'neither out.img.mcpart nor out.img.mcstate is left');
  await sender.done;
});

test('a final-hash failure leaves neither the output nor its partial copy nor its resume state', async () => {
  const dir = tempDir();
  const image = makeImage(dir, 2_000_000, 44);
  // The sender keeps its manifests in the site's cache (MCSHELL_HOME).
  const env = { MCSHELL_HOME: join(dir, 'site') };
  assert.equal((await mcshell(['send', image.path, '--prepare'], env).done).code, 0);
  // A manifest whose block hashes are right but whose whole-image hash is not (bytes 20-52 after the cache key line).
  const manifests = join(dir, 'site', 'cache', 'manifests');
  const entry = join(manifests, readdirSync(manifests)[0]!);
  const bytes = readFileSync(entry);
  bytes[bytes.indexOf(0x0a) + 1 + 20]! ^= 0xff;
  writeFileSync(entry, bytes);
  const ch = channel();
  const out = join(dir, 'out');
  const receiver = mcshell(['receive', ...sessionArgs(ch), '--out', out, '--json']);
  await sleep(300);
  const sender = mcshell(['send', image.path, ...sessionArgs(ch), '--rate', '200M', '--receiver-timeout', '5'], env);
  const r = await receiver.done;
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /the image's SHA-256 does not match the manifest/);
  assert.deepEqual([out, `${out}.mcpart`, `${out}.mcstate`].filter((path) => existsSync(path)), []);
  await sender.done;
});

test('--start-timeout: a receiver that finds no session gives up in time, saying what to check, and leaves nothing', async () => {
  const dir = tempDir();
  const ch = channel();
  const announced = await mcshell(['receive', '--interface', ch.interface, '--out', join(dir, 'a'), '--start-timeout', '1', '--json']).done;
  assert.equal(announced.code, 1);
  assert.match(announced.stderr, /no session was found on the link within 1 s \(--start-timeout\)/);
  const explicit = await mcshell(['receive', ...sessionArgs(ch), '--out', join(dir, 'b'), '--start-timeout', '1']).done;
  assert.equal(explicit.code, 1);
  assert.match(explicit.stderr, new RegExp(`no session was found on ${ch.group.replaceAll('.', '\\.')}:${ch.port} within 1 s`));
  for (const name of ['a', 'a.mcpart', 'b', 'b.mcpart']) assert.equal(existsSync(join(dir, name)), false, name);
});
