// What an eavesdropper on the LAN sees of a session: tcpdump on the sender's link in the namespace
// LAN (scripts/netlan.sh) captures every frame of an encrypted session, and none of the image's
// bytes are in it; the same capture of an unencrypted session is full of them (the check works).
// Needs root (ip netns) and tcpdump; otherwise skipped with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const netlan = join(root, 'scripts/netlan.sh');
const bin = join(root, 'bin/mcshell.js');
const has = (t: string): boolean => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0;

function usable(): string | false {
  if (process.getuid?.() !== 0) return 'needs root: the namespace LAN is made with ip netns';
  const missing = ['ip', 'tc', 'nft', 'tcpdump'].filter((t) => !has(t));
  if (missing.length) return `needs ${missing.join(', ')} (apt-get install -y iproute2 nftables tcpdump)`;
  const probe = `mcq${process.pid}c`;
  const made = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  spawnSync('ip', ['netns', 'delete', probe]);
  return made.status === 0 ? false : `needs real root: ip netns add failed (${made.stderr.trim()})`;
}
const skip = usable();

const WINDOW = 16;

/** How many of the image's aligned 16-byte windows occur anywhere in `haystack`. */
function windowsFound(image: Buffer, haystack: Buffer): number {
  const wanted = new Set<string>();
  for (let o = 0; o + WINDOW <= image.length; o += WINDOW) wanted.add(image.toString('latin1', o, o + WINDOW));
  const text = haystack.toString('latin1');
  const found = new Set<string>();
  for (let i = 0; i + WINDOW <= text.length; i++) {
    const w = text.slice(i, i + WINDOW);
    if (wanted.has(w)) found.add(w);
  }
  return found.size;
}

function run(ns: string, args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; out: string }> } {
  const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  return { child, done: new Promise((r) => child.on('close', (code) => r({ code, out }))) };
}

async function capture(encrypted: boolean): Promise<{ image: Buffer; pcap: Buffer; dropped: number }> {
  const prefix = `mce${process.pid}${encrypted ? 'e' : 'p'}`;
  const dir = mkdtempSync(join(tmpdir(), 'mcshell-capture-'));
  const up = spawnSync(netlan, ['up', '--prefix', prefix, '--receivers', '2'], { encoding: 'utf8', timeout: 60_000 });
  const started: ChildProcess[] = [];
  try {
    assert.equal(up.status, 0, up.stderr);
    const image = randomBytes(2_000_000);
    writeFileSync(join(dir, 'image'), image);
    writeFileSync(join(dir, 'key'), randomBytes(32).toString('hex'));
    const keyArgs = encrypted ? ['--key-file', join(dir, 'key')] : [];
    // Every frame the sender sends or receives: the whole session as the LAN carries it.
    const dump = run(`${prefix}-h0`, ['tcpdump', '-i', 'mcv0', '-U', '-s', '0', '-B', '32768', '-w', join(dir, 'pcap')]);
    started.push(dump.child);
    await new Promise<void>((resolve, reject) => {
      dump.child.stderr!.on('data', (d: Buffer) => {
        if (/listening on/.test(d.toString())) resolve();
      });
      void dump.done.then(({ out }) => reject(new Error(`tcpdump ended: ${out}`)));
    });
    const receivers = [1, 2].map((i) => run(`${prefix}-h${i}`, [process.execPath, bin, 'receive', '--interface', `mcv${i}`, '--out', join(dir, `out${i}`), ...keyArgs]));
    started.push(...receivers.map((r) => r.child));
    await new Promise((r) => setTimeout(r, 300));
    const sender = await run(`${prefix}-h0`, [process.execPath, bin, 'send', join(dir, 'image'), '--interface', 'mcv0', '--min-clients', '2', '--rate', '50M', ...keyArgs]).done;
    assert.equal(sender.code, 0, sender.out);
    for (const [i, r] of receivers.entries()) {
      const res = await r.done;
      assert.equal(res.code, 0, res.out);
      assert.ok(readFileSync(join(dir, `out${i + 1}`)).equals(image), `receiver ${i + 1} holds the image`);
    }
    // tcpdump may lag behind on a busy machine, and SIGINT leaves what it has not read yet: stop
    // it once the capture file has stopped growing, then check it read everything the kernel kept.
    for (let last = -1, size = 0; size !== last; await new Promise((r) => setTimeout(r, 500))) [last, size] = [size, statSync(join(dir, 'pcap')).size];
    dump.child.kill('SIGINT');
    const { out } = await dump.done;
    const count = (what: string): number => Number(new RegExp(`(\\d+) packets? ${what}`).exec(out)?.[1] ?? NaN);
    // A frame or two may still arrive while tcpdump shuts down (IGMP leaves as the receivers exit):
    // counted by the filter, never written. The session itself ended before the file stopped growing.
    const unwritten = count('received by filter') - count('captured');
    assert.ok(unwritten >= 0 && unwritten <= 2, `tcpdump's report: ${out}`);
    return { image, pcap: readFileSync(join(dir, 'pcap')), dropped: count('dropped by kernel') };
  } finally {
    for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
    spawnSync(netlan, ['down', '--prefix', prefix], { timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a capture of an encrypted session on the LAN holds none of the image, a plain one holds all of it', { skip }, async () => {
  const secret = await capture(true);
  assert.equal(secret.dropped, 0, 'tcpdump saw every frame');
  assert.ok(secret.pcap.length > secret.image.length, `the capture has the whole session (${secret.pcap.length} bytes)`);
  const total = secret.image.length / WINDOW;
  assert.equal(windowsFound(secret.image, secret.pcap), 0, `none of the image's ${total} 16-byte windows is in the capture`);
  const plain = await capture(false);
  const seen = windowsFound(plain.image, plain.pcap);
  assert.ok(seen > total * 0.9, `the same check finds the image in an unencrypted capture (windows across datagram boundaries are not): ${seen} of ${total} windows`);
});
