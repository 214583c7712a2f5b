// Issue 17, flow 2, with a real virtual machine: a machine runs an installed OS (version 1) whose
// enrolled mcshell agent runs as a service. The admin deploys a task sequence (required) that starts
// with Restart -Into BootImage: the agent downloads the boot image from the DP over its pinned HTTPS
// channel, checks it against the site's hashes and restarts into it with kexec, by itself (the
// machine boots from its disk only: no network boot is involved). In the boot image the sequence
// goes on: the machine's own disk is re-imaged with version 2 by multicast, named after the device,
// captured into a new image on the DP (CaptureImage), and the machine restarts into version 2. The
// site shows the deployment Succeeded; the captured image, applied to a new disk, boots another
// machine into that named version 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { enroll, saveCredential } from '../../src/engine/client/enrollment.js';
import { applyDiskImage } from '../../src/engine/disk/apply.js';
import { buildEnrolledOsDisk, ENROLLED_OS_PATTERN } from '../../src/vmlab/enrolled-os.js';
import { followMachine, LAB_TRANSFER_RATE } from '../../src/vmlab/pxe-lab.js';
import { TESTOS_BOOT_IMAGE_DRIVERS, TESTOS_MARKER_PATTERN, TESTOS_NAME_COMMAND } from '../../src/vmlab/testos.js';
import { kernel, secondsSince, skipUnless, startLab, testOsDisk, vmLabUnavailable } from './harness.js';
import { bin, examples, serve, shell } from './serve.js';

const MACHINE = { name: 'refresh-01', mac: '52:54:00:4d:02:01' };

test('refresh (issue 17 flow 2): a running OS with the enrolled agent gets a required deployment, restarts into the boot image by kexec, is re-imaged with version 2 by multicast, captures it into a new image (CaptureImage) and boots it; Succeeded', { skip: skipUnless(vmLabUnavailable()) }, async (t) => {
  const lab = await startLab(t);
  const v2 = testOsDisk(lab, '2');
  const started = Date.now();
  const site = join(lab.dir, 'site');
  const csv = join(lab.dir, 'machines.csv');
  writeFileSync(csv, `Name,MAC\n${MACHINE.name},${MACHINE.mac}\n`);
  const { vmlinuz, modules } = kernel();
  const setup = spawnSync(process.execPath, [bin, '--site', site, '--output', 'jsonl', join(examples, 'refresh-lab.mcs'), '-Image', v2.path, '-Devices', csv, '-Interface', lab.lan.bridge, '-TransferRate', LAB_TRANSFER_RATE, '-Kernel', vmlinuz, '-ModulesPath', modules, '-Driver', TESTOS_BOOT_IMAGE_DRIVERS.join(','), '-Customize', TESTOS_NAME_COMMAND, '-CaptureAs', 'Reference'], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(setup.status, 0, `examples/refresh-lab.mcs failed: ${setup.stderr}`);
  const { Token: token } = JSON.parse(setup.stdout.trim().split('\n').at(-1)!) as { Token: string };
  t.diagnostic(`site set up (boot image built) in ${secondsSince(started)} s`);

  const dp = await serve(t, lab, site);
  const listening = dp.events.find((event) => event.event === 'listening')!;
  // The machine's agent was enrolled when it was installed: here, its credential is made on the lab host and installed with the OS.
  const credential = join(lab.dir, 'refresh-01.credential.json');
  await saveCredential(credential, await enroll({ server: `${listening.host}:${listening.port}`, token, mac: MACHINE.mac, wait: { waitMs: 0 } }));
  const [bootImage] = shell<{ Id: string }>(site, 'Get-BootImage | Select-Object Id');
  const v1 = await buildEnrolledOsDisk({ bootImage: join(site, 'boot', bootImage!.Id), credential, version: '1', out: join(lab.dir, 'refresh-01.raw') });

  const poweredOn = Date.now();
  const vm = lab.startVm({ name: MACHINE.name, firmware: 'bios', memoryMiB: 1024, disk: { path: v1.path, format: 'raw' }, nic: { mac: MACHINE.mac }, boot: 'disk' });
  const running = await vm.waitForSerial(ENROLLED_OS_PATTERN, 300_000);
  assert.deepEqual([running[1], running[2]], [MACHINE.name, '1'], 'the machine runs version 1 with its enrolled agent');
  // Its agent asks the DP and has nothing to do yet.
  await vm.waitForSerial(/not targeted by any deployment/, 300_000);
  t.diagnostic(`version 1 running, its agent answered by the DP, ${secondsSince(poweredOn)} s after power-on`);

  const deployedAt = Date.now();
  const [deployment] = shell<{ Id: string }>(site, "New-TSDeployment -TaskSequence Refresh -Collection Refresh -Purpose Required | Select-Object Id");
  // When version 1's agent took the deployment, and had the boot image downloaded, verified and loaded.
  const taken = vm.waitForSerial(/deployment DEP\d+: Refresh/, 900_000).then(() => secondsSince(deployedAt), () => 'not seen');
  const loaded = vm.waitForSerial(/step 1 Restart: Succeeded/, 900_000).then(() => secondsSince(deployedAt), () => 'not seen');
  const phases = await followMachine(vm, deployedAt, 900_000);
  t.diagnostic(`after the deployment was made: taken by the agent ${await taken} s, boot image loaded ${await loaded} s, boot image running ${phases.bootImage} s, image received ${phases.received} s, version 2 running ${phases.deployed} s`);
  assert.deepEqual([phases.host, phases.version], [MACHINE.name, '2'], `the machine boots version 2, named after its device\n${vm.tail(60)}`);
  const console = vm.serial();
  assert.match(console, /step 1 Restart: Succeeded\W+boot image Refresh boot image \(BOOT\d{4}\) downloaded, verified and loaded/, 'version 1\'s agent loaded the boot image');
  assert.match(console, new RegExp(`refresh: continuing deployment ${deployment!.Id}`), 'the boot image continued the deployment');
  assert.equal(console.split('mcshell: mcshell boot image running').length - 1, 1, 'the boot image ran once');
  assert.ok(!dp.events.some((event) => event.event.startsWith('pxe')), `no network boot was involved\n${dp.describe()}`);
  const status = shell<{ Succeeded: number; Failed: number }>(site, 'Get-TSDeployment | Select-Object Succeeded, Failed');
  assert.deepEqual(status, [{ Succeeded: 1, Failed: 0 }]);

  // Before restarting, the boot image captured the re-imaged disk (CaptureImage) into a new image on
  // the DP: a disk image whose FAT partition holds version 2 named after the device.
  assert.match(console, /step \d+ CaptureImage: Succeeded\W+captured \/dev\/\w+ as image Reference/, `the boot image captured the disk\n${vm.tail(40)}`);
  const [captured] = shell<{ Format: string; Partitions: string[]; Path: string }>(site, 'Get-OSImage Reference | Select-Object Format, Partitions, Path');
  assert.equal(captured?.Format, 'Disk');
  assert.match(captured!.Partitions[0]!, /^1: vfat/);
  assert.doesNotMatch(captured!.Partitions[0]!, /whole/, `the boot image read the used blocks (partclone): ${console.split('\n').filter((line) => /warning/.test(line)).join('\n')}`);
  const applied = join(lab.dir, 'reference.raw');
  await applyDiskImage(captured!.Path, applied);
  const hostname = spawnSync('mcopy', ['-i', `${applied}@@1M`, '::/testos/hostname', '-'], { encoding: 'utf8' });
  assert.equal(hostname.stdout.trim(), MACHINE.name, `the captured disk is the re-imaged one, named after the device: ${hostname.stderr}`);

  // The captured image, applied to a new disk, boots a machine of its own: the boot code, the table
  // and the FAT's used blocks are a whole disk. (The refreshed machine is switched off first.)
  await vm.stop();
  const bootedAt = Date.now();
  const copy = lab.startVm({ name: 'reference-01', firmware: 'bios', disk: { path: applied, format: 'raw' }, boot: 'disk' });
  const booted = await copy.waitForSerial(TESTOS_MARKER_PATTERN, 300_000);
  assert.deepEqual([booted[1], booted[2]], [MACHINE.name, '2'], 'the captured image boots version 2, named as the captured machine');
  t.diagnostic(`a machine booted from the captured image in ${secondsSince(bootedAt)} s`);
});
