// A small wired segment inside the test's own network namespace (the test runner runs every test
// under `unshare -n`): veth pairs whose ends get 198.18.x addresses, so PXE servers and crafted
// clients talk over a real interface. Nothing leaves the namespace.
import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

/** Why veth pairs cannot be made here (the tests skip with it), or false. */
export function vethUnusable(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (the test runner is, in its private namespace)';
  const names = Object.keys(networkInterfaces()).filter((name) => name !== 'lo');
  if (names.some((name) => !/^(pxe|cli|oth)/.test(name))) return `refusing: this namespace has interfaces other than lo (${names.join(', ')}); run through npm test, which runs in a private namespace`;
  return false;
}

/** Makes (or remakes) a veth pair `server` <-> `client` with the given /24 addresses. */
export function vethPair(server: string, serverAddress: string, client: string, clientAddress: string): () => void {
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    ip('link', 'delete', server);
  } catch {
    // not there
  }
  ip('link', 'add', server, 'type', 'veth', 'peer', 'name', client);
  ip('addr', 'add', `${serverAddress}/24`, 'brd', '+', 'dev', server);
  ip('addr', 'add', `${clientAddress}/24`, 'brd', '+', 'dev', client);
  // Both ends live in this one namespace: a packet whose source is an address of this host would be
  // dropped as a martian when it arrives on the other end, unless the interfaces accept it.
  for (const name of [server, client]) {
    writeFileSync(`/proc/sys/net/ipv4/conf/${name}/accept_local`, '1');
    writeFileSync(`/proc/sys/net/ipv4/conf/${name}/rp_filter`, '0');
  }
  ip('link', 'set', server, 'up');
  ip('link', 'set', client, 'up');
  ip('link', 'set', 'lo', 'up');
  return () => {
    try {
      ip('link', 'delete', server);
    } catch {
      // already gone
    }
  };
}

/**
 * A client machine: a named namespace holding `client`, the peer of `server` here. Commands run in
 * it asynchronously (the servers under test answer from this process's event loop meanwhile).
 */
export function clientNamespace(server: string, serverAddress: string, client: string, clientAddress: string) {
  const namespace = `mcpxe${process.pid}${server}`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    ip('netns', 'delete', namespace);
  } catch {
    // not there
  }
  ip('netns', 'add', namespace);
  ip('link', 'add', server, 'type', 'veth', 'peer', 'name', client, 'netns', namespace);
  ip('addr', 'add', `${serverAddress}/24`, 'brd', '+', 'dev', server);
  ip('link', 'set', server, 'up');
  ip('link', 'set', 'lo', 'up');
  ip('-n', namespace, 'addr', 'add', `${clientAddress}/24`, 'brd', '+', 'dev', client);
  ip('-n', namespace, 'link', 'set', client, 'up');
  ip('-n', namespace, 'link', 'set', 'lo', 'up');
  return {
    namespace,
    run(command: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: Buffer; stderr: string }> {
      return new Promise((resolve) => {
        execFile('ip', ['netns', 'exec', namespace, ...command], { encoding: 'buffer', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr: stderr.toString() });
        });
      });
    },
    remove(): void {
      try {
        ip('link', 'delete', server);
      } catch {
        // gone with the namespace
      }
      ip('netns', 'delete', namespace);
    },
  };
}
