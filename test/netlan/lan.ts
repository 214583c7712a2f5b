// What the namespace-LAN tests share: where scripts/netlan.sh is, and whether it can run here.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const netlan = fileURLToPath(new URL('../../../scripts/netlan.sh', import.meta.url));

/**
 * Why the namespace LAN cannot be made here (the tests then skip with that reason), or false.
 * Under `unshare -rn` a normal user looks like root but cannot make named namespaces: try one.
 */
export function namespacesUnusable(): string | false {
  if (process.getuid?.() !== 0) return 'needs root: the namespace LAN is made with ip netns';
  if (!['ip', 'tc', 'nft'].every((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0)) return 'needs iproute2 and nftables: apt-get install -y iproute2 nftables';
  const probe = `mcq${process.pid}`;
  const made = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  spawnSync('ip', ['netns', 'delete', probe]);
  return made.status === 0 ? false : `needs real root: ip netns add failed (${made.stderr.trim()})`;
}
