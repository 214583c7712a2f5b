// scripts/netlan.sh builds a LAN of network namespaces for the transport benchmark and for tests.
// These tests check that it works and isolates: multicast crosses the bridge, nftables loss drops
// only what arrives, tbf shapes the sender's link, teardown leaves nothing behind, and the caller's
// own namespace never gets an interface. They need root (ip netns); otherwise they are skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { namespacesUnusable, netlan } from './lan.js';

const skip = namespacesUnusable();

const GROUP = '239.255.42.1';
let serial = 0;

function freshPrefix(): string {
  serial += 1;
  return `mct${process.pid}${serial}`;
}

function lan(args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(netlan, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stderr: result.stderr };
}

function namespaces(prefix: string): string[] {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  return list.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(`${prefix}-`));
}

async function withLan(args: string[], body: (prefix: string) => Promise<void>): Promise<void> {
  const prefix = freshPrefix();
  const up = lan(['up', '--prefix', prefix, ...args]);
  try {
    assert.equal(up.status, 0, up.stderr);
    await body(prefix);
  } finally {
    lan(['down', '--prefix', prefix]);
  }
}

const address = (i: number): string => `198.18.0.${i + 1}`;

// Counts datagrams on a port (joining GROUP on `iface` when `join`); prints "ready" once listening,
// then a JSON summary once `quietMs` pass without traffic after the first datagram (or `maxMs` in all).
const RECEIVER = `
const dgram = require('node:dgram');
const [port, iface, join, quietMs, maxMs] = process.argv.slice(1);
const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
let count = 0, first = 0, last = 0, timer;
const finish = () => { console.log(JSON.stringify({ count, spanMs: last - first })); s.close(); process.exit(0); };
const arm = () => { clearTimeout(timer); timer = setTimeout(finish, +quietMs); };
s.on('message', () => { const now = performance.now(); if (!count) first = now; last = now; count++; arm(); });
s.bind(+port, () => { s.setRecvBufferSize(4 << 20); if (join === '1') s.addMembership('${GROUP}', iface); console.log('ready'); setTimeout(finish, +maxMs); });
`;

// Sends `count` datagrams of `size` bytes from `iface` to host:port, pausing 1 ms every `burst`.
const SENDER = `
const dgram = require('node:dgram');
const [host, port, iface, count, size, burst] = process.argv.slice(1);
const s = dgram.createSocket('udp4');
s.bind(0, iface, async () => {
  s.setMulticastInterface(iface);
  const payload = Buffer.alloc(+size);
  for (let i = 0; i < +count; i++) {
    await new Promise((resolve, reject) => s.send(payload, +port, host, (e) => (e ? reject(e) : resolve())));
    if ((i + 1) % +burst === 0) await new Promise((r) => setTimeout(r, 1));
  }
  s.close();
});
`;

interface Counted {
  count: number;
  spanMs: number;
}

// Resolves once the receiver listens, with `counted` (a promise that cannot be returned bare: it would be adopted).
function startReceiver(ns: string, port: number, iface: string, join: boolean, quietMs = 1500): Promise<{ counted: Promise<Counted> }> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', RECEIVER, String(port), iface, join ? '1' : '0', String(quietMs), '20000'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolveReady, rejectReady) => {
    const done = new Promise<Counted>((resolveDone, rejectDone) => {
      child.on('close', (code) => {
        const line = out.trim().split('\n').at(-1) ?? '';
        if (code === 0 && line.startsWith('{')) resolveDone(JSON.parse(line) as Counted);
        else rejectDone(new Error(`receiver in ${ns} exited ${code}: ${out}`));
      });
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolveReady({ counted: done });
    });
    child.on('close', () => rejectReady(new Error(`receiver in ${ns} ended before it was ready: ${out}`)));
  });
}

function send(ns: string, host: string, port: number, iface: string, count: number, size: number, burst: number): void {
  const result = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', SENDER, host, String(port), iface, String(count), String(size), String(burst)], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(result.status, 0, `sender in ${ns} failed: ${result.stderr}`);
}

test('netlan: multicast from host 0 crosses the bridge to every receiver, and nothing appears in the caller namespace', { skip }, async () => {
  const mine = readFileSync('/proc/net/dev', 'utf8');
  await withLan(['--receivers', '2'], async (prefix) => {
    assert.deepEqual(namespaces(prefix).sort(), [`${prefix}-h0`, `${prefix}-h1`, `${prefix}-h2`, `${prefix}-sw`]);
    assert.equal(readFileSync('/proc/net/dev', 'utf8').split('\n').length, mine.split('\n').length, 'no interface was added to the caller namespace');
    const receivers = [
      await startReceiver(`${prefix}-h1`, 5001, address(1), true),
      await startReceiver(`${prefix}-h2`, 5001, address(2), true),
    ];
    send(`${prefix}-h0`, GROUP, 5001, address(0), 500, 1000, 20);
    for (const r of receivers) assert.equal((await r.counted).count, 500);
  });
});

test('netlan: --loss drops a random share of what each receiver gets, never its own feedback', { skip }, async () => {
  await withLan(['--receivers', '1', '--loss', '0.2'], async (prefix) => {
    const multicast = await startReceiver(`${prefix}-h1`, 5002, address(1), true);
    send(`${prefix}-h0`, GROUP, 5002, address(0), 3000, 200, 50);
    const got = (await multicast.counted).count;
    assert.ok(got > 3000 * 0.7 && got < 3000 * 0.9, `expected about 80 % of 3000 datagrams, got ${got}`);
    // The receiver's feedback to the sender leaves through the output hook: all of it arrives.
    const feedback = await startReceiver(`${prefix}-h0`, 5003, address(0), false);
    send(`${prefix}-h1`, address(0), 5003, address(1), 1000, 200, 50);
    assert.equal((await feedback.counted).count, 1000);
  });
});

test('netlan: --rate shapes the sender link with tbf (back-pressure, no loss)', { skip }, async () => {
  await withLan(['--receivers', '1', '--rate', '10mbit'], async (prefix) => {
    const qdisc = spawnSync('tc', ['-n', `${prefix}-h0`, 'qdisc', 'show', 'dev', 'mcv0'], { encoding: 'utf8' }).stdout;
    assert.match(qdisc, /tbf .*rate 10Mbit/);
    const r = await startReceiver(`${prefix}-h1`, 5004, address(1), true);
    // 1000 x 1250 bytes of payload = 10 Mbit, about 1.05 s on a 10 Mbit/s link with headers.
    send(`${prefix}-h0`, GROUP, 5004, address(0), 1000, 1250, 1000);
    const { count, spanMs } = await r.counted;
    assert.equal(count, 1000);
    assert.ok(spanMs > 800 && spanMs < 3000, `10 Mbit should take about 1 s at 10 Mbit/s, took ${spanMs.toFixed(0)} ms`);
  });
});

test('netlan: --slow shapes one receiver port; down removes every namespace; a failed up leaves nothing', { skip }, async () => {
  await withLan(['--receivers', '2', '--slow', '2:5mbit'], async (prefix) => {
    const qdisc = spawnSync('tc', ['-n', `${prefix}-sw`, 'qdisc', 'show', 'dev', 'mcp2'], { encoding: 'utf8' }).stdout;
    assert.match(qdisc, /tbf .*rate 5Mbit/);
  });
  const prefix = freshPrefix();
  assert.equal(lan(['up', '--prefix', prefix, '--receivers', '2']).status, 0);
  assert.equal(namespaces(prefix).length, 4);
  assert.equal(lan(['down', '--prefix', prefix]).status, 0);
  assert.deepEqual(namespaces(prefix), []);
  const failed = lan(['up', '--prefix', prefix, '--receivers', '2', '--slow', '9:1mbit']);
  assert.notEqual(failed.status, 0);
  assert.match(failed.stderr, /--slow/);
  assert.deepEqual(namespaces(prefix), []);
});

// Where br_netfilter is loaded, the host's bridges pass frames through the IP hooks; the LAN's
// switch must not (a real switch does not filter, and the cost lands on the sender's CPU), and
// turning it off there must not touch the host's own setting.
const hostBridgeFilter = '/proc/sys/net/bridge/bridge-nf-call-iptables';
const bridgeFilterSkip = skip || (existsSync(hostBridgeFilter) ? false : 'br_netfilter is not loaded on this machine: nothing to turn off');
test('netlan: the switch does not pass bridged frames through netfilter; the host keeps its setting', { skip: bridgeFilterSkip }, async () => {
  const hostBefore = readFileSync(hostBridgeFilter, 'utf8');
  await withLan(['--receivers', '1'], async (prefix) => {
    const inSwitch = spawnSync('ip', ['netns', 'exec', `${prefix}-sw`, 'sh', '-c', 'cat /proc/sys/net/bridge/bridge-nf-call-*'], { encoding: 'utf8' });
    assert.equal(inSwitch.status, 0, inSwitch.stderr);
    assert.deepEqual(inSwitch.stdout.trim().split('\n'), ['0', '0', '0']);
  });
  assert.equal(readFileSync(hostBridgeFilter, 'utf8'), hostBefore);
});
