// The PXE services with the DP service as an admin runs it: Start-DPService / Get-DPPxe /
// Stop-DPService in a shell, and `mcshell serve` as a process whose log shows what listens where
// and each boot script it served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../runtime/harness.js';

const bin = join(fileURLToPath(new URL('../../../../', import.meta.url)), 'bin/mcshell.js');

function tempDir(t: { after: (fn: () => void) => void }): string {
  const cwd = mkdtempSync(join(tmpdir(), 'mcshell-pxe-cmdlets-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  return cwd;
}

test('Start-DPService runs the PXE services when PXE is enabled; Get-DPPxe shows what listens where until Stop-DPService', async (t) => {
  const cwd = tempDir(t);
  const started = await run('Set-DPPxe -EnablePxe $true; Start-DPService -Port 0', { cwd });
  try {
    assert.deepEqual(started.errors, []);
    const listeners = (started.data[0] as { Pxe: { Service: string; Address: string }[] }).Pxe;
    assert.deepEqual(listeners.map((listener) => `${listener.Service} ${listener.Address}`), ['proxyDHCP udp lo:67', 'proxyDHCP udp lo:4011', 'TFTP udp lo:69', 'HTTP boot tcp 127.0.0.1:8736']);
    const shown = await run('(Get-DPPxe).Listening | ForEach-Object Service', { cwd });
    assert.deepEqual(shown.data, ['proxyDHCP', 'proxyDHCP', 'TFTP', 'HTTP boot']);
  } finally {
    await run('Stop-DPService', { cwd });
  }
  assert.deepEqual((await run('(Get-DPPxe).Listening', { cwd })).data, [null]);
  // PXE off: the DP service runs without them.
  const without = await run('Set-DPPxe -Enable:$false; Start-DPService -Port 0; Stop-DPService', { cwd });
  assert.deepEqual((without.data[0] as { Pxe: unknown[] }).Pxe, []);
});

test('mcshell serve logs its PXE listeners, warnings and the boot scripts it serves, and frees the ports when stopped', async (t) => {
  const site = join(tempDir(t), 'site');
  execFileSync(process.execPath, [bin, '--site', site, '-c', 'Set-DPPxe -EnablePxe $true -EnableUnknownComputerSupport $true']);
  const child = spawn(process.execPath, [bin, 'serve', '--site', site, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => void child.kill('SIGKILL'));
  const lines: Record<string, unknown>[] = [];
  const waitFor = (event: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const seen = lines.find((line) => line.event === event);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`no ${event} in ${JSON.stringify(lines)}`)), 30_000);
      const check = () => {
        const found = lines.find((line) => line.event === event);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        } else setTimeout(check, 50);
      };
      check();
    });
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  const listening = await waitFor('listening');
  assert.deepEqual(listening.pxe, [
    { Service: 'proxyDHCP', Address: 'udp lo:67' },
    { Service: 'proxyDHCP', Address: 'udp lo:4011' },
    { Service: 'TFTP', Address: 'udp lo:69' },
    { Service: 'HTTP boot', Address: 'tcp 127.0.0.1:8736' },
  ]);
  assert.match(String((await waitFor('pxe-warning')).message), /No boot image is set for PXE/);
  const script = await new Promise<string>((resolve, reject) => {
    request('http://127.0.0.1:8736/boot/ipxe?mac=52%3A54%3A00%3A12%3A34%3A56&uuid=&arch=0', (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
  assert.match(script, /^#!ipxe\n.*no deployment available to PXE targets All Unknown Computers.*\nexit\n$/s);
  const served = await waitFor('pxe-script');
  assert.deepEqual([served.mac, served.action], ['52:54:00:12:34:56', 'localboot']);
  const exited = new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
  child.kill('SIGTERM');
  await waitFor('stopped');
  await exited;
  // The ports are free again: a second DP starts.
  const again = await run('Start-DPService -Port 0; Stop-DPService', { site });
  assert.equal((again.data[0] as { Pxe: unknown[] }).Pxe.length, 4, JSON.stringify(again.errors));
});
