// What a virtual-machine lab needs from the host it runs on: the tools (named with their Debian
// packages), root, and a private network namespace. VMs get NICs only on taps on a bridge inside such
// a namespace, so nothing they send can reach a real network.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export const QEMU = 'qemu-system-x86_64';
export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
/** iPXE ROMs for QEMU's NICs: pxe-* for SeaBIOS, efi-* for OVMF (Debian's ipxe-qemu). */
export const IPXE_ROMS = '/usr/lib/ipxe/qemu';

const NEEDS: [commandOrPath: string, debianPackage: string][] = [
  [QEMU, 'qemu-system-x86'],
  ['qemu-img', 'qemu-utils'],
  ['/usr/share/seabios/bios-256k.bin', 'seabios'],
  [OVMF_CODE, 'ovmf'],
  [OVMF_VARS, 'ovmf'],
  [`${IPXE_ROMS}/pxe-e1000.rom`, 'ipxe-qemu'],
  [`${IPXE_ROMS}/efi-e1000.rom`, 'ipxe-qemu'],
  ['dnsmasq', 'dnsmasq-base'],
  ['ip', 'iproute2'],
];

const has = (commandOrPath: string) => (commandOrPath.startsWith('/') ? existsSync(commandOrPath) : spawnSync('sh', ['-c', `command -v ${commandOrPath}`]).status === 0);

/** What this host lacks to run VMs, as one sentence naming the Debian packages to install, or false. */
export function vmToolsMissing(): string | false {
  const missing = NEEDS.filter(([what]) => !has(what));
  if (missing.length === 0) return false;
  return `running virtual machines needs ${missing.map(([what]) => what).join(', ')}: apt-get install -y --no-install-recommends ${[...new Set(missing.map(([, pkg]) => pkg))].join(' ')}`;
}

/** Interface names of the current network namespace (/proc/net/dev is per namespace; /sys/class/net is not). */
function currentInterfaces(): string[] {
  return readFileSync('/proc/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]!.trim())
    .filter(Boolean);
}

/**
 * Why a lab must not start here, or false. A lab makes a bridge, taps and veths in the current
 * namespace: only a private one will do — one whose interfaces are `lo` and links named `mc…`
 * (the names this project's labs and test LANs use), as scripts/netns-guard.mjs checks for tests.
 */
export function privateNamespaceRefusal(): string | false {
  if (process.getuid?.() !== 0) return 'a VM lab needs root (taps, a bridge, a namespace for the DHCP server)';
  const foreign = foreignInterfaces();
  if (foreign.length > 0) return `refusing to make a VM lab on a shared network namespace (it has ${foreign.join(', ')}); run it under unshare -n`;
  return false;
}

/** True inside a private namespace: no interface but `lo` and the labs' own `mc…` links. */
export function inPrivateNamespace(): boolean {
  return foreignInterfaces().length === 0;
}

function foreignInterfaces(): string[] {
  return currentInterfaces().filter((name) => name !== 'lo' && !/^mc/.test(name));
}
