// The per-machine iPXE scripts the HTTP boot listener serves (contract 4). Only ids, device names
// (letters, digits, hyphens) and addresses go into a script: nothing an admin typed as free text,
// so nothing can be read by iPXE as a command or a ${setting}.

export interface BootTarget {
  /** `http://<address>:<port>` of the HTTP boot listener. */
  httpBase: string;
  bootImageId: string;
  /** `<dp address>:<control port>` the agent talks to. */
  dp: string;
  /** SHA-256 of the site's certificate, hex: the boot image pins the DP with it. */
  fingerprint: string;
  mac: string;
  uuid: string | null;
  ticket?: string;
  /** The boot image's own kernel arguments (kernel-arguments.ts). */
  kernelArguments?: readonly string[];
}

const header = '#!ipxe\n';

/** Kernel command line of the boot image (contract 2). */
export function kernelCommandLine(target: Pick<BootTarget, 'dp' | 'fingerprint' | 'mac' | 'uuid' | 'ticket' | 'kernelArguments'>): string {
  return [
    'initrd=initrd.img',
    'console=ttyS0',
    'console=tty0',
    ...(target.kernelArguments ?? []),
    `mcshell.dp=${target.dp}`,
    `mcshell.fp=${target.fingerprint}`,
    `mcshell.mac=${target.mac}`,
    `mcshell.uuid=${target.uuid ?? ''}`,
    ...(target.ticket ? [`mcshell.ticket=${target.ticket}`] : []),
  ].join(' ');
}

/**
 * Boots the boot image: the initrd is fetched first under the name the kernel line gives it
 * (iPXE under UEFI hands the kernel only initrds it names: without `initrd=initrd.img` the kernel
 * finds no root file system).
 */
export function bootImageScript(target: BootTarget, why: string): string {
  const base = `${target.httpBase}/boot/${target.bootImageId}`;
  return `${header}echo mcshell: ${why}\ninitrd --name initrd.img ${base}/initrd.img || goto failed\nkernel ${base}/vmlinuz ${kernelCommandLine(target)} || goto failed\nboot || goto failed\n:failed\necho mcshell: the boot image could not be loaded; booting from the local disk\nsleep 5\nexit\n`;
}

/** Nothing to do: on to the next boot device (the disk) at once. */
export function localBootScript(why: string): string {
  return `${header}echo mcshell: ${why}; booting from the local disk\nexit\n`;
}

/** An available deployment: a key press within the timeout images the machine (ConfigMgr's F12), else its disk. */
export function promptScript(next: string, why: string, seconds: number): string {
  return `${header}echo mcshell: ${why}\nprompt --timeout ${seconds * 1000} Press any key within ${seconds} seconds to start it (otherwise this machine boots from its disk) && goto start || goto local\n:start\nchain ${next}&confirmed=1 || goto local\n:local\nexit\n`;
}

/** The PXE password, asked on the console; the answer goes back to the DP with the next request. */
export function passwordScript(next: string, wrong: boolean): string {
  const retry = wrong ? 'echo mcshell: wrong PXE password\nsleep 2\n' : '';
  return `${header}${retry}echo mcshell: this distribution point asks for its PXE password (any user name)\nlogin || goto local\nchain ${next}&password=\${password:uristring} || goto local\n:local\nexit\n`;
}
