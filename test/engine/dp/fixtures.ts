// A small real site for DP tests: an imported random image, N devices in one collection, a task
// sequence (apply to <dir>/<name>.img, verify, run a command) and a deployment of it.
import { randomBytes, createHash } from 'node:crypto';
import { after } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import type { SiteStore } from '../../../src/engine/site/store.js';
import { openTestSite } from '../../postgres/test-site.js';
import { importImage } from '../../../src/engine/content/library.js';
import { siteIdentity } from '../../../src/engine/site/identity.js';
import { newEnrollmentToken } from '../../../src/engine/site/enrollment.js';
import { enroll, type ClientCredential } from '../../../src/engine/client/enrollment.js';
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
  const store = await openTestSite(join(dir, 'site'));
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

/** A token for `uses` clients (valid for an hour), as New-EnrollmentToken makes it. */
export async function makeToken(store: SiteStore, uses = 1): Promise<string> {
  const { fingerprint } = await siteIdentity(store);
  return (await newEnrollmentToken(store, fingerprint, { uses, expiresInMs: 3_600_000 })).token;
}

/** Enrolls each device (by MAC address) with the running DP at `server`; credentials by device name. */
export async function enrollDevices(store: SiteStore, server: string, devices: readonly { name: string; mac: string | null }[]): Promise<Map<string, ClientCredential>> {
  const token = await makeToken(store, devices.length);
  const credentials = new Map<string, ClientCredential>();
  for (const device of devices) credentials.set(device.name, await enroll({ server, token, mac: device.mac ?? undefined, name: device.name }));
  return credentials;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  bytes: Buffer;
}

/**
 * One HTTPS request to the DP as a stranger would send it (no pinning: the tests here are about
 * what the DP answers), optionally with a client credential. A connection the DP closes without
 * an answer resolves with status 0.
 */
export function rawRequest(server: string, method: string, path: string, options: { credential?: string; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const [host, port] = server.split(':');
  return new Promise((resolve) => {
    const req = request(
      {
        host,
        port: Number(port),
        method,
        path,
        rejectUnauthorized: false,
        agent: false,
        headers: { ...options.headers, ...(options.credential ? { authorization: `Bearer ${options.credential}` } : {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        const done = () => {
          const bytes = Buffer.concat(chunks);
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: bytes.toString('utf8'), bytes });
        };
        response.on('end', done);
        response.on('error', done);
      },
    );
    req.on('error', () => resolve({ status: 0, headers: {}, body: '', bytes: Buffer.alloc(0) }));
    req.end(options.body);
  });
}

/** The error id of a DP error answer. */
export const errorId = (response: RawResponse): string | undefined => (JSON.parse(response.body) as { error?: { id?: string } }).error?.id;
