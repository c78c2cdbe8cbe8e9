/**
 * Who owned an address over time, from its claims in capture order. A takeover announced with
 * a gratuitous ARP (or unsolicited NA), or a claim after the previous owner has been silent
 * long enough for caches to forget it, is an owner change (a failover). Any other claim by a
 * second MAC while the owner is still live — two answers to one request, an RS answering or
 * announcing the VIP, a former owner that keeps answering — is a conflict: receivers bind the
 * address to whichever claim they saw last.
 */
import type { ClaimEvent } from '../result/views.js';

/** A claim keeps an owner "live" this long: about Linux's neighbour reachable time (30 s). */
export const CLAIM_LIVE_SECONDS = 30;

export interface OwnerChange {
  from: string;
  to: string;
  event: ClaimEvent;
}

export interface Conflict {
  /** The MAC that claimed while another owned the address. */
  mac: string;
  /** The owner it conflicted with. */
  owner: string;
  /** Every claim of `mac` that conflicted, in capture order. */
  events: ClaimEvent[];
}

export interface Ownership {
  firstOwner: ClaimEvent | undefined;
  changes: OwnerChange[];
  conflicts: Conflict[];
}

/**
 * @param preferOwner when two MACs conflict from the start, the one this says is the rightful
 *   owner (a director) keeps ownership and the other is named as the conflicting party.
 */
export function analyseOwnership(sequence: readonly ClaimEvent[], preferOwner: (mac: string) => boolean): Ownership {
  const lastClaim = new Map<string, number>();
  const conflicts = new Map<string, Conflict>();
  const changes: OwnerChange[] = [];
  let owner: string | undefined;
  let firstOwner: ClaimEvent | undefined;

  const conflict = (mac: string, against: string, e: ClaimEvent): void => {
    // One conflict per claimant, named after the first owner it contradicted.
    let c = conflicts.get(mac);
    if (c === undefined) {
      c = { mac, owner: against, events: [] };
      conflicts.set(mac, c);
    }
    if (!c.events.includes(e)) c.events.push(e);
  };

  for (const e of sequence) {
    if (owner === undefined) {
      owner = e.mac;
      firstOwner = e;
    } else if (e.mac !== owner) {
      const ownerLast = lastClaim.get(owner) ?? -Infinity;
      const ownerLive = e.time - ownerLast <= CLAIM_LIVE_SECONDS;
      const announcement = e.kind === 'arp-gratuitous' || (e.kind === 'na' && e.to === undefined);
      if (ownerLive && !announcement) {
        if (preferOwner(e.mac) && !preferOwner(owner) && changes.length === 0) {
          // The rightful owner answered after an impostor got in first: name the impostor.
          const impostor = owner;
          const earlier = sequence.filter((x) => x.mac === impostor && x.time <= e.time);
          for (const x of earlier) conflict(impostor, e.mac, x);
          owner = e.mac;
          firstOwner = e;
        } else {
          conflict(e.mac, owner, e);
        }
      } else {
        changes.push({ from: owner, to: e.mac, event: e });
        owner = e.mac;
      }
    }
    lastClaim.set(e.mac, e.time);
  }

  return { firstOwner, changes, conflicts: [...conflicts.values()] };
}
