// The running machine of the refresh proof (issue 17 flow 2): a bootable disk whose OS holds Node and
// the enrolled mcshell agent, run as a service at boot. It reuses a boot image's kernel and initramfs
// (Node, the bundled agent, busybox, the drivers) and puts a small archive of its own before that
// initramfs (the kernel unpacks both; rdinit= starts this OS's init instead of the boot image's):
//   /testos/init             mounts, loads the drivers, brings the NIC up by DHCP, prints
//                            MCSHELL-TESTOS-ENROLLED host=<device> version=<version>, then runs
//                            `mcshell client` with its credential every few seconds (the service)
//   /testos/credential.json  what enrolling this machine saved (mcshell client --enroll)
//   /testos/bin/kexec        kexec-tools, with the libraries it loads in /testos/lib
// The disk is the test OS's layout (testos.ts): MBR + syslinux, one FAT partition.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cpioBytes, type CpioEntry } from '../engine/boot/image/cpio.js';
import { findTool, sharedLibraries } from '../engine/boot/image/tools.js';
import { LAB_KERNEL_APPEND, writeBootableDisk, type TestOsDisk } from './testos.js';

/** What the enrolled OS prints once its network is up and its agent starts. */
export const ENROLLED_OS_PATTERN = /MCSHELL-TESTOS-ENROLLED host=(\S+) version=(\S+)/;

export interface EnrolledOsOptions {
  /** A built boot image's folder (vmlinuz, initrd.img): its kernel and Node runtime. */
  bootImage: string;
  /** The agent's saved credential (mcshell client --enroll --credential FILE). */
  credential: string;
  version: string;
  out: string;
}

const INIT = (version: string) => `#!/bin/sh
# mcshell enrolled test OS: an installed machine whose agent asks the DP for its deployments.
export PATH=/testos/bin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
say() { echo "testos: $*" > /dev/console; }
while read -r module; do
  [ -n "$module" ] && insmod "/lib/modules/$(uname -r)/$module" 2>/dev/null
done < /etc/mcshell/modules
NIC=
for try in $(seq 40); do
  for dev in /sys/class/net/*; do [ "\${dev##*/}" != lo ] && NIC=\${dev##*/} && break; done
  [ -n "$NIC" ] && break
  sleep 0.25
done
ip link set lo up
udhcpc -i "$NIC" -s /etc/mcshell/udhcpc.script -q -n -t 10 -T 2 >/tmp/udhcpc.log 2>&1 || say "no DHCP answer on $NIC"
host=$(sed -n 's/.*"name": *"\\([A-Za-z0-9-]*\\)".*/\\1/p' /testos/credential.json | head -n 1)
echo "MCSHELL-TESTOS-ENROLLED host=\${host:-unnamed} version=${version}" > /dev/console
# The agent as a service: it runs the device's deployment when there is one (a refresh restarts the machine).
while :; do
  mcshell client --credential /testos/credential.json --interface "$NIC" > /dev/console 2>&1
  sleep 3
done
`;

/** Builds the disk; its FAT partition is sized to hold the boot image's files. */
export async function buildEnrolledOsDisk(options: EnrolledOsOptions): Promise<TestOsDisk> {
  if (!/^[A-Za-z0-9._-]{1,32}$/.test(options.version)) throw new Error(`enrolled OS version must be 1-32 letters, digits, '.', '_' or '-' (got '${options.version}')`);
  const kernel = join(options.bootImage, 'vmlinuz');
  const bootInitrd = join(options.bootImage, 'initrd.img');
  const kexec = findTool({ command: 'kexec', debian: 'kexec-tools', why: 'restarts the enrolled OS into the boot image' });
  const entries: CpioEntry[] = [
    { path: '/testos', kind: 'dir' },
    { path: '/testos/bin', kind: 'dir' },
    { path: '/testos/lib', kind: 'dir' },
    { path: '/testos/init', kind: 'file', mode: 0o755, data: Buffer.from(INIT(options.version)) },
    { path: '/testos/credential.json', kind: 'file', mode: 0o600, data: readFileSync(options.credential) },
    { path: '/testos/lib/kexec', kind: 'file', mode: 0o755, data: readFileSync(kexec) },
    { path: '/testos/bin/kexec', kind: 'file', mode: 0o755, data: Buffer.from('#!/bin/sh\nLD_LIBRARY_PATH=/testos/lib exec /testos/lib/kexec "$@"\n') },
    ...sharedLibraries(kexec).map((library): CpioEntry => ({ path: `/testos/lib/${basename(library)}`, kind: 'file', mode: 0o755, data: readFileSync(library) })),
  ];
  const initrd = `${options.out}.initrd`;
  writeFileSync(initrd, Buffer.concat([await cpioBytes(entries, 1_577_836_800), readFileSync(bootInitrd)]));
  const partitionBytes = (Math.ceil((statSync(kernel).size + statSync(initrd).size) / (1 << 20)) + 16) << 20;
  return writeBootableDisk({ kernel, initrd, written: [], partitionBytes, append: `${LAB_KERNEL_APPEND} rdinit=/testos/init` }, options.out);
}
