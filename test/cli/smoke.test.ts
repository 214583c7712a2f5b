import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/mcshell.js', import.meta.url));

test('the mcshell binary starts and exits with a status code', () => {
  const result = spawnSync(process.execPath, [bin, 'send'], { encoding: 'utf8' });
  assert.equal(typeof result.status, 'number');
});
