// Child process for the store tests: `add <site> <count> <prefix>` adds devices one update at a
// time; `hang <home>` starts an update and never finishes it (the test kills it mid-change);
// `umask <home> <octal umask> <image file>` makes a site under that umask: a change, an imported
// image and the site identity.
// <site> is a folder, or a site database URL (then MCSHELL_HOME names the local state folder).
import { openSiteStore } from '../../../src/engine/site/store.js';

const [mode, home, count, prefix] = process.argv.slice(2);
if (mode === 'umask') process.umask(Number.parseInt(count!, 8));
const store = await openSiteStore({ site: home! });
if (mode === 'add') {
  for (let i = 0; i < Number(count); i++) {
    await store.update((site) => {
      site.devices.push({ id: `${prefix}-${i}`, name: `${prefix}-${i}`, mac: null });
    });
  }
} else if (mode === 'hang') {
  await store.update((site) => {
    site.devices.push({ id: 'never-saved', name: 'never-saved', mac: null });
    process.stdout.write('holding\n');
    // Block inside the change so the parent can kill this process while it holds the lock.
    for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  });
} else if (mode === 'umask') {
  const { importImage } = await import('../../../src/engine/content/library.js');
  const { siteIdentity } = await import('../../../src/engine/site/identity.js');
  await store.update((site) => void site.devices.push({ id: 'DEV00001', name: 'lab-01', mac: null }));
  await importImage(store, { path: prefix!, name: 'win11' });
  await siteIdentity(store);
}
await store.close();
