// The TFTP server with real clients (curl, busybox tftp) in a client namespace on a veth pair:
// byte-exact files, tsize answered, blksize 1468, a missing file, and escapes from the boot
// folder refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { TftpServer, type TftpEvent } from '../../../src/engine/boot/tftp-server.js';
import { resolvePxeInterface } from '../../../src/engine/boot/interface.js';
import { clientNamespace, vethUnusable } from './netns.js';

const hasCurl = spawnSync('sh', ['-c', 'curl --version | grep -q tftp']).status === 0;
const skip = vethUnusable() || (hasCurl ? false : 'needs curl with TFTP (Debian: curl)');
const hasBusybox = spawnSync('sh', ['-c', "busybox tftp --help 2>&1 | grep -q -- '-b SIZE'"]).status === 0;
const SERVER = '198.18.9.1';

let folder: string;
let server: TftpServer;
let client: ReturnType<typeof clientNamespace>;
const events: TftpEvent[] = [];
const files: Record<string, Buffer> = {};

before(async () => {
  if (skip) return;
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-pxe-tftp-'));
  folder = join(dir, 'boot');
  await mkdir(join(folder, 'efi'), { recursive: true });
  // Sizes: a few blocks; an exact multiple of 1468 (the last block is empty); several hundred KB.
  Object.assign(files, { 'undionly.kpxe': randomBytes(74_213), 'efi/snponly.efi': randomBytes(1468 * 20), 'big.bin': randomBytes(700_001) });
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(folder, name), bytes);
  await writeFile(join(dir, 'secret.txt'), 'not for TFTP');
  await symlink(join(dir, 'secret.txt'), join(folder, 'link-out'));
  await symlink('undionly.kpxe', join(folder, 'link-in'));
  client = clientNamespace('pxe9', SERVER, 'cli9', '198.18.9.2');
  server = new TftpServer({ iface: resolvePxeInterface('pxe9'), folder, onEvent: (event) => events.push(event) });
  await server.start();
});

after(async () => {
  if (skip) return;
  await server.stop();
  client.remove();
  await rm(join(folder, '..'), { recursive: true, force: true });
});

const curl = (path: string, ...args: string[]) => client.run(['curl', '-sS', '--path-as-is', ...args, `tftp://${SERVER}/${path}`]);

test('curl gets byte-exact files, with the default block size and with blksize 1468', { skip }, async () => {
  for (const [name, bytes] of Object.entries(files)) {
    for (const extra of [[], ['--tftp-blksize', '1468']]) {
      const result = await curl(name, ...extra);
      assert.equal(result.code, 0, `${name} ${extra.join(' ')}: ${result.stderr}`);
      assert.ok(result.stdout.equals(bytes), `${name} ${extra.join(' ')} is byte-exact (${result.stdout.length} of ${bytes.length} bytes)`);
    }
  }
  assert.ok(events.some((event) => event.event === 'tftp-sent' && event.file === 'big.bin' && event.bytes === 700_001));
});

test('tsize and blksize are answered in an OACK (RFC 2347/2348/2349), and the transfer follows them', { skip }, async () => {
  // A raw client in the client namespace (from here the packet would go over lo, which the
  // device-bound server does not hear).
  const script = `
    const dgram = require('dgram');
    const s = dgram.createSocket('udp4');
    const rrq = Buffer.from('\\0\\x01undionly.kpxe\\0octet\\0tsize\\x000\\0blksize\\x001468\\0', 'latin1');
    const got = [];
    s.on('message', (m, r) => {
      got.push(m.toString('latin1'));
      if (m.readUInt16BE(0) === 6) { s.send(Buffer.from([0, 4, 0, 0]), r.port, r.address); return; }
      if (m.readUInt16BE(0) === 3) {
        process.stdout.write(JSON.stringify({ oack: got[0], first: m.length - 4, block: m.readUInt16BE(2) }));
        s.send(Buffer.from([0, 5, 0, 0, 0]), r.port, r.address, () => process.exit(0));
      }
    });
    s.send(rrq, 69, '${SERVER}');
    setTimeout(() => { process.stdout.write('timeout'); process.exit(1); }, 5000);
  `;
  const result = await client.run([process.execPath, '-e', script]);
  assert.equal(result.code, 0, result.stdout.toString() + result.stderr);
  const answer = JSON.parse(result.stdout.toString()) as { oack: string; first: number; block: number };
  assert.equal(answer.oack, `\0\x06blksize\x001468\x00tsize\x00${files['undionly.kpxe']!.length}\x00`);
  assert.deepEqual([answer.first, answer.block], [1468, 1]);
});

test('busybox tftp gets a byte-exact file with blocksize 1468', { skip: skip || (hasBusybox ? false : 'needs busybox with tftp') }, async () => {
  const out = join(folder, '..', 'busybox-got.bin');
  const result = await client.run(['busybox', 'tftp', '-g', '-b', '1468', '-r', 'efi/snponly.efi', '-l', out, SERVER]);
  assert.equal(result.code, 0, result.stderr);
  const { readFile } = await import('node:fs/promises');
  assert.ok((await readFile(out)).equals(files['efi/snponly.efi']!));
});

test('a missing file is TFTP error 1; escapes from the boot folder are access violations; writes are refused', { skip }, async () => {
  const missing = await curl('nope.efi');
  assert.equal(missing.code, 68, `curl's "TFTP: file not found": ${missing.stderr}`);
  for (const path of ['../secret.txt', 'efi/../../secret.txt', 'link-out', '..%2fsecret.txt']) {
    const result = await curl(path);
    assert.notEqual(result.code, 0, path);
    assert.equal(result.stdout.length, 0, `${path} serves nothing`);
    assert.doesNotMatch(result.stdout.toString(), /not for TFTP/);
  }
  const violations = events.filter((event) => event.event === 'tftp-refused' && event.reason === 'access-violation').map((event) => event.file);
  // curl decodes %2f, so the last one arrives as ../secret.txt too.
  assert.deepEqual(violations.slice(-4), ['../secret.txt', 'efi/../../secret.txt', 'link-out', '../secret.txt']);
  const inside = await curl('link-in');
  assert.ok(inside.stdout.equals(files['undionly.kpxe']!), 'a link that stays inside the folder is served');
  const upload = await client.run(['curl', '-sS', '-T', '/etc/hostname', `tftp://${SERVER}/new.bin`]);
  assert.notEqual(upload.code, 0);
  assert.equal(events.at(-1)?.reason, 'write request');
});

test('a block whose ACK is lost is sent again, and the transfer completes', { skip }, async () => {
  // A client that ignores the first copy of block 2 (it never ACKs it), then ACKs its resend.
  const script = `
    const dgram = require('dgram');
    const s = dgram.createSocket('udp4');
    let seen2 = 0, bytes = 0;
    s.on('message', (m, r) => {
      const block = m.readUInt16BE(2);
      if (block === 2 && seen2++ === 0) return;
      if (m.readUInt16BE(0) !== 3) { process.stdout.write('error ' + m.toString('latin1')); process.exit(1); }
      bytes += m.length - 4;
      s.send(Buffer.from([0, 4, block >> 8, block & 255]), r.port, r.address);
      if (m.length - 4 < 512) { process.stdout.write(JSON.stringify({ bytes, seen2 })); setTimeout(() => process.exit(0), 50); }
    });
    s.send(Buffer.from('\\0\\x01undionly.kpxe\\0octet\\0', 'latin1'), 69, '${SERVER}');
    setTimeout(() => { process.stdout.write('timeout'); process.exit(1); }, 15000);
  `;
  const result = await client.run([process.execPath, '-e', script]);
  assert.equal(result.code, 0, result.stdout.toString() + result.stderr);
  assert.deepEqual(JSON.parse(result.stdout.toString()), { bytes: files['undionly.kpxe']!.length, seen2: 2 });
});
