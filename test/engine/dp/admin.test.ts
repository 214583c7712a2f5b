// The DP's admin socket (issue 16 item 4): mode 0600, usable from a site home whose path is too
// long for a Unix socket address, and trusted by the cmdlets only when their own user owns it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chown, lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DPService } from '../../../src/engine/dp/service.js';
import { reachSiteDP } from '../../../src/engine/dp/admin-client.js';
import { adminSocketPath } from '../../../src/engine/dp/dp-control.js';
import { openTestSite } from '../../postgres/test-site.js';

test('the admin socket is 0600, works from a long site path, and is trusted only when it is the user’s own', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'mcshell-admin-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const home = join(base, 'a-site-home-with-a-long-name-'.repeat(4), 'site');
  assert.ok(Buffer.byteLength(adminSocketPath(home)) > 107, 'longer than a socket address holds');
  const dp = new DPService(await openTestSite(home), { port: 0 });
  await dp.start();
  t.after(() => dp.stop());

  const socket = await lstat(adminSocketPath(home));
  assert.ok(socket.isSocket(), 'the socket is where the site says, not at a cut-off path');
  assert.equal(socket.mode & 0o777, 0o600);
  const remote = await reachSiteDP(home);
  assert.equal(remote?.info.pid, process.pid);
  assert.deepEqual(await remote!.listSessions(), []);
  await assert.rejects(remote!.getSession('MC0042'), { id: 'SessionNotFound', message: /No multicast session 'MC0042'/ });

  if (process.getuid?.() !== 0) return t.diagnostic('not root: the foreign-owner check needs chown');
  await chown(adminSocketPath(home), 65534, 65534);
  await assert.rejects(reachSiteDP(home), { id: 'AdminSocketNotOwned' });
});
