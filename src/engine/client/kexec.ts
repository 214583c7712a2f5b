// Restarting a running Linux machine into a boot image with kexec (Debian's kexec-tools): the running
// kernel loads the boot image's kernel and initramfs (`kexec -l`) and jumps into them (`kexec -e`),
// without the firmware, so nothing depends on the machine's boot order. Where kexec cannot work the
// step fails before anything is restarted, saying why.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ClientError } from './connection.js';
import type { BootImageRestarter } from './refresh.js';

const KEXEC = 'kexec';
const NO_KEXEC_HINT = 'refresh this machine by booting it from the network instead (a deployment available to PXE)';

export function kexecRestarter(workDir: string): BootImageRestarter {
  return {
    workDir,
    async load(kernel, initrd, commandLine) {
      const refused = kexecRefused();
      if (refused) throw new ClientError('CannotRestart', `cannot restart into the boot image: ${refused}; ${NO_KEXEC_HINT}`);
      await run([KEXEC, '-l', kernel, `--initrd=${initrd}`, `--append=${commandLine}`], 'load the boot image');
    },
    async restart() {
      await run(['sync'], 'flush the disks');
      await run([KEXEC, '-e'], 'restart into the loaded boot image');
      // kexec -e returns only when the kernel did not switch.
      throw new ClientError('CannotRestart', 'kexec -e returned without restarting into the boot image');
    },
  };
}

/** Why this machine cannot kexec, from what it says of itself, or null. */
function kexecRefused(): string | null {
  if (process.platform !== 'linux') return `kexec restarts Linux machines only (this is ${process.platform})`;
  if (readText('/proc/sys/kernel/kexec_load_disabled') === '1') return 'this kernel has kexec switched off until the next boot (/proc/sys/kernel/kexec_load_disabled is 1)';
  if (process.getuid?.() !== 0) return 'kexec needs root: run the agent as root';
  return null;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function run(command: string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.on('error', (error: NodeJS.ErrnoException) => {
      const missing = error.code === 'ENOENT' && command[0] === KEXEC;
      reject(new ClientError('CannotRestart', missing ? `cannot restart into the boot image: kexec is not installed on this machine (Debian/Ubuntu: apt-get install kexec-tools; Fedora: dnf install kexec-tools); or ${NO_KEXEC_HINT}` : `cannot ${what}: ${error.message}`));
    });
    child.on('close', (code) => {
      if (code === 0) return resolve();
      const lockdown = /\[(integrity|confidentiality)\]/.test(readText('/sys/kernel/security/lockdown')) ? ' (the kernel is locked down, e.g. by Secure Boot: it kexecs signed kernels only)' : '';
      reject(new ClientError('CannotRestart', `cannot ${what}: ${command.join(' ').slice(0, 200)} exited ${code}${stderr.trim() ? `: ${stderr.trim().split('\n').at(-1)}` : ''}${lockdown}`));
    });
  });
}
