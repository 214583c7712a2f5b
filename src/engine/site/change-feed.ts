// Listeners of site changes (SiteStore.onChange), shared by both stores: each store says when its
// snapshot changed, and which parts did when it knows; the feed calls the listeners that watch them.
import type { SiteState } from './model.js';
import type { SiteChangeListener, SiteKind } from './store.js';

interface Subscription {
  kinds: ReadonlySet<SiteKind>;
  listener: SiteChangeListener;
}

export class ChangeFeed {
  private readonly subscriptions = new Set<Subscription>();

  get watched(): boolean {
    return this.subscriptions.size > 0;
  }

  subscribe(kinds: readonly SiteKind[], listener: SiteChangeListener): () => void {
    const subscription = { kinds: new Set(kinds), listener };
    this.subscriptions.add(subscription);
    return () => this.subscriptions.delete(subscription);
  }

  /** Tells the listeners of `changed` (or, without it, of whatever differs between the snapshots). */
  publish(before: SiteState, after: SiteState, changed?: ReadonlySet<SiteKind>): void {
    if (before === after) return;
    for (const { kinds, listener } of this.subscriptions) {
      const hit = new Set([...kinds].filter((kind) => (changed ? changed.has(kind) : JSON.stringify(before[kind]) !== JSON.stringify(after[kind]))));
      if (hit.size > 0) listener(after, hit);
    }
  }
}
