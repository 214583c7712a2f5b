// The routed LAN the multi-DP tests run on: unicast crosses the router, multicast stays in its subnet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { namespacesUnusable } from '../netlan/lan.js';
import { makeRoutedLan, type RoutedHost, type RoutedLan } from './routed-lan.js';

const skip = namespacesUnusable();

/** Datagrams a host hears on `port` (joining `group` when given) until it has `want` of them or `ms` passed. */
function listen(lan: RoutedLan, host: RoutedHost, port: number, group: string | null, want: number, ms: number): { ready: Promise<void>; heard: Promise<string[]> } {
  const script = `const s=require('dgram').createSocket({type:'udp4',reuseAddr:true});const got=[];s.on('message',(m)=>{got.push(String(m));if(got.length>=${want})done();});function done(){console.log(JSON.stringify(got));process.exit(0);}s.bind(${port},()=>{${group ? `s.addMembership('${group}','${host.address}');` : ''}console.log('ready');setTimeout(done,${ms});});`;
  const [command, ...args] = lan.command(host, [process.execPath, '-e', script]);
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let onReady: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (data: Buffer) => {
    out += data;
    if (out.startsWith('ready\n')) onReady();
  });
  const heard = new Promise<string[]>((resolve) => child.on('close', () => resolve(JSON.parse(out.slice('ready\n'.length) || '[]') as string[])));
  return { ready, heard };
}

function send(lan: RoutedLan, from: RoutedHost, to: string, port: number, count: number): Promise<void> {
  const script = `const s=require('dgram').createSocket('udp4');s.bind(0,'${from.address}',()=>{s.setMulticastTTL(8);s.setMulticastInterface('${from.address}');let i=0;const t=setInterval(()=>{s.send('d'+i,${port},'${to}');if(++i>=${count}){clearInterval(t);setTimeout(()=>process.exit(0),50);}},20);});`;
  const [command, ...args] = lan.command(from, [process.execPath, '-e', script]);
  const child = spawn(command!, args, { stdio: 'inherit' });
  return new Promise((resolve) => child.on('close', () => resolve()));
}

test('routed LAN: unicast crosses the router between subnets; multicast stays in the subnet it was sent in', { skip }, async (t) => {
  const lan = makeRoutedLan(`mcrl${process.pid % 10000}`, [2, 1]);
  t.after(() => lan.down());
  const [a, b] = lan.subnets[0]!.hosts as [RoutedHost, RoutedHost];
  const other = lan.subnets[1]!.hosts[0]!;
  assert.deepEqual([a.address, b.address, other.address], ['10.1.0.11', '10.1.0.12', '10.2.0.11']);

  const unicast = listen(lan, other, 5001, null, 5, 3000);
  await unicast.ready;
  await send(lan, a, other.address, 5001, 5);
  assert.equal((await unicast.heard).length, 5, 'unicast from subnet 1 reaches subnet 2 through the router');

  const sameSubnet = listen(lan, b, 5002, '239.1.2.3', 5, 3000);
  const otherSubnet = listen(lan, other, 5002, '239.1.2.3', 1, 1500);
  await Promise.all([sameSubnet.ready, otherSubnet.ready]);
  await send(lan, a, '239.1.2.3', 5002, 5);
  assert.equal((await sameSubnet.heard).length, 5, 'multicast reaches its own subnet');
  assert.deepEqual(await otherSubnet.heard, [], 'multicast does not cross the router');
});
