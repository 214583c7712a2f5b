// The VM lab's network, proven without the product: a VM set to boot from the network first, on a LAN
// whose only server is the ordinary DHCP server (dnsmasq, addresses only), gets an address from it
// through its NIC's iPXE ROM, finds nothing to boot, and its firmware falls back to the disk, which
// boots the test OS. Both firmwares, in parallel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TESTOS_MARKER_PATTERN } from '../../src/vmlab/testos.js';
import { secondsSince, skipUnless, startLab, testOsDisk, vmLabUnavailable } from './harness.js';

test('VM lab: a BIOS and a UEFI VM booting network first get their address from the LAN DHCP server, find nothing to boot and boot the test OS from disk', { skip: skipUnless(vmLabUnavailable()) }, async (t) => {
  const lab = await startLab(t);
  const disk = testOsDisk(lab);
  const machines = [
    { firmware: 'bios' as const, mac: '52:54:00:5e:00:01', arch: 'PXEClient:Arch:00000' },
    { firmware: 'uefi' as const, mac: '52:54:00:5e:00:02', arch: 'PXEClient:Arch:00007' },
  ];
  const started = Date.now();
  await Promise.all(
    machines.map(async ({ firmware, mac }) => {
      const name = `pxe-${firmware}`;
      const vm = lab.startVm({ name, firmware, disk: { path: lab.overlayDisk(name, disk.path), format: 'qcow2' }, nic: { mac }, boot: 'network-then-disk' });
      const marker = await vm.waitForSerial(TESTOS_MARKER_PATTERN, 150_000);
      assert.equal(marker[3], firmware, vm.tail());
      t.diagnostic(`${firmware}: network boot attempt, then disk, marker after ${secondsSince(started)} s`);
      // iPXE tried the network first and said so before the disk booted.
      const console = vm.serial();
      assert.match(console, /iPXE/, vm.tail());
      assert.ok(console.indexOf('Nothing to boot') >= 0 && console.indexOf('Nothing to boot') < console.indexOf('MCSHELL-TESTOS-BOOTED'), `iPXE found nothing to boot before the disk booted\n${vm.tail()}`);
      await vm.waitForExit(60_000);
    }),
  );
  const dhcp = lab.lan.dhcpLogText();
  for (const { firmware, mac, arch } of machines) {
    assert.ok(lab.lan.leases().some((lease) => lease.mac === mac && lease.address.startsWith(`${lab.lan.subnet}.`)), `${firmware}: dnsmasq leased an address to ${mac}\n${dhcp}`);
    assert.match(dhcp, new RegExp(`DHCPACK\\(\\S+\\) ${lab.lan.subnet.replace(/\./g, '\\.')}\\.\\d+ ${mac}`), `${firmware}: acknowledged`);
    assert.ok(dhcp.includes(arch), `${firmware}: its PXE client announced ${arch}`);
  }
  assert.doesNotMatch(dhcp, /option:\s+(66|67|43) /, 'the LAN DHCP server sends no boot options');
});
