// A LAN for virtual machines inside the current (private) network namespace:
//
//   bridge mcbr<N>  198.18.<N>.1/24   the lab host's side: a DP under test serves here
//     ├─ mcdp<N> ⇄ mcd<N>  198.18.<N>.2  in namespace mcvl<pid>-<N>-dhcp: dnsmasq, DHCP only
//     └─ mct<N>v<I>                    one tap per VM NIC
//
// dnsmasq is the LAN's ordinary DHCP server, one mcshell did not write: it hands out addresses from
// 198.18.<N>.100–199 and nothing else (no DNS: --port=0; no router, no DNS server, no PXE options). It
// runs in a namespace of its own so a DP on the bridge can bind the DHCP ports for proxyDHCP.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateNamespaceRefusal } from './host.js';

export interface LanOptions {
  /** A folder of the caller's (a temp dir): dnsmasq's leases and log go there. */
  dir: string;
}

export interface Lease {
  mac: string;
  address: string;
}

let lans = 0;

export class Lan {
  readonly bridge: string;
  readonly subnet: string;
  /** The lab host's address on the bridge (where a DP under test listens). */
  readonly hostAddress: string;
  readonly dhcpAddress: string;
  readonly dhcpLog: string;
  readonly leasesFile: string;
  readonly dhcpNamespace: string;
  private readonly veth: string;
  private readonly taps: string[] = [];
  private dnsmasq: ChildProcess | undefined;
  private closed = false;

  private constructor(readonly index: number, dir: string) {
    this.bridge = `mcbr${index}`;
    this.veth = `mcd${index}`;
    this.subnet = `198.18.${index}`;
    this.hostAddress = `${this.subnet}.1`;
    this.dhcpAddress = `${this.subnet}.2`;
    this.dhcpNamespace = `mcvl${process.pid}-${index}-dhcp`;
    this.dhcpLog = join(dir, `dnsmasq-${index}.log`);
    this.leasesFile = join(dir, `dnsmasq-${index}.leases`);
  }

  /** Makes the bridge and starts dnsmasq; on any failure removes what it made and throws. */
  static async start(options: LanOptions): Promise<Lan> {
    const refusal = privateNamespaceRefusal();
    if (refusal) throw new Error(refusal);
    lans += 1;
    if (lans > 250) throw new Error('too many VM labs in one process');
    const lan = new Lan(lans, options.dir);
    try {
      await lan.up();
      return lan;
    } catch (error) {
      await lan.close();
      throw error;
    }
  }

  private async up(): Promise<void> {
    ip('link', 'add', this.bridge, 'type', 'bridge', 'mcast_snooping', '0', 'forward_delay', '0');
    ip('addr', 'add', `${this.hostAddress}/24`, 'brd', '+', 'dev', this.bridge);
    ip('link', 'set', this.bridge, 'up');
    ip('netns', 'add', this.dhcpNamespace);
    ip('link', 'add', `mcdp${this.index}`, 'type', 'veth', 'peer', 'name', this.veth);
    ip('link', 'set', this.veth, 'netns', this.dhcpNamespace);
    ip('link', 'set', `mcdp${this.index}`, 'master', this.bridge, 'up');
    ip('-n', this.dhcpNamespace, 'link', 'set', 'lo', 'up');
    ip('-n', this.dhcpNamespace, 'addr', 'add', `${this.dhcpAddress}/24`, 'brd', '+', 'dev', this.veth);
    ip('-n', this.dhcpNamespace, 'link', 'set', this.veth, 'up');
    // `ip netns exec` execs dnsmasq itself, so the child's PID is dnsmasq's: teardown kills exactly it.
    const dnsmasq = spawn(
      'ip',
      [
        'netns', 'exec', this.dhcpNamespace, 'dnsmasq',
        '--keep-in-foreground',
        '--conf-file=/dev/null',
        '--port=0',
        `--interface=${this.veth}`,
        '--bind-dynamic',
        `--dhcp-range=${this.subnet}.100,${this.subnet}.199,255.255.255.0,1h`,
        '--dhcp-option=3',
        '--dhcp-option=6',
        '--no-ping',
        `--dhcp-leasefile=${this.leasesFile}`,
        `--log-facility=${this.dhcpLog}`,
        '--log-dhcp',
        '--pid-file=',
        // It stays root: the leases and log live in the caller's private temp dir, and it runs in a
        // namespace of its own that only this lab's bridge reaches.
        '--user=root',
        '--group=root',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.dnsmasq = dnsmasq;
    let stderr = '';
    dnsmasq.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => dnsmasq.once('exit', (code) => resolve(code)));
    const ready = (async () => {
      for (;;) {
        if (existsSync(this.dhcpLog) && /DHCP, IP range/.test(readFileSync(this.dhcpLog, 'utf8'))) return 'ready' as const;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const first = await Promise.race([ready, exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000))]);
    if (first !== 'ready') throw new Error(`dnsmasq did not start (${first === 'timeout' ? 'no "DHCP, IP range" line in 10 s' : `exit ${first}`}): ${stderr.trim() || this.dhcpLogText()}`);
  }

  /** A new tap on the bridge, for one VM NIC. */
  addTap(): string {
    const tap = `mct${this.index}v${this.taps.length}`;
    ip('tuntap', 'add', 'dev', tap, 'mode', 'tap');
    this.taps.push(tap);
    ip('link', 'set', tap, 'master', this.bridge, 'up');
    return tap;
  }

  /** dnsmasq's process id while it runs. */
  get dhcpServerPid(): number | undefined {
    return this.dnsmasq?.pid;
  }

  /** The addresses dnsmasq has handed out, from its leases file. */
  leases(): Lease[] {
    if (!existsSync(this.leasesFile)) return [];
    return readFileSync(this.leasesFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' '))
      .map(([, mac, address]) => ({ mac: mac!, address: address! }));
  }

  dhcpLogText(): string {
    return existsSync(this.dhcpLog) ? readFileSync(this.dhcpLog, 'utf8') : '(no dnsmasq log)';
  }

  /** Kills dnsmasq by its PID and removes what the lab made, synchronously (for a process that is exiting). */
  killNow(): void {
    if (this.closed) return;
    this.closed = true;
    this.dnsmasq?.kill('SIGKILL');
    this.removeLinks();
  }

  /** Stops dnsmasq (by its PID) and removes the namespace, taps, veth and bridge; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const dnsmasq = this.dnsmasq;
    if (dnsmasq && dnsmasq.exitCode === null && dnsmasq.signalCode === null) {
      const gone = new Promise((resolve) => dnsmasq.once('exit', resolve));
      dnsmasq.kill('SIGTERM');
      const timer = setTimeout(() => dnsmasq.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    }
    this.removeLinks();
  }

  private removeLinks(): void {
    for (const tap of this.taps) ipQuiet('link', 'del', tap);
    ipQuiet('netns', 'delete', this.dhcpNamespace);
    ipQuiet('link', 'del', `mcdp${this.index}`);
    ipQuiet('link', 'del', this.bridge);
  }
}

function ip(...args: string[]): void {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${(result.stderr || result.error?.message || '').trim()}`);
}

/** Teardown: what is already gone (a tap QEMU removed, a veth that went with its namespace) is fine. */
function ipQuiet(...args: string[]): void {
  spawnSync('ip', args, { stdio: 'ignore' });
}
