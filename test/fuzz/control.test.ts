// Control endpoint fuzz (issue 6): thousands of seeded random and malformed requests — random
// methods, paths (traversal, encodings, long), headers and credentials, random and mutated JSON
// bodies, oversized bodies, raw garbage before and after the TLS handshake, stalled requests. The
// DP must never answer 5xx, close every broken or stalled connection, never crash, and afterwards
// still serve a real client that verifies its image.
// A failing seed is printed; rerun with MCSHELL_FUZZ_SEED=<seed>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { connect as netConnect } from 'node:net';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DPService } from '../../src/engine/dp/service.js';
import { runClient } from '../../src/engine/client/agent.js';
import { enrollDevices, makeLab } from '../engine/dp/fixtures.js';

const SEED = Number(process.env.MCSHELL_FUZZ_SEED ?? 0x5eed_c0de);
const HTTP_REQUESTS = 4000;
const RAW_CONNECTIONS = 600;
/** Stalled requests (a body shorter than its Content-Length, headers never finished), all open at once. */
const STALLED_CONNECTIONS = 40;
/** The DP closes a stalled request within its request timeout (10 s) plus its check interval (1 s). */
const STALL_LIMIT_MS = 15_000;

/** mulberry32: small, fast, good enough to pick fuzz inputs reproducibly. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  return { next, int, pick, bytes };
}

type Random = ReturnType<typeof prng>;

const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'PROPFIND', 'X'];
const PATHS = ['/v1/hello', '/v1/enroll', '/v1/content', '/v1/status', '/v1/sessions', '/v1/content/IMG00001', '/v1/content/IMG99999', '/', '/v1', '/v1/', '/v2/hello'];
const NASTY = ['..', '%2e%2e', '%2f', '%2F', '%00', '%ff', '//', '/./', '\\..\\', '~', '%252e%252e', 'etc/passwd', '..%c0%af', '?', '#', '%', '%%', ';', '*'];
const KEYS = ['token', 'mac', 'name', 'deviceId', 'deploymentId', 'imageId', 'state', 'clientState', 'sessionId', 'step', 'percent', 'message', '__proto__', 'constructor'];

function randomString(r: Random, max = 40): string {
  const alphabets = ['abcdefghijklmnopqrstuvwxyz0123456789', 'IMGDEPCLI0123456789.:-', '\u0000\u0001\u007f\u00ff\u2028\ud800\ufffe"\\/{}[]', 'é漢字🙂'];
  const alphabet = r.pick(alphabets);
  return Array.from({ length: r.int(max) }, () => alphabet[r.int(alphabet.length)]).join('');
}

function randomJson(r: Random, depth = 0): unknown {
  const kind = r.int(depth > 6 ? 5 : 8);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return r.next() < 0.5;
    case 2:
      return r.pick([0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 2 ** 53 + 1, r.int(1000)]);
    case 3:
    case 4:
      return randomString(r);
    case 5:
      return Array.from({ length: r.int(5) }, () => randomJson(r, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = r.int(6); i > 0; i--) object[r.next() < 0.7 ? r.pick(KEYS) : randomString(r, 10)] = randomJson(r, depth + 1);
      return object;
    }
  }
}

/** Every byte percent-encoded (encodeURIComponent refuses lone surrogates). */
const percentEncode = (text: string) => [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');

function randomPath(r: Random): string {
  const base = r.pick(PATHS);
  switch (r.int(6)) {
    case 0:
      return base;
    case 1:
      return `${base}/${Array.from({ length: 1 + r.int(6) }, () => r.pick(NASTY)).join('/')}`;
    case 2:
      return `/v1/content/${Array.from({ length: 1 + r.int(8) }, () => r.pick(NASTY)).join('')}`;
    case 3:
      return `${base}?${percentEncode(randomString(r))}=${percentEncode(randomString(r))}`;
    case 4:
      return `/${percentEncode(randomString(r, 200))}`;
    default:
      return `/${'a/'.repeat(r.int(3000))}`;
  }
}

/** A body: random JSON, a mutated valid one, garbage bytes, or one past the size limit. */
function randomBody(r: Random, valid: Record<string, unknown>): Buffer | string | undefined {
  switch (r.int(7)) {
    case 0:
      return undefined;
    case 1:
      return JSON.stringify(randomJson(r));
    case 2: {
      const mutated: Record<string, unknown> = { ...valid };
      const key = r.pick(Object.keys(valid));
      mutated[key] = randomJson(r);
      return JSON.stringify(mutated);
    }
    case 3:
      return JSON.stringify(valid).slice(0, r.int(40));
    case 4:
      return r.bytes(r.int(2000));
    case 5:
      return Buffer.alloc(64 * 1024 + 1 + r.int(1024 * 1024), 0x20);
    default:
      return '['.repeat(r.int(100_000));
  }
}

interface Outcome {
  status: number;
}

function httpRequest(agent: Agent, port: number, method: string, path: string, headers: Record<string, string>, body: Buffer | string | undefined): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: number) => {
      if (!settled) resolve({ status });
      settled = true;
    };
    let req;
    try {
      req = request({ host: '127.0.0.1', port, method, path, headers, agent, timeout: 20_000 }, (response) => {
        response.resume();
        response.on('end', () => done(response.statusCode ?? 0));
        response.on('error', () => done(response.statusCode ?? 0));
      });
    } catch {
      // Node itself refuses to send some inputs (invalid characters in the path or a header).
      return done(-1);
    }
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => done(error.message === 'timeout' ? -2 : 0));
    req.end(body);
  });
}

/**
 * Opens a connection (TLS or not), sends `payload`, and resolves when the DP answers or closes
 * it (an answered connection may stay open for keep-alive), or after `limitMs` without either.
 */
function rawConnection(port: number, tls: boolean, payload: Buffer, endAfterSending: boolean, limitMs: number): Promise<'closed' | 'timeout'> {
  return new Promise((resolve) => {
    const socket = tls ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }) : netConnect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, limitMs);
    const send = () => {
      socket.write(payload);
      if (endAfterSending) socket.end();
    };
    if (tls) socket.once('secureConnect', send);
    else socket.once('connect', send);
    const closed = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('closed');
    };
    socket.on('data', closed);
    socket.on('error', () => undefined);
    socket.on('close', closed);
  });
}

/** Garbage before the handshake, or a TLS connection carrying a malformed HTTP request. */
function garbage(r: Random, port: number): Promise<'closed' | 'timeout'> {
  const payload = r.pick([
    () => r.bytes(1 + r.int(4096)),
    () => Buffer.from(`${r.pick(METHODS)} ${randomPath(r)} HTTP/1.1\r\nHost: dp\r\n${randomString(r)}: ${randomString(r)}\r\n\r\n`),
    () => Buffer.from(`POST /v1/hello HTTP/1.1\r\nHost: dp\r\nContent-Length: ${r.pick(['-1', 'abc', '1e3', '0x10'])}\r\n\r\n{}`),
    () => Buffer.from('POST /v1/status HTTP/1.1\r\nHost: dp\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot a chunk\r\n0\r\n\r\n'),
    () => Buffer.from(`GET /v1/sessions HTTP/1.1\r\nHost: dp\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`),
    () => Buffer.from(`GET /v1/sessions HTTP/1.1\r\n${Array.from({ length: 3000 }, (_, i) => `H${i}: v`).join('\r\n')}\r\n\r\n`),
  ])();
  // Random bytes without TLS mostly look like a broken handshake; with TLS, like broken HTTP.
  return rawConnection(port, r.next() < 0.7, payload, r.next() < 0.5, STALL_LIMIT_MS);
}

/** A request that never completes: the DP must time it out and close the connection (a 408 answer counts). */
function stalled(r: Random, port: number): Promise<'closed' | 'timeout'> {
  const payload = r.pick([
    () => Buffer.from(`POST /v1/hello HTTP/1.1\r\nHost: dp\r\nContent-Length: ${r.pick(['10', '65536', '99999999999'])}\r\n\r\n{}`),
    () => Buffer.from('GET /v1/sessions HTTP/1.1\r\nHost: dp\r\nX-Slow: '),
    () => Buffer.alloc(0),
  ])();
  return rawConnection(port, true, payload, false, STALL_LIMIT_MS);
}

test(`control endpoint fuzz (seed ${SEED}): ${HTTP_REQUESTS} random requests and ${RAW_CONNECTIONS} raw connections, never a 5xx or a crash; a real client is served afterwards`, async (t) => {
  const lab = await makeLab({ devices: 2, dp: { enabled: false } });
  const dp = new DPService(lab.store, { port: 0, joinWaitSeconds: 10, requestsPerSecond: 1e9 });
  const { port } = await dp.start();
  t.after(() => dp.stop());
  const server = `127.0.0.1:${port}`;
  const credentials = await enrollDevices(lab.store, server, lab.devices);
  const fuzzer = credentials.get('lab-02')!.credential;
  const r = prng(SEED);
  const agent = new Agent({ keepAlive: true, maxSockets: 8, rejectUnauthorized: false });
  t.after(() => agent.destroy());
  const valid: Record<string, unknown> = { deploymentId: 'DEP001', imageId: lab.image.id, state: 'InProgress', step: 1, message: 'fuzz', token: 'abcdef.abcdefghijklmnopqrstuvwx', mac: '02:00:00:00:00:02' };
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  const started = Date.now();
  // Slowloris: stalled connections held open while the rest of the fuzz runs.
  const stalls = Promise.all(Array.from({ length: STALLED_CONNECTIONS }, () => stalled(r, port)));
  for (let done = 0; done < HTTP_REQUESTS; done += 16) {
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        const method = r.next() < 0.8 ? r.pick(['GET', 'POST', 'POST', 'HEAD']) : r.pick(METHODS);
        const path = r.next() < 0.6 ? r.pick(PATHS) : randomPath(r);
        const body = method === 'GET' || method === 'HEAD' ? undefined : randomBody(r, valid);
        const credential = r.pick([undefined, fuzzer, `${fuzzer.slice(0, -1)}x`, randomString(r), 'CLI00001.' + 'A'.repeat(43)]);
        const headers: Record<string, string> = {
          ...(credential !== undefined ? { authorization: r.next() < 0.8 ? `Bearer ${credential}` : credential } : {}),
          ...(r.next() < 0.2 ? { range: r.pick(['bytes=0-', 'bytes=-1', 'bytes=5-2', 'bytes=99999999999-', 'bytes=abc', `bytes=${r.int(1e7)}-${r.int(1e7)}`]) } : {}),
          ...(r.next() < 0.1 ? { 'content-type': randomString(r) } : {}),
        };
        const outcome = await httpRequest(agent, port, method, path, headers, body);
        statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
        if (outcome.status >= 500 || outcome.status === -2) failures.push(`${method} ${path.slice(0, 80)} → ${outcome.status === -2 ? 'no answer in 20 s' : outcome.status}`);
      }),
    );
  }
  const httpSeconds = (Date.now() - started) / 1000;
  for (let done = 0; done < RAW_CONNECTIONS; done += 8) {
    const results = await Promise.all(Array.from({ length: 8 }, () => garbage(r, port)));
    for (const result of results) if (result === 'timeout') failures.push(`a connection sending garbage was neither answered nor closed in ${STALL_LIMIT_MS / 1000} s`);
  }
  for (const result of await stalls) if (result === 'timeout') failures.push(`a stalled request was still open after ${STALL_LIMIT_MS / 1000} s`);
  const summary = [...statuses.entries()].sort((a, b) => a[0] - b[0]).map(([status, count]) => `${status}:${count}`).join(' ');
  t.diagnostic(`seed ${SEED}: requests ${httpSeconds.toFixed(1)} s, raw connections ${((Date.now() - started) / 1000 - httpSeconds).toFixed(1)} s, statuses ${summary}`);
  assert.deepEqual(failures.slice(0, 20), [], `seed ${SEED}: ${failures.length} failures`);
  assert.ok((statuses.get(401) ?? 0) > 0 && (statuses.get(404) ?? 0) > 0 && (statuses.get(400) ?? 0) > 0 && (statuses.get(200) ?? 0) > 0, `the fuzz reached the checks and the handlers: ${summary}`);

  // The DP is intact: the site reads, and a real client enrolled before the fuzz gets its image by multicast.
  await lab.store.update((site) => void (site.dp.enabled = true));
  const result = await runClient({ credential: credentials.get('lab-01')!, interface: 'lo' });
  assert.equal(result.ok, true, result.message);
  assert.equal(result.steps[0]!.mode, 'multicast');
  assert.equal(createHash('sha256').update(await readFile(lab.target('lab-01'))).digest('hex'), lab.sha256);
});
