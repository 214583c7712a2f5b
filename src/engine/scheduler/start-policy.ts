// When a waiting multicast session starts. Auto-cast starts on the first client request and
// later clients join the running transmission. Scheduled-cast (WDS / ConfigMgr) starts when the
// minimum session size is reached or the start delay has passed since the first request,
// whichever comes first. A manual start (Start-MulticastSession) always starts it.
import type { DPMulticastSettings } from '../site/model.js';

export interface WaitingSession {
  /** Times (ms since epoch) of the client requests queued for this session, oldest first. */
  requestTimes: readonly number[];
  manualStart: boolean;
}

export type StartDecision =
  | { start: true; reason: 'auto-cast' | 'minimum-size' | 'start-delay' | 'manual' }
  | { start: false; /** When to look again (ms since epoch); null while nobody has asked (only a request or a manual start changes that). */ recheckAt: number | null };

export function decideStart(scheduled: DPMulticastSettings['scheduled'], session: WaitingSession, now: number): StartDecision {
  if (session.manualStart) return { start: true, reason: 'manual' };
  const first = session.requestTimes[0];
  if (first === undefined) return { start: false, recheckAt: null };
  if (!scheduled.enabled) return { start: true, reason: 'auto-cast' };
  if (session.requestTimes.length >= scheduled.minimumSessionSize) return { start: true, reason: 'minimum-size' };
  // ConfigMgr: the delay is how long the DP waits before it answers the first request.
  const startAt = first + scheduled.startDelayMinutes * 60_000;
  if (now >= startAt) return { start: true, reason: 'start-delay' };
  return { start: false, recheckAt: startAt };
}
