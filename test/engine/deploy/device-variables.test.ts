import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandVariables, setDeviceVariable } from '../../../src/engine/deploy/device-variables.js';
import { openTestSite } from '../../postgres/test-site.js';
import { EngineError } from '../../../src/engine/errors.js';

const device = { id: 'DEV001', name: 'pc-07', mac: '02:00:00:00:00:07', variables: { Room: 'B12', Role: 'kiosk' } };

test("a step's text gets the device's name, id, MAC and variables (names case-insensitive); a shell's ${…} and unknown names stay", () => {
  assert.equal(expandVariables('/srv/{name}-{ID}.img', device), '/srv/pc-07-DEV001.img');
  assert.equal(expandVariables('lab-{room}-{Role}', device), 'lab-B12-kiosk');
  assert.equal(expandVariables('echo {mac} ${HOME} {a,b} {Unknown}', device), 'echo 02:00:00:00:00:07 ${HOME} {a,b} {Unknown}');
  assert.equal(expandVariables('{mac}', { id: 'DEV002', name: 'x', mac: null }), '{mac}');
});

test('Set-DeviceVariable sets, replaces (whatever the case) and removes; built-in names and bad names or values are refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-variables-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = await openTestSite(join(dir, 'site'));
  await store.update((site) => void site.devices.push({ id: 'DEV001', name: 'pc-07', mac: '02:00:00:00:00:07' }));
  assert.deepEqual((await setDeviceVariable(store, 'pc-07', 'Room', 'B12')).variables, { Room: 'B12' });
  assert.deepEqual((await setDeviceVariable(store, '02-00-00-00-00-07', 'ROOM', 'C3')).variables, { ROOM: 'C3' });
  assert.equal((await setDeviceVariable(store, 'DEV001', 'room', null)).variables, undefined);
  const refused = (id: string) => (error: unknown) => error instanceof EngineError && error.id === id;
  await assert.rejects(setDeviceVariable(store, 'pc-07', 'Name', 'x'), refused('BuiltInVariable'));
  await assert.rejects(setDeviceVariable(store, 'pc-07', '1st', 'x'), refused('InvalidVariableName'));
  await assert.rejects(setDeviceVariable(store, 'pc-07', 'Room', 'a\nb'), refused('InvalidVariableValue'));
  await assert.rejects(setDeviceVariable(store, 'pc-99', 'Room', 'x'), refused('DeviceNotFound'));
  assert.equal(store.read().devices[0]!.variables, undefined);
});
