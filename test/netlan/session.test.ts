// A plain session on the namespace LAN (scripts/netlan.sh) with real, independent 5 % loss per
// receiver (nftables): `mcshell send` on host 0, three `mcshell receive` on hosts 1–3. Every
// receiver verifies the image, repair symbols are decoded, and, with the native addon, the symbols
// are placed by the native path (the loopback session tests inject their loss in JS, where only the
// JS path runs). Needs root (ip netns); skipped otherwise, like the other netlan tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeAddon } from '../../src/engine/transport/native.js';
import { fileSha256, makeImage, tempDir } from '../transport/helpers.js';
import { namespacesUnusable, netlan } from './lan.js';

const mcshell = fileURLToPath(new URL('../../../bin/mcshell.js', import.meta.url));

const skip = namespacesUnusable();

/** Runs mcshell in a namespace; resolves with its exit code and parsed --json output. */
function run(ns: string, args: string[]): Promise<{ code: number | null; json: Record<string, unknown> | null; stderr: string }> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, mcshell, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      let json: Record<string, unknown> | null = null;
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        // reported by the caller's assertion
      }
      resolve({ code, json, stderr });
    });
  });
}

test('a session over the namespace LAN with 5 % real loss per receiver: every receiver verifies', { skip }, async (t) => {
  const prefix = `mcn${process.pid % 100000}${Math.floor(Math.random() * 1000)}`;
  const up = spawnSync(netlan, ['up', '--prefix', prefix, '--receivers', '3', '--rate', '100mbit', '--loss', '0.05'], { encoding: 'utf8', timeout: 60_000 });
  t.after(() => void spawnSync(netlan, ['down', '--prefix', prefix], { timeout: 60_000 }));
  assert.equal(up.status, 0, up.stderr);
  const dir = tempDir();
  const image = makeImage(dir, 12 * 1024 * 1024 + 12345, 7);
  const outs = [1, 2, 3].map((i) => join(dir, `out${i}`));
  const receivers = outs.map((out, i) => run(`${prefix}-h${i + 1}`, ['receive', '--interface', `mcv${i + 1}`, '--out', out]));
  const sender = await run(`${prefix}-h0`, ['send', image.path, '--interface', 'mcv0', '--min-clients', '3', '--rate', '100M']);
  assert.equal(sender.code, 0, sender.stderr);
  for (const [i, r] of (await Promise.all(receivers)).entries()) {
    assert.equal(r.code, 0, `receiver ${i + 1}: ${r.stderr}`);
    assert.equal(fileSha256(outs[i]!), image.sha256);
    const counters = r.json!.counters as Record<string, number>;
    assert.ok(counters.decodedBlocks! > 0, 'repair symbols were decoded');
    assert.ok(counters.lost! > 0, 'the loss was real');
    if (nativeAddon()) assert.ok(counters.placedNatively! > counters.datagrams! * 0.9, `${counters.placedNatively} of ${counters.datagrams} placed natively`);
  }
});
