// Refresh of a running machine (Restart -Into BootImage), the agent's part against the real DP: the
// enrolled agent downloads the step's boot image over its pinned channel, checks it against the
// site's hashes and loads it (here into a restarter that records what kexec would be given), with
// its credential and the deployment handed over in an archive before the boot image's initramfs;
// then the boot image's agent continues from that handoff after the Restart step, to Succeeded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DPService } from '../../../src/engine/dp/service.js';
import { siteIdentity } from '../../../src/engine/site/identity.js';
import { runClient } from '../../../src/engine/client/agent.js';
import { kexecRestarter } from '../../../src/engine/client/kexec.js';
import { parseKernelCommandLine, runPxe } from '../../../src/engine/client/pxe.js';
import { inheritedKernelParameters, type BootImageRestarter } from '../../../src/engine/client/refresh.js';
import { enrollDevices, makeLab } from '../dp/fixtures.js';

const NIC = { name: 'refresh0', mac: '02:00:00:00:00:01' };

/** A site whose deployment refreshes: restart into boot image BOOT0001 (files of our own, their hashes in its record), apply, verify, restart. */
async function refreshLab(t: import('node:test').TestContext) {
  const lab = await makeLab({ devices: 1, option: 'AccessDirectly' });
  const kernel = randomBytes(70_000);
  const initrd = randomBytes(300_001);
  const folder = join(lab.store.home, 'boot', 'BOOT0001');
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'vmlinuz'), kernel);
  await writeFile(join(folder, 'initrd.img'), initrd);
  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  await lab.store.update((site) => {
    site.bootImages.push({ id: 'BOOT0001', name: 'Lab boot image', kernelVersion: '6.1.0-test', kernelBytes: kernel.length, initrdBytes: initrd.length, kernelSha256: sha(kernel), initrdSha256: sha(initrd), drivers: [], createdAt: new Date().toISOString(), kernelArguments: ['no_timer_check'] });
    site.taskSequences[0]!.steps = [
      { type: 'Restart', into: 'BootImage', bootImageId: 'BOOT0001' },
      { type: 'ApplyImage', imageId: lab.image.id, target: join(lab.dir, '{name}.img') },
      { type: 'Verify' },
      { type: 'Restart', into: 'Disk' },
    ];
  });
  const dp = new DPService(lab.store, { port: 0 });
  const { host, port } = await dp.start();
  t.after(() => dp.stop());
  const device = lab.devices[0]!;
  const credential = (await enrollDevices(lab.store, `${host}:${port}`, [device])).get(device.name)!;
  // The NIC the agent reaches the DP on: the boot image brings it up by its MAC (one end of a veth pair, in the tests' private namespace).
  spawnSync('ip', ['link', 'del', NIC.name]);
  execFileSync('ip', ['link', 'add', NIC.name, 'address', NIC.mac, 'type', 'veth', 'peer', 'name', `${NIC.name}p`]);
  execFileSync('ip', ['addr', 'add', '198.18.250.1/24', 'dev', NIC.name]);
  for (const end of [NIC.name, `${NIC.name}p`]) execFileSync('ip', ['link', 'set', end, 'up']);
  t.after(() => void spawnSync('ip', ['link', 'del', NIC.name]));
  return { lab, device, credential, server: `${host}:${port}`, kernel, initrd, folder };
}

/** Records what kexec would be given. */
function recordingRestarter(workDir: string) {
  const loaded: { kernel: Buffer; initrd: Buffer; commandLine: string }[] = [];
  let restarts = 0;
  const restarter: BootImageRestarter = {
    workDir,
    async load(kernel, initrd, commandLine) {
      loaded.push({ kernel: await readFile(kernel), initrd: await readFile(initrd), commandLine });
    },
    async restart() {
      restarts++;
    },
  };
  return { restarter, loaded, restarts: () => restarts };
}

test('refresh: the enrolled agent downloads and verifies the boot image, loads it with its handoff and a command line naming the DP, its fingerprint, the NIC and the deployment, and restarts; the boot image continues after that step to Succeeded', async (t) => {
  const { lab, credential, server, kernel, initrd } = await refreshLab(t);
  const identity = await siteIdentity(lab.store);
  const { restarter, loaded, restarts } = recordingRestarter(join(lab.dir, 'refresh-work'));
  const before = await runClient({ credential, server, interface: NIC.name, restartIntoBootImage: restarter });
  assert.equal(before.ok, true, before.message);
  assert.equal(before.restartIntoBootImage, true);
  assert.deepEqual(before.steps.map((step) => `${step.type} ${step.state}`), ['Restart Succeeded', 'ApplyImage NotRun', 'Verify NotRun', 'Restart NotRun']);
  assert.equal(restarts(), 1);
  const [load] = loaded as [(typeof loaded)[number]];
  assert.ok(load.kernel.equals(kernel), 'the kernel as the DP serves it');
  // The boot image's initramfs, whole, after the handoff archive.
  assert.ok(load.initrd.subarray(load.initrd.length - initrd.length).equals(initrd));
  const archive = load.initrd.subarray(0, load.initrd.length - initrd.length);
  const work = join(lab.dir, 'unpacked');
  await mkdir(work);
  execFileSync('cpio', ['-i', '-d', '--quiet'], { cwd: work, input: archive });
  const handoffPath = join(work, 'etc/mcshell/refresh.json');
  const handoff = JSON.parse(await readFile(handoffPath, 'utf8')) as { credential: { credential: string }; deploymentId: string; step: number };
  assert.deepEqual([handoff.credential.credential, handoff.deploymentId, handoff.step], [credential.credential, 'DEP001', 1]);
  assert.equal(load.commandLine.includes(credential.credential.split('.')[1]!), false, 'no secret on the kernel command line');
  const commandLine = parseKernelCommandLine(load.commandLine);
  assert.deepEqual([commandLine.dp, commandLine.fingerprint, commandLine.mac, commandLine.refresh], [server, identity.fingerprint, NIC.mac, 'DEP001']);
  assert.ok(load.commandLine.split(' ').includes('no_timer_check'), "the boot image's own kernel arguments");
  assert.deepEqual(await readdir(restarter.workDir), [], 'nothing left behind (the handoff holds the credential)');
  assert.deepEqual(lab.store.read().deploymentStatus.map((status) => [status.state, status.step]), [['InProgress', 1]]);

  // In the boot image: the same agent, from the kernel command line and the handoff.
  const after = await runPxe({ commandLine, pins: { fingerprint: identity.fingerprint, signingPublicKey: identity.signingPublicKey }, interface: NIC.name, handoffPath });
  assert.equal(after.ok, true, after.message);
  assert.equal(after.restart, true, 'it restarts into the OS just written');
  assert.deepEqual(after.steps.map((step) => `${step.type} ${step.state}`), ['Restart Succeeded', 'ApplyImage Succeeded', 'Verify Succeeded', 'Restart Succeeded']);
  assert.equal(createHash('sha256').update(await readFile(lab.target('lab-01'))).digest('hex'), lab.sha256);
  assert.deepEqual(lab.store.read().deploymentStatus.map((status) => status.state), ['Succeeded']);
});

test('refresh: a boot image that does not match the site\'s hashes is not loaded; an agent that may not restart its machine, or a machine without kexec, fails the step clearly; the deployment shows why', async (t) => {
  const { lab, credential, server, folder } = await refreshLab(t);
  const { restarter, loaded } = recordingRestarter(join(lab.dir, 'refresh-work'));
  // Someone changed the boot image's files after it was built.
  await writeFile(join(folder, 'initrd.img'), randomBytes(300_001));
  const tampered = await runClient({ credential, server, interface: NIC.name, restartIntoBootImage: restarter });
  assert.equal(tampered.ok, false);
  assert.match(tampered.message, /Step 1 \(Restart\) failed: the boot image file \/v1\/boot\/BOOT0001\/initrd\.img from the DP has 300001 bytes and SHA-256 [0-9a-f]{64}; the site's boot image record says/);
  assert.equal(loaded.length, 0, 'nothing loaded');
  assert.deepEqual(await readdir(restarter.workDir), []);
  assert.deepEqual(lab.store.read().deploymentStatus.map((status) => status.state), ['Failed']);

  const cannot = await runClient({ credential, server, interface: NIC.name, rerun: true });
  assert.match(cannot.message, /Step 1 \(Restart\) failed: this agent does not restart the machine it runs on/);

  // kexec missing: the real restarter says so before anything happens (PATH without kexec-tools).
  const path = process.env.PATH;
  process.env.PATH = join(lab.dir, 'empty');
  try {
    await assert.rejects(kexecRestarter(join(lab.dir, 'kexec-work')).load('/nonexistent/vmlinuz', '/nonexistent/initrd', 'x'), /kexec is not installed on this machine \(Debian\/Ubuntu: apt-get install kexec-tools|kexec needs root|kexec restarts Linux machines only/);
  } finally {
    process.env.PATH = path;
  }
});

test('refresh: a machine already in a boot image (network-booted) runs the same task sequence straight through', async (t) => {
  const { lab, credential, server } = await refreshLab(t);
  const result = await runClient({ credential, server, interface: NIC.name, inBootImage: true });
  assert.equal(result.ok, true, result.message);
  assert.equal(result.restartIntoBootImage, undefined);
  assert.deepEqual(result.steps.map((step) => `${step.type} ${step.state} ${step.type === 'Restart' ? step.message : ''}`.trim()), ['Restart Succeeded already running in a boot image (network-booted)', 'ApplyImage Succeeded', 'Verify Succeeded', 'Restart Succeeded restarting into the deployed OS from its disk when the sequence ends']);
  assert.deepEqual(lab.store.read().deploymentStatus.map((status) => status.state), ['Succeeded']);
});

test('refresh: the boot image\'s kernel gets what the running kernel was told about the machine\'s hardware, and nothing of the installed OS', () => {
  assert.deepEqual(inheritedKernelParameters('BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro rdinit=/sbin/init console=ttyS0 quiet no_timer_check acpi=off intel_iommu=on init=/bin/sh\n'), ['no_timer_check', 'acpi=off', 'intel_iommu=on']);
  assert.deepEqual(inheritedKernelParameters(''), []);
});
