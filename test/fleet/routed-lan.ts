// A routed LAN of network namespaces for tests of a site with several distribution points: subnets
// joined by a router namespace, as a site's locations are joined by routers. Unicast crosses the
// router; multicast does not (no multicast routing runs), so each subnet's sessions stay in it, as
// they do on real networks. Nothing is created in, or sent on, the caller's own namespace: every
// link is made inside the router namespace and its peer moved straight into a host namespace.
//
// Names (the prefix starts with "mc"): namespaces <P>-rt (router) and <P>-s<S>h<H> (host H of
// subnet S, both from 1); subnet S is 10.<S>.0.0/24 with the router at 10.<S>.0.1 and host H at
// 10.<S>.0.<H + 10> on its interface eth0.
import { execFileSync, spawnSync } from 'node:child_process';

export interface RoutedHost {
  namespace: string;
  address: string;
  subnet: string;
}

export interface RoutedLan {
  prefix: string;
  /** subnets[S - 1].hosts[H - 1] */
  subnets: { cidr: string; router: string; hosts: RoutedHost[] }[];
  /** argv run in the host's namespace (`ip netns exec`). */
  command(host: RoutedHost, argv: string[]): string[];
  down(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Removes every namespace of the prefix (also after a crash) and the processes in them. */
export function removeRoutedLan(prefix: string): void {
  const names = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((line) => line.split(' ')[0]!);
  for (const name of names.filter((candidate) => candidate.startsWith(`${prefix}-`))) {
    spawnSync('sh', ['-c', `ip netns pids "${name}" | xargs -r kill -9`]);
    spawnSync('ip', ['netns', 'delete', name]);
  }
}

/** Quiet namespaces: no IPv6 (no router solicitations or DAD on the wire). */
function quiet(namespace: string): void {
  execFileSync('ip', ['netns', 'exec', namespace, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  ip('-n', namespace, 'link', 'set', 'lo', 'up');
}

/** Makes the LAN: `hostsPerSubnet[S - 1]` hosts in subnet S. Either it finishes or it removes what it made. */
export function makeRoutedLan(prefix: string, hostsPerSubnet: number[]): RoutedLan {
  if (!/^mc[a-z0-9]{1,8}$/.test(prefix)) throw new Error(`routed LAN prefix must match ^mc[a-z0-9]{1,8}$ (got ${prefix})`);
  removeRoutedLan(prefix);
  const router = `${prefix}-rt`;
  const subnets: RoutedLan['subnets'] = [];
  try {
    ip('netns', 'add', router);
    quiet(router);
    execFileSync('ip', ['netns', 'exec', router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    hostsPerSubnet.forEach((count, index) => {
      const s = index + 1;
      const bridge = `br${s}`;
      const cidr = `10.${s}.0.0/24`;
      const gateway = `10.${s}.0.1`;
      ip('-n', router, 'link', 'add', bridge, 'type', 'bridge', 'mcast_snooping', '0', 'stp_state', '0', 'forward_delay', '0');
      ip('-n', router, 'addr', 'add', `${gateway}/24`, 'dev', bridge);
      ip('-n', router, 'link', 'set', bridge, 'up');
      const hosts: RoutedHost[] = [];
      for (let h = 1; h <= count; h++) {
        const namespace = `${prefix}-s${s}h${h}`;
        const address = `10.${s}.0.${h + 10}`;
        ip('netns', 'add', namespace);
        quiet(namespace);
        ip('-n', router, 'link', 'add', `p${s}h${h}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace);
        ip('-n', router, 'link', 'set', `p${s}h${h}`, 'master', bridge);
        ip('-n', router, 'link', 'set', `p${s}h${h}`, 'up');
        ip('-n', namespace, 'addr', 'add', `${address}/24`, 'brd', '+', 'dev', 'eth0');
        ip('-n', namespace, 'link', 'set', 'eth0', 'up');
        ip('-n', namespace, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0');
        ip('-n', namespace, 'route', 'add', 'default', 'via', gateway);
        hosts.push({ namespace, address, subnet: cidr });
      }
      subnets.push({ cidr, router: gateway, hosts });
    });
  } catch (error) {
    removeRoutedLan(prefix);
    throw error;
  }
  return {
    prefix,
    subnets,
    command: (host, argv) => ['ip', 'netns', 'exec', host.namespace, ...argv],
    down: () => removeRoutedLan(prefix),
  };
}
