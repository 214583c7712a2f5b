// Issue 16 item 29: the site's disk read-only or full. The site lives on a small tmpfs in a mount
// namespace of its own, and the real binary runs against it: reading (Get-*, serve) goes on,
// changing fails with an error naming the disk and its free space, and nothing is left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/mcshell.js', import.meta.url));
const mountNamespaces = spawnSync('unshare', ['-m', 'true']).status === 0 ? false : 'needs mount namespaces (unshare -m as root)';

interface Run {
  output: string;
  code: number;
}

/** Runs `steps` (name → shell command) in a mount namespace where `$0` is a 2 MiB tmpfs; each step's output and exit code. */
function onSiteDisk(steps: [string, string][]): Map<string, Run> {
  const dir = mkdtempSync(join(tmpdir(), 'mcshell-site-disk-'));
  try {
    const script = [
      'set -u',
      'mount -t tmpfs -o size=2m mcshell-site-disk "$0"',
      'export MCSHELL_HOME="$0/site"',
      'mcshell() { "$NODE" "$BIN" "$@"; }',
      ...steps.flatMap(([name, command]) => [`echo "@@@ ${name}"`, `( ${command} ) 2>&1`, 'echo "@@@ exit $?"']),
    ].join('\n');
    const result = spawnSync('unshare', ['-m', 'bash', '-c', script, dir], { encoding: 'utf8', env: { ...process.env, NODE: process.execPath, BIN: bin, NO_COLOR: '1' }, timeout: 120_000 });
    assert.equal(result.status, 0, result.stderr);
    const runs = new Map<string, Run>();
    for (const block of result.stdout.split(/^@@@ (?!exit)/m).slice(1)) {
      const [name, ...rest] = block.split('\n');
      const text = rest.join('\n');
      const exit = /^@@@ exit (\d+)$/m.exec(text)!;
      runs.set(name!, { output: text.slice(0, exit.index), code: Number(exit[1]) });
    }
    return runs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Makes a site on the tmpfs, breaks its disk with `breakDisk`, then reads (Get-*, serve) and
 * changes it: the reads work, the change fails with an error that matches `error`, and the site
 * holds no lock nor any other leftover.
 */
function checkSiteOnBrokenDisk(breakDisk: string, error: RegExp): void {
  const runs = onSiteDisk([
    ['create', "mcshell -c 'New-DeviceCollection Lab | Out-Null; New-EnrollmentToken | Out-Null'"],
    ['break', breakDisk],
    ['get', "mcshell -c 'Get-DeviceCollection | Select-Object -ExpandProperty Name'"],
    ['serve', 'timeout --preserve-status -s INT 4 "$NODE" "$BIN" serve --port 0'],
    ['change', "mcshell -c 'New-DeviceCollection Lab2'"],
    ['files', 'ls -A "$0/site"'],
  ]);
  assert.equal(runs.get('create')!.code, 0, runs.get('create')!.output);
  assert.deepEqual(runs.get('get'), { output: '"All Unknown Computers"\n"Lab"\n', code: 0 });
  assert.match(runs.get('serve')!.output, /"event":"listening".*"event":"stopped"/s);
  const change = runs.get('change')!;
  assert.equal(change.code, 1);
  assert.match(change.output, error);
  assert.doesNotMatch(change.output, /UnexpectedError/);
  assert.deepEqual(runs.get('files')!.output.trim().split('\n').sort(), ['content', 'identity', 'site.json']);
}

test('a read-only site disk: Get-* and serve work, a change fails naming the disk, and no lock is left', { skip: mountNamespaces }, () => {
  checkSiteOnBrokenDisk(
    'mount -o remount,ro "$0"',
    /failed: the disk mcshell-site-disk \(tmpfs, mounted at .*, .* free\) is mounted read-only \(EROFS\); remount it read-write .*\[SiteDiskReadOnly,New-DeviceCollection\]/,
  );
});

test('a full site disk: Get-* and serve work, a change fails naming the disk and its free space, and no empty lock is left', { skip: mountNamespaces }, () => {
  checkSiteOnBrokenDisk(
    'cat /dev/zero > "$0/filler" 2>/dev/null; true',
    /failed: the disk mcshell-site-disk \(tmpfs, mounted at .*, 0 bytes free\) is full \(ENOSPC\); free space there and try again.*\[SiteDiskFull,New-DeviceCollection\]/s,
  );
});
