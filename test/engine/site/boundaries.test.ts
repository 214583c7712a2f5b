// The boundary index (sorted spans) places addresses exactly as checking every boundary would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { boundariesOfAddress, boundarySpan, groupsOfAddress } from '../../../src/engine/site/boundaries.js';
import { formatIPv4 } from '../../../src/engine/site/ipv4.js';
import { emptySite, type SiteState } from '../../../src/engine/site/model.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

test('random overlapping subnets and ranges: the boundaries and groups of an address are those that hold it, in site order', () => {
  const base = 0x0a000000; // 10.0.0.0
  const site: SiteState = emptySite();
  for (let i = 0; i < 300; i++) {
    const id = `BND${String(i + 1).padStart(5, '0')}`;
    if (i % 2 === 0) {
      const prefix = randomInt(12, 29);
      const size = 2 ** (32 - prefix);
      const network = base + Math.floor(randomInt(0, 2 ** 20) / size) * size;
      site.boundaries.push({ id, name: id, type: 'IPSubnet', value: `${formatIPv4(network)}/${prefix}` });
    } else {
      const first = base + randomInt(0, 2 ** 20);
      site.boundaries.push({ id, name: id, type: 'IPRange', value: `${formatIPv4(first)}-${formatIPv4(first + randomInt(0, 5000))}` });
    }
  }
  for (let g = 0; g < 40; g++) {
    const members = Array.from({ length: randomInt(1, 12) }, () => site.boundaries[randomInt(0, 300)]!.id);
    site.boundaryGroups.push({ id: `BG${String(g + 1).padStart(5, '0')}`, name: `g${g}`, description: '', boundaryIds: [...new Set(members)], distributionPoints: [] });
  }
  deepFreeze(site);
  for (let i = 0; i < 2000; i++) {
    const value = base + randomInt(0, 2 ** 20 + 10_000);
    const address = formatIPv4(value);
    const expected = site.boundaries.filter((boundary) => boundarySpan(boundary).first <= value && value <= boundarySpan(boundary).last);
    assert.deepEqual(boundariesOfAddress(site, address), expected, address);
    const ids = new Set(expected.map((boundary) => boundary.id));
    assert.deepEqual(groupsOfAddress(site, address), site.boundaryGroups.filter((group) => group.boundaryIds.some((id) => ids.has(id))), address);
  }
  assert.deepEqual(boundariesOfAddress(site, '::1'), [], 'IPv6 clients are in no boundary');
});
