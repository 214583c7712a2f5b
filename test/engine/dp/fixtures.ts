// A small real site for DP tests: an imported random image, N devices in one collection, a task
// sequence (apply to <dir>/<name>.img, verify, run a command) and a deployment of it.
import { randomBytes, createHash } from 'node:crypto';
import { after } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SiteStore } from '../../../src/engine/site/store.js';
import { importImage } from '../../../src/engine/content/library.js';
import type { DeploymentOption, DPMulticastSettings, ImageMulticastSettings } from '../../../src/engine/site/model.js';

export interface LabOptions {
  devices: number;
  imageBytes?: number;
  dp?: Partial<DPMulticastSettings>;
  multicast?: Partial<ImageMulticastSettings>;
  option?: DeploymentOption;
}

// Labs are removed when the whole test file is done: a test's own after-hooks (stopping a DP
// that still uses the site) run first, because node:test runs after-hooks in registration order.
const labDirs: string[] = [];
after(() => Promise.all(labDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

export async function makeLab(options: LabOptions) {
  const dir = await mkdtemp(join(tmpdir(), 'mcshell-dp-'));
  labDirs.push(dir);
  const store = await SiteStore.open(join(dir, 'site'));
  const bytes = randomBytes(options.imageBytes ?? 2 * 1024 * 1024 + 333);
  await writeFile(join(dir, 'source.img'), bytes);
  const image = await importImage(store, { path: join(dir, 'source.img'), name: 'Win11' });
  const devices = Array.from({ length: options.devices }, (_, i) => ({
    id: `DEV${String(i + 1).padStart(3, '0')}`,
    name: `lab-${String(i + 1).padStart(2, '0')}`,
    mac: `02:00:00:00:00:${(i + 1).toString(16).padStart(2, '0')}`,
  }));
  await store.update((site) => {
    site.dp = { ...site.dp, enabled: true, ...options.dp };
    site.images[0]!.multicast = { ...site.images[0]!.multicast, ...options.multicast };
    site.devices.push(...devices);
    site.collections.push({ id: 'COL001', name: 'Lab', description: '', memberIds: devices.map((d) => d.id) });
    site.taskSequences.push({
      id: 'TS001',
      name: 'Image lab',
      steps: [
        { type: 'ApplyImage', imageId: image.id, target: join(dir, '{name}.img') },
        { type: 'Verify' },
        { type: 'RunCommand', command: 'test -s "$MCSHELL_TARGET" && echo applied' },
      ],
    });
    site.deployments.push({ id: 'DEP001', taskSequenceId: 'TS001', collectionId: 'COL001', option: options.option ?? 'DownloadWhenNeeded', availability: 'Clients', purpose: 'Required', availableAfter: null, expiresAt: null, createdAt: new Date().toISOString() });
  });
  return { dir, store, image, devices, sha256: createHash('sha256').update(bytes).digest('hex'), target: (name: string) => join(dir, `${name}.img`) };
}
