// Referral to a DP of the client's boundary group, with three real DPs in this process. Each DP
// has its own home (identity, certificate, signing key, content); until the site database joins
// them, each home holds a copy of one site, and every change is applied to all copies, standing
// for the shared site. The client (127.0.0.1, as every loopback connection here) asks DP-A.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DPService } from '../../../src/engine/dp/service.js';
import { runClient, type ClientEvent } from '../../../src/engine/client/agent.js';
import { siteIdentity } from '../../../src/engine/site/identity.js';
import { SiteStore } from '../../../src/engine/site/store.js';
import type { SiteState } from '../../../src/engine/site/model.js';
import { addBoundaryGroupDistributionPoint, addBoundaryGroupMember, newBoundary, newBoundaryGroup } from '../../../src/engine/site/boundaries.js';
import { enrollDevices, makeLab } from './fixtures.js';

type Hooks = { after(fn: () => Promise<void>): void };

/** DP-A, DP-B and DP-C, registered in every copy of the site; `holding` get the image's content status Success. */
async function makeFleet(t: Hooks, holding: string[], imageBytes = 300_000 + 17) {
  const lab = await makeLab({ devices: 1, imageBytes });
  const dps = new Map<string, DPService>();
  const start = async (name: string, store: SiteStore) => {
    const dp = new DPService(store, { name, port: 0, joinWaitSeconds: 5 });
    await dp.start();
    t.after(() => dp.stop());
    dps.set(name, dp);
  };
  await start('DP-A', lab.store);
  const credential = (await enrollDevices(lab.store, dps.get('DP-A')!.endpoint, lab.devices)).get('lab-01')!;
  for (const name of ['DP-B', 'DP-C']) {
    const home = join(lab.dir, name);
    await mkdir(join(home, 'content'), { recursive: true, mode: 0o700 });
    await copyFile(join(lab.store.home, 'site.json'), join(home, 'site.json'));
    await copyFile(join(lab.store.contentDir, lab.image.file), join(home, 'content', lab.image.file));
    await start(name, await SiteStore.open(home));
  }
  const now = new Date().toISOString();
  const records = await Promise.all(
    [...dps].map(async ([name, dp]) => ({
      name,
      description: '',
      controlEndpoint: dp.endpoint,
      certificateFingerprint: await dp.fingerprint(),
      signingPublicKey: (await siteIdentity(dp.store)).signingPublicKey,
      interfaces: [],
      subnets: [],
      version: 'test',
      registeredAt: now,
      lastHeartbeatAt: now,
    })),
  );
  const everywhere = (change: (site: SiteState) => void) => Promise.all([...dps.values()].map((dp) => dp.store.update(change)));
  await everywhere((site) => {
    // Each DP registered itself in its own copy only: every copy gets all three records.
    site.distributionPoints = [...site.distributionPoints.filter((dp) => !dps.has(dp.name)), ...structuredClone(records)];
    for (const name of holding) site.contentDistributions.push({ imageId: lab.image.id, distributionPoint: name, state: 'Success', bytesDone: lab.image.sizeBytes, message: '', sourceDistributionPoint: null, rateLimitBps: null, updatedAt: now });
  });
  /** The boundary group Lab-East: `subnet`, served by `members` in that order (made with the engine's functions on every copy). */
  const boundaryGroup = (subnet: string, members: string[]) =>
    Promise.all(
      [...dps.values()].map(async ({ store }) => {
        await newBoundary(store, { type: 'IPSubnet', value: subnet, name: 'East' });
        await newBoundaryGroup(store, { name: 'Lab-East' });
        await addBoundaryGroupMember(store, 'Lab-East', 'East');
        for (const member of members) await addBoundaryGroupDistributionPoint(store, 'Lab-East', member);
      }),
    );
  const warnings: string[] = [];
  const deploy = (onEvent?: (event: ClientEvent) => void) =>
    runClient({
      credential,
      interface: 'lo',
      waitForDPMs: 0,
      rerun: true,
      onEvent: (event) => {
        if (event.type === 'warning') warnings.push(event.message);
        onEvent?.(event);
      },
    });
  const sessionsOn = (name: string) => dps.get(name)!.sessions.list().length;
  const verified = async () => createHash('sha256').update(await readFile(lab.target('lab-01'))).digest('hex') === lab.sha256;
  return { lab, dps, records, everywhere, boundaryGroup, deploy, sessionsOn, verified, warnings };
}

test('a client in a boundary group is referred to its DP, deploys from it and verifies the image', async (t) => {
  const fleet = await makeFleet(t, ['DP-A', 'DP-B', 'DP-C']);
  await fleet.boundaryGroup('127.0.0.1/32', ['DP-B', 'DP-C']);
  const result = await fleet.deploy();
  assert.equal(result.ok, true, result.message);
  assert.equal(result.steps[0]!.mode, 'multicast');
  assert.match(result.steps[0]!.message, /by multicast from DP-B \(boundary group Lab-East\)/);
  assert.equal(await fleet.verified(), true);
  // DP-B sent it, signed with its own key (the client verified its manifests with the key the referral named).
  assert.deepEqual([fleet.sessionsOn('DP-A'), fleet.sessionsOn('DP-B'), fleet.sessionsOn('DP-C')], [0, 1, 0]);
  assert.notEqual(fleet.records[0]!.signingPublicKey, fleet.records[1]!.signingPublicKey);
  // The step reports went to the DP the client asked (they change the site, which every DP shares).
  assert.equal(fleet.lab.store.read().deploymentStatus[0]?.state, 'Succeeded');
});

test("when the group's first DP is down the client takes the next; a client in no group is served where it asked", async (t) => {
  const fleet = await makeFleet(t, ['DP-A', 'DP-B', 'DP-C']);
  await fleet.boundaryGroup('127.0.0.1/32', ['DP-B', 'DP-C']);
  // DP-B died after its last heartbeat: its record still says Online.
  await fleet.dps.get('DP-B')!.stop();
  const result = await fleet.deploy();
  assert.equal(result.ok, true, result.message);
  assert.match(result.steps[0]!.message, /from DP-C \(boundary group Lab-East; skipped DP-B: cannot reach the DP at/);
  assert.equal(await fleet.verified(), true);
  assert.deepEqual([fleet.sessionsOn('DP-A'), fleet.sessionsOn('DP-C')], [0, 1]);
  assert.match(fleet.warnings.join('\n'), /referred to DP-B: .*; trying the next DP of boundary group Lab-East/);

  // The group's boundary no longer holds the client's address: DP-A serves it, as without boundaries.
  await fleet.everywhere((site) => {
    site.boundaries[0]!.value = '10.9.0.0/16';
  });
  await rm(fleet.lab.target('lab-01'));
  const local = await fleet.deploy();
  assert.equal(local.ok, true, local.message);
  assert.doesNotMatch(local.steps[0]!.message, /boundary group/);
  assert.equal(fleet.sessionsOn('DP-A'), 1);
  assert.equal(await fleet.verified(), true);
});

test('a referral whose fingerprint is not the DP\'s certificate is refused; the referring DP serves as the last resort only when it holds the image', async (t) => {
  const fleet = await makeFleet(t, ['DP-B']);
  await fleet.boundaryGroup('127.0.0.0/8', ['DP-B']);
  // DP-B's record names another certificate (a forged or stale record): the client must not talk to what answers there.
  await fleet.everywhere((site) => {
    site.distributionPoints.find((dp) => dp.name === 'DP-B')!.certificateFingerprint = fleet.records[2]!.certificateFingerprint;
  });
  const refused = await fleet.deploy();
  assert.equal(refused.ok, false);
  assert.match(refused.message, /referred this client to the DPs of its boundary group Lab-East, and none of them served it: DP-B: the DP at \S+ presented a certificate with SHA-256 [0-9a-f]{64}, not the pinned/);
  assert.equal(fleet.sessionsOn('DP-B'), 0);
  await assert.rejects(stat(fleet.lab.target('lab-01')), { code: 'ENOENT' }, 'nothing was written');

  await fleet.everywhere((site) => {
    site.contentDistributions.push({ ...site.contentDistributions[0]!, distributionPoint: 'DP-A' });
  });
  const lastResort = await fleet.deploy();
  assert.equal(lastResort.ok, true, lastResort.message);
  assert.match(lastResort.steps[0]!.message, /from the referring DP \S+ as the last resort \(boundary group Lab-East: DP-B: .*not the pinned/);
  assert.deepEqual([fleet.sessionsOn('DP-A'), fleet.sessionsOn('DP-B')], [1, 0]);
  assert.equal(await fleet.verified(), true);
});

test('when the DP a client was referred to stops mid-transfer, the client turns to the next DP of the group', async (t) => {
  // Three multicast blocks (of about 1.4 MB) from DP-B, sent slowly (about 1.5 s a block) so that it can be stopped after two.
  const fleet = await makeFleet(t, ['DP-A', 'DP-B', 'DP-C'], 4_000_000);
  await fleet.boundaryGroup('127.0.0.1/32', ['DP-B', 'DP-C']);
  const dpB = fleet.dps.get('DP-B')!;
  await dpB.store.update((site) => {
    site.dp.transferRateBps = 8_000_000;
  });
  // Multicast only: the client cannot fetch the rest from DP-B by unicast while DP-B is shutting down.
  await fleet.everywhere((site) => {
    site.images[0]!.multicast.multicastOnly = true;
  });
  let stopping: Promise<void> | null = null;
  const result = await runClientStoppingAt(fleet, (percent) => {
    if (percent >= 60 && !stopping) stopping = dpB.stop();
  });
  assert.ok(stopping, 'DP-B was stopped mid-transfer');
  assert.equal(result.ok, true, result.message);
  assert.match(fleet.warnings.join('\n'), /DP-B failed during the transfer .*; asking \S+ for another DP of the boundary group/);
  assert.match(result.steps[0]!.message, /from DP-C \(boundary group Lab-East; skipped DP-B: failed during the transfer/);
  assert.equal(fleet.sessionsOn('DP-C'), 1);
  assert.equal(await fleet.verified(), true);
});

/** Runs the fleet's client, calling `onPercent` with its multicast progress. */
function runClientStoppingAt(fleet: Awaited<ReturnType<typeof makeFleet>>, onPercent: (percent: number) => void) {
  return fleet.deploy((event) => {
    if (event.type === 'progress' && event.mode === 'multicast') onPercent(event.percent);
  });
}
