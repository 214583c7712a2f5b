// A client whose session socket buffer net.core.rmem_max caps tells its admin (a 'warning' event)
// and still ends with a verified image. This file's process reads with Node's dgram
// (MCSHELL_NATIVE=0, set before the transport loads), which cannot go past rmem_max — as the addon
// cannot without CAP_NET_ADMIN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

process.env.MCSHELL_NATIVE = '0';
const { DPService } = await import('../../../src/engine/dp/service.js');
const { runClient } = await import('../../../src/engine/client/agent.js');
const { nativeAddon } = await import('../../../src/engine/transport/native.js');
const { enrollDevices, makeLab } = await import('./fixtures.js');

test('a client whose socket buffer rmem_max caps gets a warning event and still verifies its image', async (t) => {
  assert.equal(nativeAddon(), null, 'this test reads with Node dgram');
  const capped = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8')) < 16 << 20; // a receiver asks for 16 MiB
  const lab = await makeLab({ devices: 1 });
  const dp = new DPService(lab.store, { port: 0, joinWaitSeconds: 1 });
  const { host, port } = await dp.start();
  t.after(() => dp.stop());
  const credentials = await enrollDevices(lab.store, `${host}:${port}`, lab.devices);
  const warnings: { index: number; message: string }[] = [];
  const result = await runClient({
    credential: credentials.get('lab-01')!,
    interface: 'lo',
    onEvent: (event) => {
      if (event.type === 'warning') warnings.push({ index: event.index, message: event.message });
    },
  });
  assert.equal(result.ok, true, result.message);
  assert.equal(result.steps[0]!.mode, 'multicast');
  if (capped) {
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.equal(warnings[0]!.index, 1, 'the ApplyImage step');
    assert.match(warnings[0]!.message, /receive buffer is \d+ KiB, not the 16 MiB asked for: net\.core\.rmem_max caps it.*sysctl -w net\.core\.rmem_max=16777216/);
  } else {
    assert.deepEqual(warnings, []);
  }
});
