// One-time PXE tickets: a machine that typed the PXE password gets one on its kernel command line
// (mcshell.ticket=…) and presents it in its PXE hello, once, within a few minutes, for the MAC
// address it was issued to. Kept in the DP's memory only: a DP restarted meanwhile asks again.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const TICKET_LIFETIME_MS = 10 * 60_000;
const MAX_TICKETS = 10_000;

export class PxeTickets {
  private readonly tickets = new Map<string, { mac: string; expiresAt: number }>();

  constructor(private readonly lifetimeMs = TICKET_LIFETIME_MS) {}

  issue(mac: string, now = Date.now()): string {
    this.prune(now);
    const ticket = randomBytes(24).toString('base64url');
    this.tickets.set(ticket, { mac, expiresAt: now + this.lifetimeMs });
    return ticket;
  }

  /** True (and the ticket is used up) when `ticket` was issued to `mac` and has not expired. */
  redeem(ticket: string, mac: string, now = Date.now()): boolean {
    const entry = this.tickets.get(ticket);
    if (!entry) return false;
    this.tickets.delete(ticket);
    const same = entry.mac.length === mac.length && timingSafeEqual(Buffer.from(entry.mac), Buffer.from(mac));
    return same && entry.expiresAt > now;
  }

  private prune(now: number): void {
    for (const [ticket, entry] of this.tickets) if (entry.expiresAt <= now) this.tickets.delete(ticket);
    // Still full: a flood of logins; the oldest go first.
    while (this.tickets.size >= MAX_TICKETS) this.tickets.delete(this.tickets.keys().next().value!);
  }
}
