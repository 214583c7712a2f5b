// Network-safety guard shared by the test runner and the benchmarks.
// Multicast must never leave this machine: code that opens sockets runs only inside a private
// network namespace whose interfaces are `lo` and veths made by our own scripts.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/** Interface names of the *current* network namespace (/proc/net/dev is per-namespace; /sys/class/net is not). */
export function currentInterfaces() {
  return readFileSync('/proc/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0].trim())
    .filter(Boolean);
}

/** True when the only interfaces are loopback and veths/bridges that our scripts name with the `mc` prefix. */
export function inPrivateNamespace() {
  return currentInterfaces().every((name) => name === 'lo' || /^mc/.test(name));
}

/**
 * Re-runs this process inside a fresh network namespace (`unshare -n`, or `unshare -rn` when not root)
 * unless it already is in one. Returns only inside the private namespace, with `lo` up.
 */
export function ensurePrivateNamespace(scriptUrl) {
  if (!inPrivateNamespace()) {
    if (process.env.MCSHELL_NETNS_REEXEC === '1') {
      console.error('refusing to run: still on a shared network namespace after unshare (interfaces: ' + currentInterfaces().join(', ') + ')');
      process.exit(2);
    }
    const root = process.getuid?.() === 0;
    const script = new URL(scriptUrl).pathname;
    const result = spawnSync('unshare', [root ? '-n' : '-rn', process.execPath, script, ...process.argv.slice(2)], {
      stdio: 'inherit',
      env: { ...process.env, MCSHELL_NETNS_REEXEC: '1' },
    });
    if (result.error) {
      console.error(`cannot create a private network namespace (${result.error.message}); tests that open sockets must not run on the host network`);
      process.exit(2);
    }
    process.exit(result.status ?? 1);
  }
  const up = spawnSync('ip', ['link', 'set', 'lo', 'up'], { stdio: 'inherit' });
  if (up.status !== 0) {
    console.error('could not bring up lo in the private namespace (is iproute2 installed?)');
    process.exit(2);
  }
}
