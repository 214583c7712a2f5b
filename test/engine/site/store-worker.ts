// Child process for the store tests: `add <home> <count> <prefix>` adds devices one update at a
// time; `hang <home>` starts an update and never finishes it (the test kills it mid-change).
import { SiteStore } from '../../../src/engine/site/store.js';

const [mode, home, count, prefix] = process.argv.slice(2);
const store = await SiteStore.open(home!);
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
}
