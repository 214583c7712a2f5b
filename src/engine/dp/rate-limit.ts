// Requests per source address: a token bucket per address (refilled at `perSecond`, holding at
// most `burst`), so a stranger hammering the DP gets 429 while clients that ask at a normal pace
// never notice. Refusals are reported once per address per 10 s. Buckets that are full again are forgotten, which bounds the memory a flood of
// distinct addresses can take.

const MAX_TRACKED = 10_000;
/** A refused address is reported at most once in this time, so a flood does not flood the log. */
const REPORT_EVERY_MS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
  /** When a refusal of this address was last reported. */
  reportedAt: number;
}

/** `first-limited`: refused, and the first refusal of this address to report in a while. */
export type RateDecision = 'allowed' | 'limited' | 'first-limited';

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly perSecond: number,
    readonly burst: number = perSecond * 2,
  ) {}

  take(address: string, now = Date.now()): RateDecision {
    let bucket = this.buckets.get(address);
    if (!bucket) {
      if (this.buckets.size >= MAX_TRACKED) this.prune(now);
      bucket = { tokens: this.burst, at: now, reportedAt: -Infinity };
      this.buckets.set(address, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens--;
      return 'allowed';
    }
    if (now - bucket.reportedAt < REPORT_EVERY_MS) return 'limited';
    bucket.reportedAt = now;
    return 'first-limited';
  }

  private prune(now: number): void {
    for (const [address, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(address);
    }
    // Still full of live buckets: a flood from many addresses; start over rather than grow.
    if (this.buckets.size >= MAX_TRACKED) this.buckets.clear();
  }
}
