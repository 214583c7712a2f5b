// Issue 17, flow 1, with real virtual machines: three blank BIOS machines and one UEFI machine boot
// from the network on a LAN whose DHCP server is dnsmasq (addresses only); the DP (mcshell serve)
// answers PXE (proxyDHCP, TFTP, HTTP boot) and boots them into the boot image; two BIOS machines and
// the UEFI one are known by MAC, one BIOS machine is unknown and registers itself; all four join one
// scheduled multicast session (minimum size 4), write the test OS to their virtio disk, name it after
// the device, and restart into it from the disk. The site then shows both deployments Succeeded, and
// machines powered on again boot straight from their disks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { followMachine, LAB_DISK_BYTES, PXE_LAB_MACHINES, powerOn, setUpPxeLabSite } from '../../src/vmlab/pxe-lab.js';
import { TESTOS_MARKER_PATTERN } from '../../src/vmlab/testos.js';
import { kernel, secondsSince, skipUnless, startLab, testOsDisk, vmLabUnavailable } from './harness.js';
import { bin, examples, serve, shell } from './serve.js';

test('bare metal (issue 17 flow 1): 3 BIOS + 1 UEFI blank VMs PXE-boot, one registers as unknown, all join one scheduled multicast session, restart into the deployed test OS named after the device; Succeeded; powered on again they boot from disk', { skip: skipUnless(vmLabUnavailable()) }, async (t) => {
  const lab = await startLab(t);
  const os = testOsDisk(lab, '1');
  const started = Date.now();
  const { site, deployments } = setUpPxeLabSite({ lab, kernel: kernel(), image: os.path, bin, script: join(examples, 'pxe-lab.mcs'), machines: PXE_LAB_MACHINES });
  t.diagnostic(`site set up (boot image built) in ${secondsSince(started)} s`);
  assert.deepEqual(deployments.map((d) => d.Collection), ['Lab', 'All Unknown Computers']);

  const dp = await serve(t, lab, site);
  const disks = new Map(PXE_LAB_MACHINES.map((m) => [m.name, lab.blankDisk(m.name, LAB_DISK_BYTES)]));
  const poweredOn = Date.now();
  const results = await Promise.all(
    PXE_LAB_MACHINES.map(async (machine) => {
      const vm = powerOn(lab, machine, disks.get(machine.name)!);
      const phases = await followMachine(vm, poweredOn, 600_000);
      assert.deepEqual([phases.host, phases.version], [machine.name, '1'], `${machine.name} booted the deployed test OS named after itself\n${vm.tail(60)}`);
      assert.match(vm.serial(), new RegExp(`${TESTOS_MARKER_PATTERN.source.replace('(bios|uefi)', machine.firmware)}`), `${machine.name} booted it with its own firmware`);
      assert.equal(vm.serial().split('mcshell: mcshell boot image running').length - 1, 1, `${machine.name} ran the boot image once (no imaging loop)`);
      return { machine, phases };
    }),
  );
  for (const { machine, phases } of results) t.diagnostic(`${machine.name} (${machine.firmware}${machine.known ? '' : ', unknown'}): boot image running ${phases.bootImage} s, image received ${phases.received} s, deployed OS running ${phases.deployed} s after power-on`);

  const sessions = dp.events.filter((event) => event.event === 'session-ended');
  assert.equal(sessions.length, 1, `one multicast session\n${dp.describe()}`);
  assert.equal((sessions[0]!.clients as unknown[]).length, PXE_LAB_MACHINES.length, 'all four machines were in it');
  const status = shell<{ Collection: string; Succeeded: number; Failed: number }>(site, 'Get-TSDeployment | Select-Object Collection, Succeeded, Failed');
  assert.deepEqual(status, [{ Collection: 'Lab', Succeeded: 3, Failed: 0 }, { Collection: 'All Unknown Computers', Succeeded: 1, Failed: 0 }]);
  const unknown = PXE_LAB_MACHINES.find((m) => !m.known)!;
  const registered = shell<{ Name: string; Collections: string[] }>(site, `Get-Device | Where-Object MacAddress -eq '${unknown.mac}' | Select-Object Name, Collections`);
  assert.deepEqual(registered, [{ Name: unknown.name, Collections: ['All Unknown Computers'] }]);

  // Powered on again, a BIOS and the UEFI machine: the DP sends each to its disk at once; nothing is imaged again.
  const again = Date.now();
  await Promise.all(
    PXE_LAB_MACHINES.filter((m) => m.name === 'lab-01' || m.firmware === 'uefi').map(async (machine) => {
      const vm = powerOn(lab, machine, disks.get(machine.name)!);
      const phases = await followMachine(vm, again, 300_000);
      assert.equal(phases.host, machine.name);
      assert.equal(phases.bootImage, undefined, `${machine.name} did not run the boot image again\n${vm.tail(40)}`);
      assert.ok(
        dp.events.some((event) => event.event === 'pxe-script' && event.mac === machine.mac && event.action === 'localboot' && Date.parse(event.time) >= again),
        `the DP sent ${machine.name} to its disk\n${dp.describe()}`,
      );
      t.diagnostic(`${machine.name} powered on again: deployed OS running ${phases.deployed} s after power-on`);
    }),
  );
  assert.equal(dp.events.filter((event) => event.event === 'session-started').length, 1, 'no second session');
});
