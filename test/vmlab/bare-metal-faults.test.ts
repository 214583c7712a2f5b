// Issue 17, flow 3, the faults, with real virtual machines on one lab (the DP: mcshell serve):
// - the DP restarts while machines run the boot image: they wait for it and continue;
// - a machine whose disk is smaller than the image fails cleanly: the error on its console and in
//   Get-TSDeployment, and it stays in the boot image (no restart, no loop);
// - an unknown machine, with unknown computer support off, is sent to its disk and boots what is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { followMachine, LAB_DISK_BYTES, powerOn, setUpPxeLabSite, type LabMachine } from '../../src/vmlab/pxe-lab.js';
import { kernel, secondsSince, skipUnless, startLab, testOsDisk, vmLabUnavailable } from './harness.js';
import { bin, examples, serve, shell } from './serve.js';

const STEADY: LabMachine = { name: 'steady', mac: '52:54:00:4d:03:01', firmware: 'bios', known: true };
const TINY: LabMachine = { name: 'tiny', mac: '52:54:00:4d:03:02', firmware: 'bios', known: true };
const STRANGER: LabMachine = { name: 'stranger', mac: '52:54:00:4d:03:03', firmware: 'bios', known: false };

test('bare metal faults (issue 17 flow 3): the DP restarts while machines run the boot image and they continue; a disk smaller than the image fails cleanly and stays; an unknown machine without unknown computer support boots from its disk', { skip: skipUnless(vmLabUnavailable()) }, async (t) => {
  const lab = await startLab(t);
  const os = testOsDisk(lab, '1');
  // The stranger already has an OS on its disk (the test OS, named 'preinstalled').
  const preinstalled = testOsDisk(lab, '0', 'preinstalled');
  const { site } = setUpPxeLabSite({ lab, kernel: kernel(), image: os.path, bin, script: join(examples, 'pxe-lab.mcs'), machines: [STEADY, TINY, STRANGER], minimumSessionSize: 1, unknownComputerSupport: false });
  const firstDp = await serve(t, lab, site);
  const poweredOn = Date.now();
  const steady = powerOn(lab, STEADY, lab.blankDisk(STEADY.name, LAB_DISK_BYTES));
  const tiny = powerOn(lab, TINY, lab.blankDisk(TINY.name, 16 * 1024 * 1024));
  const stranger = powerOn(lab, STRANGER, lab.overlayDisk(STRANGER.name, preinstalled.path), 'qcow2');

  const strangerBooted = followMachine(stranger, poweredOn, 300_000);
  const steadyDone = followMachine(steady, poweredOn, 600_000);
  const tinyDone = followMachine(tiny, poweredOn, 600_000).then(
    () => assert.fail('the machine with the small disk finished its deployment'),
    (error: Error) => error,
  );

  // The DP goes away once the stranger has had its answer and steady runs the boot image, and comes
  // back once steady's agent says it waits for it.
  await firstDp.waitFor((event) => event.event === 'pxe-script' && event.mac === STRANGER.mac, 300_000);
  await steady.waitForSerial(/mcshell: mcshell boot image running/, 300_000);
  assert.equal(await firstDp.stop(), 0, 'the DP stops cleanly');
  t.diagnostic(`DP stopped ${secondsSince(poweredOn)} s after power-on, steady running the boot image`);
  await steady.waitForSerial(/waiting for the DP at/, 300_000);
  await serve(t, lab, site);
  t.diagnostic(`DP back ${secondsSince(poweredOn)} s after power-on`);

  const phases = await steadyDone;
  assert.deepEqual([phases.host, phases.version], [STEADY.name, '1'], 'steady continued after the DP came back and runs the deployed OS');

  const failure = await tinyDone;
  assert.match(failure.message, /stays in the boot image/);
  assert.match(tiny.serial(), /smaller than the image/, 'the reason is on its console');
  assert.equal(tiny.running, true, 'it stays in the boot image');
  assert.equal(tiny.serial().split('mcshell: mcshell boot image running').length - 1, 1, 'it did not restart');
  const status = shell<{ Status: { Device: string; State: string; Message: string }[] }>(site, "Get-TSDeployment | Where-Object Collection -eq 'Lab' | Select-Object Status")[0]!.Status;
  const tinyStatus = status.find((entry) => entry.Device === TINY.name);
  assert.equal(tinyStatus?.State, 'Failed', JSON.stringify(status));
  assert.match(tinyStatus!.Message, /smaller than the image/);
  assert.equal(status.find((entry) => entry.Device === STEADY.name)?.State, 'Succeeded', JSON.stringify(status));

  const strangerPhases = await strangerBooted;
  assert.deepEqual([strangerPhases.host, strangerPhases.version, strangerPhases.bootImage], ['preinstalled', '0', undefined], 'the stranger booted what its disk held, without the boot image');
  assert.deepEqual(shell(site, `Get-Device | Where-Object MacAddress -eq '${STRANGER.mac}'`), [], 'the stranger was not registered');
  assert.ok(
    firstDp.events.some((event) => event.event === 'pxe-script' && event.mac === STRANGER.mac && event.action === 'localboot'),
    `the DP sent the stranger to its disk\n${firstDp.describe()}`,
  );
});
