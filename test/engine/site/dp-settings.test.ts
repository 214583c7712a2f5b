import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDPSettings, defaultSlowClientSettings, validateDPSettings, type DPMulticastSettings } from '../../../src/engine/site/model.js';
import { EngineError } from '../../../src/engine/errors.js';

function withChanges(changes: Partial<DPMulticastSettings>): DPMulticastSettings {
  return { ...defaultDPSettings(), ...changes };
}

function rejects(settings: DPMulticastSettings, id: string, message: RegExp): void {
  assert.throws(
    () => validateDPSettings(settings),
    (error: unknown) => error instanceof EngineError && error.id === id && message.test(error.message),
  );
}

test('the defaults are valid: loopback, any 239/8 group, ports 63000–64000, 100 clients', () => {
  const settings = validateDPSettings(defaultDPSettings());
  assert.equal(settings.interface, 'lo');
  assert.equal(settings.addressRange, null);
  assert.equal(settings.maximumClients, 100);
});

test('an explicit address range is normalised and kept', () => {
  const settings = validateDPSettings(withChanges({ addressRange: { start: ' 239.255.10.1', end: '239.255.10.20' } }));
  assert.deepEqual(settings.addressRange, { start: '239.255.10.1', end: '239.255.10.20' });
});

test('addresses outside 239.0.0.0/8 or not addresses at all are refused, naming the parameter', () => {
  rejects(withChanges({ addressRange: { start: '224.1.1.1', end: '239.1.1.1' } }), 'AddressNotMulticast', /StartIPAddress '224\.1\.1\.1'.*239\.0\.0\.0/);
  rejects(withChanges({ addressRange: { start: '239.1.1.1', end: '10.0.0.1' } }), 'AddressNotMulticast', /EndIPAddress/);
  rejects(withChanges({ addressRange: { start: '239.1.1.300', end: '239.1.1.1' } }), 'InvalidIPAddress', /not an IPv4 address/);
});

test('a range that runs backwards, or only aliases 224.0.0.x, is refused', () => {
  rejects(withChanges({ addressRange: { start: '239.1.1.9', end: '239.1.1.1' } }), 'InvalidAddressRange', /above EndIPAddress/);
  rejects(withChanges({ addressRange: { start: '239.0.0.1', end: '239.0.0.200' } }), 'InvalidAddressRange', /aliases 224\.0\.0\.x/);
  assert.doesNotThrow(() => validateDPSettings(withChanges({ addressRange: { start: '239.0.0.250', end: '239.0.1.2' } })));
});

test('port ranges, client counts, rates and schedules are range-checked with the allowed values named', () => {
  rejects(withChanges({ portRange: { start: 64000, end: 63000 } }), 'InvalidPortRange', /StartUdpPort 64000 is above EndUdpPort 63000/);
  rejects(withChanges({ portRange: { start: 80, end: 63000 } }), 'ValueOutOfRange', /StartUdpPort must be a whole number from 1024 to 65535/);
  rejects(withChanges({ maximumClients: 0 }), 'ValueOutOfRange', /MaximumClientCount must be a whole number from 1/);
  rejects(withChanges({ transferRateBps: 1000 }), 'ValueOutOfRange', /TransferRate must be at least 64 kbit\/s/);
  rejects(withChanges({ maximumClients: 8, scheduled: { enabled: true, startDelayMinutes: 5, minimumSessionSize: 9 } }), 'ValueOutOfRange', /MinimumSessionSize 9 is above MaximumClientCount 8: .* Raise -MaximumClients/);
  rejects(withChanges({ slowClients: { ...defaultSlowClientSettings(), policy: 'Disconnect' } }), 'InvalidSlowClientPolicy', /SlowClientThreshold/);
  rejects(withChanges({ slowClients: { ...defaultSlowClientSettings(), policy: 'Multistream', thresholdBps: 0 } }), 'InvalidSlowClientPolicy', /Multistream needs SlowClientThreshold/);
  rejects(withChanges({ transferRateBps: 50e6, slowClients: { ...defaultSlowClientSettings(), policy: 'Disconnect', thresholdBps: 80e6 } }), 'InvalidSlowClientPolicy', /must be below TransferRate/);
  rejects(withChanges({ slowClients: { ...defaultSlowClientSettings(), sustainSeconds: 0 } }), 'ValueOutOfRange', /SlowClientSeconds must be a whole number from 1 to 3600/);
  rejects(withChanges({ slowClients: { ...defaultSlowClientSettings(), streams: 4 as 3 } }), 'ValueOutOfRange', /SlowClientStreams must be 2 or 3/);
});
