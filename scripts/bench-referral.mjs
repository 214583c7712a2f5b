#!/usr/bin/env node
// What placing a client costs the DP per content request (issue 19): the referral decision
// (dp/referral.ts: the boundary groups of the client's address, then their DPs that are online and
// hold the image) on a site of B boundaries in B/10 boundary groups of two DPs each, 100 DPs, one
// image on every DP. CPU microseconds per decision, after warm-up, for B = 100, 1,000 and 10,000.
// Runs in-process on the build (npm run build first); no network. The site is frozen, as the
// store's snapshots are (the boundary index is built once per snapshot).
//   node scripts/bench-referral.mjs [--decisions N]
import { parseArgs } from 'node:util';
import { referralFor } from '../dist/src/engine/dp/referral.js';
import { emptySite } from '../dist/src/engine/site/model.js';

const { values } = parseArgs({ options: { decisions: { type: 'string', default: '20000' } } });
const decisions = Number(values.decisions);
const DPS = 100;

function deepFreeze(value) {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function siteOf(boundaries) {
  const site = emptySite();
  const now = new Date().toISOString();
  for (let i = 0; i < DPS; i++) {
    site.distributionPoints.push({ name: `DP-${i}`, description: '', controlEndpoint: `10.0.${i}.1:8734`, certificateFingerprint: 'a'.repeat(64), signingPublicKey: 'key', interfaces: [], subnets: [], version: 'bench', registeredAt: now, lastHeartbeatAt: now });
    site.contentDistributions.push({ imageId: 'IMG00001', distributionPoint: `DP-${i}`, state: 'Success', bytesDone: 1, message: '', sourceDistributionPoint: null, rateLimitBps: null, updatedAt: now });
  }
  // /24 subnets from 10.0.0.0 up: boundary i is 10.(i >> 8).(i & 255).0/24.
  for (let i = 0; i < boundaries; i++) site.boundaries.push({ id: `BND${String(i + 1).padStart(5, '0')}`, name: `b${i}`, type: 'IPSubnet', value: `10.${i >> 8}.${i & 255}.0/24` });
  for (let g = 0; g < boundaries / 10; g++) {
    site.boundaryGroups.push({ id: `BG${String(g + 1).padStart(5, '0')}`, name: `g${g}`, description: '', boundaryIds: site.boundaries.slice(g * 10, g * 10 + 10).map((b) => b.id), distributionPoints: [`DP-${g % DPS}`, `DP-${(g + 1) % DPS}`] });
  }
  return deepFreeze(site);
}

for (const boundaries of [100, 1000, 10000]) {
  const site = siteOf(boundaries);
  const now = new Date();
  const address = (i) => `10.${(i % boundaries) >> 8}.${i % boundaries & 255}.9`;
  let referred = 0;
  for (let i = 0; i < 1000; i++) referralFor(site, 'DP-X', address(i), 'IMG00001', now);
  const before = process.cpuUsage();
  for (let i = 0; i < decisions; i++) if (referralFor(site, 'DP-X', address(i * 7919), 'IMG00001', now)) referred++;
  const used = process.cpuUsage(before);
  console.log(`${String(boundaries).padStart(6)} boundaries, ${boundaries / 10} groups: ${((used.user + used.system) / decisions).toFixed(1)} µs CPU per decision (${referred} of ${decisions} referred)`);
}
