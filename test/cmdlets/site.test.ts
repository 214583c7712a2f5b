// Site cmdlets as an admin meets them: what they warn about, refuse and report (issue 16).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../runtime/harness.js';
import { testSiteFor } from '../postgres/test-site.js';
import { openTestSite } from '../postgres/test-site.js';

/** Runs each source in turn in one fresh site directory. */
async function inSite<T>(fn: (cwd: string) => Promise<T>): Promise<T> {
  const cwd = mkdtempSync(join(tmpdir(), 'mcshell-site-cmdlets-'));
  try {
    return await fn(cwd);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

test('Set-DPMulticast -Interface of an interface this host lacks warns at once, naming the ones it has, and saves it', async () => {
  await inSite(async (cwd) => {
    const r = await run('Set-DPMulticast -Interface eth7; (Get-DPMulticast).Interface', { cwd });
    assert.deepEqual(r.errors, []);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /no IPv4 interface eth7 \(it has lo\b/);
    assert.deepEqual(r.data, ['eth7']);
    const here = await run('Set-DPMulticast -Interface lo', { cwd });
    assert.deepEqual(here.warnings, []);
  });
});

test('a Get-* cmdlet given an exact name that matches nothing writes a not-found error; a wildcard matching nothing stays silent', async () => {
  await inSite(async (cwd) => {
    const cases: [string, string][] = [
      ['Get-OSImage', 'ImageNotFound'],
      ['Get-ImageMulticast', 'ImageNotFound'],
      ['Get-Device', 'DeviceNotFound'],
      ['Get-DeviceCollection', 'CollectionNotFound'],
      ['Get-TaskSequence', 'TaskSequenceNotFound'],
      ['Get-TSDeployment', 'DeploymentNotFound'],
      ['Get-EnrollmentToken', 'EnrollmentTokenNotFound'],
      ['Get-EnrolledClient', 'EnrolledClientNotFound'],
      ['Get-MulticastSession', 'SessionNotFound'],
      ['Get-MulticastSession -History', 'SessionNotFound'],
    ];
    for (const [command, id] of cases) {
      const exact = await run(`${command} Nope`, { cwd });
      assert.deepEqual(exact.data, [], command);
      assert.deepEqual(exact.errors.map((e) => [e.fullyQualifiedId, e.category]), [[`${id},${command.split(' ')[0]}`, 'ObjectNotFound']], command);
      assert.match(exact.errors[0]!.message, /^Cannot find an? .* 'Nope'\.$/, command);
      for (const wildcard of ['Nope*', 'N?pe', '[N]ope']) assert.deepEqual((await run(`${command} '${wildcard}'`, { cwd })).errors, [], `${command} ${wildcard}`);
    }
    // An escaped wildcard character is an exact name; found names give no error.
    assert.equal((await run("Get-OSImage 'No`*pe'", { cwd })).errors.length, 1);
    const found = await run("New-DeviceCollection Lab1 | Out-Null; Get-DeviceCollection Lab1 | ForEach-Object Name; 'Lab1', 'Nope' | ForEach-Object { Get-DeviceCollection $_ } | ForEach-Object Name", { cwd });
    assert.deepEqual(found.data, ['Lab1', 'Lab1']);
    assert.deepEqual(found.errors.map((e) => e.id), ['CollectionNotFound']);
  });
});

test('messages read right: "An image named …", and a minimum session size above the maximum clients names -MaximumClients', async () => {
  await inSite(async (cwd) => {
    const twice = await run("Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; Import-OSImage a.img -Name Win11", { cwd });
    assert.match(twice.errors[0]!.message, /^An image named 'Win11' already exists/);
    const over = await run('Set-DPMulticast -MinimumSessionSize 500', { cwd });
    assert.match(over.errors[0]!.message, /MinimumSessionSize 500 is above MaximumClientCount 100\b.*-MaximumClients/);
  });
});

test('Get-MulticastClient lists by session, then name in natural order (pc-2 before pc-10), whatever order clients joined', async () => {
  await inSite(async (cwd) => {
    const setup = await run(
      "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; Set-DPMulticast -Enable -EnableScheduledMulticast -MinimumSessionSize 10 -SessionStartDelayMins 60; Start-DPService -Port 0 | Out-Null",
      { cwd },
    );
    assert.deepEqual(setup.errors, []);
    const { openSite, runningService } = await import('../../cmdlets/engine.js');
    const store = await openSite(await testSiteFor(join(cwd, 'site')));
    try {
      const image = store.read().images[0]!;
      for (const name of ['pc-10', 'pc-2', 'lab-b', 'pc-1']) await runningService(store)!.sessions.request(image, { deviceId: `id-${name}`, name, address: '127.0.0.1' });
      assert.deepEqual((await run('Get-MulticastClient | ForEach-Object Name', { cwd })).data, ['lab-b', 'pc-1', 'pc-2', 'pc-10']);
    } finally {
      await run('Stop-DPService', { cwd });
    }
  });
});

test('New-TSDeployment identical to an existing deployment is refused, naming it; a different one or -Force is created', async () => {
  await inSite(async (cwd) => {
    const setup = "Set-Content a.img 'a'; Import-OSImage a.img -Name Win11 | Out-Null; New-TaskSequence Lab -Image Win11 -Target /dev/sda | Out-Null; New-DeviceCollection Lab1 | Out-Null; New-TSDeployment Lab Lab1 | Out-Null";
    assert.deepEqual((await run(setup, { cwd })).errors, []);
    const again = await run('New-TSDeployment Lab Lab1 -Purpose Required', { cwd });
    assert.deepEqual(again.errors.map((e) => [e.id, e.category]), [['DeploymentExists', 'ResourceExists']]);
    assert.match(again.errors[0]!.message, /^Deployment DEP00001 already deploys task sequence 'Lab' to collection 'Lab1' .*Remove-TSDeployment DEP00001.*-Force/);
    const other = await run('New-TSDeployment Lab Lab1 -Purpose Available | ForEach-Object Id; New-TSDeployment Lab Lab1 -Force | ForEach-Object Id', { cwd });
    assert.deepEqual(other.errors, []);
    assert.deepEqual(other.data, ['DEP00002', 'DEP00003']);
  });
});

test('content distribution cmdlets: an import marks its DP, a DP group, a rate in ConfigMgr units, statuses per DP, refusals; New-TSDeployment warns while the image is on its source only', async () => {
  await inSite(async (cwd) => {
    const store = await openTestSite(join(cwd, 'site'));
    const now = new Date().toISOString();
    const dp = { description: '', controlEndpoint: null, certificateFingerprint: null, signingPublicKey: null, interfaces: [], subnets: [], version: 'test', registeredAt: now, lastHeartbeatAt: now };
    await store.update((site) => void site.distributionPoints.push({ ...dp, name: 'DP-A' }));
    // Imported on the machine of the site's only DP: the content is on that DP.
    const imported = await run("Set-Content a.img 'abc'; Import-OSImage a.img -Name Win11 | Out-Null; Get-ContentDistributionStatus Win11 | Select-Object DistributionPoint, State, Percent", { cwd });
    assert.deepEqual(imported.data, [{ DistributionPoint: 'DP-A', State: 'Success', Percent: 100 }]);
    await store.update((site) => void site.distributionPoints.push({ ...dp, name: 'DP-EAST' }, { ...dp, name: 'DP-WEST' }));
    const deployed = await run('New-TaskSequence Lab -Image Win11 -Target /dev/sda | Out-Null; New-DeviceCollection Lab1 | Out-Null; New-TSDeployment Lab Lab1 | Out-Null', { cwd });
    assert.match(deployed.warnings.join('\n'), /Content not distributed: image\(s\) IMG00001 are on no distribution point but their source/);

    const started = await run('New-DistributionPointGroup Branches -DistributionPoint DP-EAST, dp-west | Out-Null; Start-ContentDistribution Win11 -DistributionPointGroup Branches -RateLimit 50Mbps | Select-Object DistributionPoint, State, Percent, RateLimit', { cwd });
    assert.deepEqual(started.errors, []);
    assert.deepEqual(started.data, [
      { DistributionPoint: 'DP-EAST', State: 'Waiting', Percent: 0, RateLimit: '50 Mbit/s' },
      { DistributionPoint: 'DP-WEST', State: 'Waiting', Percent: 0, RateLimit: '50 Mbit/s' },
    ]);
    const listed = await run('(Get-ContentDistributionStatus -Image Win11 -DistributionPoint DP-*).DistributionPoint', { cwd });
    assert.deepEqual(listed.data, ['DP-A', 'DP-EAST', 'DP-WEST']);
    const refused = await run('Start-ContentDistribution Win11 -DistributionPoint DP-EAST -SourceDistributionPoint DP-WEST; Remove-ContentDistribution Win11 DP-A -Force; Remove-DistributionPointGroupMember Branches DP-A', { cwd });
    assert.deepEqual(refused.errors.map((error) => error.id), ['SourceLacksContent', 'LastContentCopy', 'NotAGroupMember']);
    const removed = await run('Remove-ContentDistribution Win11 DP-WEST -Force; (Get-ContentDistributionStatus Win11).DistributionPoint; Remove-DistributionPointGroupMember Branches DP-WEST -PassThru | Select-Object -ExpandProperty Members', { cwd });
    assert.deepEqual(removed.data, ['DP-A', 'DP-EAST', 'DP-EAST']);
  });
});
