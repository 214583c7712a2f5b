// Terminal escape injection (issue 16 item 25, output half): a device name with escape sequences
// (set the window title, clear the screen, ring the bell, a C1 CSI, a bidi override) must reach
// the admin's terminal visibly, never as control characters — through the real binary's text
// output, errors, warnings and host text — while the shell's own colours still work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeControlsInJson, printable } from '../../src/format/printable.js';

const bin = fileURLToPath(new URL('../../../bin/mcshell.js', import.meta.url));
const HOSTILE = 'pc-\x1b]0;owned\x07\x1b[2J\x9b31m\u202eevil\x7f';
/** Any byte or character a terminal would act on; the ones the shell's own colours use are checked apart. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

function mcshell(site: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input: '', env: { ...process.env, MCSHELL_HOME: site, NO_COLOR: '', FORCE_COLOR: '', ...env }, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A site whose store holds a device (enrolled, in a collection) named with escape sequences, as one enrolled before names were checked. */
function hostileSite(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcshell-escapes-'));
  const site = join(dir, 'site');
  const made = mcshell(site, ['-c', 'New-DeviceCollection Lab1 | Out-Null; Add-CollectionMember -Collection Lab1 -Name pc-01 | Out-Null']);
  assert.equal(made.code, 0, made.stderr);
  const file = join(site, 'site.json');
  const state = JSON.parse(readFileSync(file, 'utf8'));
  state.devices[0].name = HOSTILE;
  state.enrolledClients.push({ id: 'CLI00001', deviceId: state.devices[0].id, secretSha256: '0'.repeat(64), tokenId: 'TOK00001', enrolledAt: new Date().toISOString() });
  writeFileSync(file, JSON.stringify(state));
  return dir;
}

test('control characters in a device name are shown, not obeyed, in tables, lists, errors, warnings and host text', () => {
  const dir = hostileSite();
  try {
    const site = join(dir, 'site');
    const script = [
      'Get-Device',
      'Get-Device | Format-List',
      'Get-EnrolledClient',
      'Get-DeviceCollection | Format-List',
      '$name = (Get-Device).Name',
      '$name',
      'Write-Warning $name',
      'Write-Host $name',
      "Remove-CollectionMember -Collection Lab1 -Member ($name + 'x')",
      'Get-Device ($name + "x")',
    ].join('; ');
    const r = mcshell(site, ['-o', 'text', '-c', script]);
    assert.equal(r.code, 1, 'the two not-found errors');
    for (const [stream, text] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
      assert.doesNotMatch(text, CONTROL, `${stream} carries a control character: ${JSON.stringify(text)}`);
    }
    assert.match(r.stdout, /pc-␛\]0;owned␇␛\[2J`u\{9B\}31m`u\{202E\}evil␡/);
    assert.match(r.stderr, /WARNING: pc-␛\]0;owned␇/);
    assert.match(r.stderr, /is not a member of collection 'Lab1'/);
    assert.equal((r.stderr.match(/␛\]0;owned/g) ?? []).length >= 3, true, r.stderr);

    // Machine output stays exact: the name round-trips through JSON, with nothing raw a terminal obeys.
    const json = mcshell(site, ['-c', 'Get-Device']);
    assert.doesNotMatch(json.stdout, CONTROL);
    assert.equal(JSON.parse(json.stdout).Name, HOSTILE);

    // The shell's own colours are untouched.
    const coloured = mcshell(site, ['-o', 'text', '-c', 'Get-Device'], { FORCE_COLOR: '1' });
    assert.match(coloured.stdout, /^\x1b\[32mId +Name/);
    assert.match(coloured.stdout, /pc-␛\]0;owned/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('printable: C0 as control pictures, C1 and bidi as `u{…}; line breaks and tabs kept only in multi-line text; JSON escapes stay exact', () => {
  assert.equal(printable('a\x1b[2Jb\x07\x00\x7f'), 'a␛[2Jb␇␀␡');
  assert.equal(printable('x\x9by\u202ez'), 'x`u{9B}y`u{202E}z');
  assert.equal(printable('one\ttwo\nthree\r\n'), 'one␉two␊three␍␊');
  assert.equal(printable('one\ttwo\nthree\r\nfour\rfive', true), 'one\ttwo\nthree\r\nfour␍five');
  assert.equal(printable('plain'), 'plain');
  const json = escapeControlsInJson(JSON.stringify({ name: HOSTILE, list: [1] }, null, 2));
  assert.doesNotMatch(json, CONTROL);
  assert.deepEqual(JSON.parse(json), { name: HOSTILE, list: [1] });
});
