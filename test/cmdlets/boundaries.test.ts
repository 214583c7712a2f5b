// Boundary and boundary group cmdlets as an admin meets them: round trips, what they refuse, and
// what they say about overlapping boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SiteStore } from '../../src/engine/site/store.js';
import { run } from '../runtime/harness.js';

test('boundaries and groups round-trip; DPs serve a group in the order added; a removed boundary leaves its groups', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'mcshell-boundaries-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const made = await run("New-Boundary -IPSubnet 10.2.0.0/16 -Name East | Out-Null; New-BoundaryGroup Building -Description 'E' | Out-Null; Add-BoundaryGroupMember -BoundaryGroup Building East | Out-Null", { cwd });
  assert.deepEqual(made.errors, []);
  // Two registered DPs (the fleet's registration stands here as records written directly).
  const store = await SiteStore.open(join(cwd, 'site'));
  await store.update((site) => {
    for (const name of ['DP-EAST', 'DP-West']) site.distributionPoints.push({ name, description: '', controlEndpoint: null, certificateFingerprint: null, signingPublicKey: null, interfaces: [], subnets: [], version: 'test', registeredAt: new Date().toISOString(), lastHeartbeatAt: null });
  });
  const dps = await run('Add-BoundaryGroupDistributionPoint -BoundaryGroup Building dp-west, DP-EAST, DP-West | Out-Null; (Get-BoundaryGroup Building).DistributionPoints', { cwd });
  assert.deepEqual(dps.errors, []);
  assert.deepEqual(dps.data, ['DP-West', 'DP-EAST'], "in the order added, as the site spells them, once each");
  const unknown = await run('Add-BoundaryGroupDistributionPoint -BoundaryGroup Building DP-NORTH', { cwd });
  assert.deepEqual(unknown.errors.map((e) => e.id), ['DistributionPointNotFound']);
  assert.match(unknown.errors[0]!.message, /no distribution point named 'DP-NORTH'; its DPs: DP-EAST, DP-West\./);

  // An overlapping boundary is allowed; the warning says which groups a client there falls in.
  const overlap = await run('New-Boundary -IPRange 10.2.5.1-10.2.5.99 -Name Room5 | Out-Null; New-BoundaryGroup Room | Out-Null; Get-Boundary Room5 | Add-BoundaryGroupMember -BoundaryGroup Room | Out-Null; (Get-BoundaryGroup -IPAddress 10.2.5.7).Name; (Get-BoundaryGroup -IPAddress 10.2.9.9).Name', { cwd });
  assert.deepEqual(overlap.errors, []);
  assert.equal(overlap.warnings.length, 1);
  assert.match(overlap.warnings[0]!, /^Boundary Room5 overlaps East \(10\.2\.0\.0\/16, in Building\): a client in the shared addresses falls in the groups of every boundary that holds it/);
  assert.deepEqual(overlap.data, ['Building', 'Room', 'Building']);

  const renamed = await run("Set-Boundary Room5 -NewName Lab5 -Value '10.2.5.1 - 10.2.5.120' -PassThru | Select-Object Name, Value, BoundaryGroups, OverlapsWith", { cwd });
  assert.deepEqual(renamed.errors, []);
  assert.deepEqual(renamed.data, [{ Name: 'Lab5', Value: '10.2.5.1-10.2.5.120', BoundaryGroups: ['Room'], OverlapsWith: ['East'] }]);

  const removed = await run('Remove-Boundary East -Force; (Get-BoundaryGroup Building).Boundaries.Count; (Remove-BoundaryGroupDistributionPoint -BoundaryGroup Building DP-EAST -PassThru).DistributionPoints; @(Get-Boundary).Count', { cwd });
  assert.deepEqual(removed.errors, []);
  assert.deepEqual(removed.data, [0, 'DP-West', 1]);
  assert.deepEqual(store.read().boundaryGroups.map((group) => group.boundaryIds), [[], ['BND00002']]);
});

test('bad boundaries are refused with what was meant, and change nothing', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'mcshell-boundaries-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const cases: [string, string, RegExp][] = [
    ['New-Boundary -IPSubnet 10.2.3.4/16', 'BoundaryHostBitsSet', /has host bits set: the \/16 subnet that holds 10\.2\.3\.4 is 10\.2\.0\.0\/16/],
    ['New-Boundary -IPSubnet 10.2.0.0', 'InvalidBoundary', /not an IPv4 subnet in CIDR form/],
    ['New-Boundary -IPSubnet 300.2.0.0/16', 'InvalidBoundary', /not an IPv4 subnet/],
    ['New-Boundary -IPRange 10.2.0.200-10.2.0.10', 'InvalidBoundary', /ends before it starts; give the lower address first: 10\.2\.0\.10-10\.2\.0\.200/],
    ['New-Boundary -IPRange 10.2.0.10', 'InvalidBoundary', /not an IPv4 address range/],
    ['New-Boundary -IPSubnet 10.9.0.0/16 -Name Second', 'BoundaryExists', /already has the IPSubnet boundary 10\.9\.0\.0\/16 \(First, BND00001\)/],
    ['Get-BoundaryGroup -IPAddress 10.2', 'InvalidIPAddress', /-IPAddress '10\.2' is not an IPv4 address/],
  ];
  assert.deepEqual((await run('New-Boundary -IPSubnet 10.9.0.0/16 -Name First | Out-Null', { cwd })).errors, []);
  for (const [command, id, message] of cases) {
    const result = await run(command, { cwd });
    assert.deepEqual(result.errors.map((e) => e.id), [id], command);
    assert.match(result.errors[0]!.message, message, command);
  }
  assert.deepEqual((await run('(Get-Boundary).Value', { cwd })).data, ['10.9.0.0/16'], 'only the first boundary was made');
});
