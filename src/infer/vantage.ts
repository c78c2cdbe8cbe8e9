/**
 * Where was the capture taken? A mirror port sees unicast frames between many pairs of hosts;
 * a host's own port (or tcpdump on the host) sees only frames to and from that host; a Linux
 * cooked capture (`tcpdump -i any`) is always taken on one host, whose frames are the outgoing
 * ones. The answer decides which legs of a flow the capture could have shown at all.
 */
import { SllPacketType } from '../decode/frame.js';
import type { DecodedFrame } from '../decode/frame.js';

/** Share of unicast frames one MAC must take part in for the capture to count as taken at its port. */
const HOST_SHARE = 0.95;
const MIN_UNICAST = 10;

/**
 * Counts per MAC. A capture involves a handful of MACs on the LVS segment (clients usually
 * arrive through one router), so a short list searched linearly beats a Map whose 48-bit keys
 * would be boxed on every lookup; past LIST_MAX distinct MACs the rest go to a Map.
 */
const LIST_MAX = 64;

class MacCounts {
  // A MAC is kept as two 24-bit halves: small integers, where the 48-bit number would be a
  // heap number when passed to add() or stored in a plain array.
  private readonly hi: number[] = [];
  private readonly lo: number[] = [];
  private readonly counts: number[] = [];
  private readonly overflow = new Map<number, number>();

  /** Counts the MAC hi * 2^24 + lo. */
  add(hi: number, lo: number): void {
    const his = this.hi;
    const los = this.lo;
    for (let i = 0; i < his.length; i++) {
      if (los[i] === lo && his[i] === hi) {
        this.counts[i]!++;
        return;
      }
    }
    if (his.length < LIST_MAX) {
      his.push(hi);
      los.push(lo);
      this.counts.push(1);
    } else {
      const mac = hi * 0x1000000 + lo;
      this.overflow.set(mac, (this.overflow.get(mac) ?? 0) + 1);
    }
  }

  entries(): Map<number, number> {
    const m = new Map(this.overflow);
    this.hi.forEach((hi, i) => m.set(hi * 0x1000000 + this.lo[i]!, this.counts[i]!));
    return m;
  }
}

/** Unicast ARP replies remembered by their two MACs, to test against the would-be host at the end. */
const ARP_REPLY_PAIRS = 64;

export class VantageCounter {
  unicastFrames = 0;
  cookedFrames = 0;
  private readonly appearances = new MacCounts();
  private readonly outgoingSenders = new MacCounts();
  /**
   * Sender and receiver of the unicast ARP replies seen. A switch never floods an ARP reply
   * (it learned the requester's MAC from the broadcast request a moment before), so one
   * between two hosts other than the capturing one means the capture is a mirror.
   */
  private readonly arpReplyFrom: number[] = [];
  private readonly arpReplyTo: number[] = [];

  count(f: DecodedFrame): void {
    if (f.sllPacketType >= 0) {
      this.cookedFrames++;
      if (f.sllPacketType === SllPacketType.Outgoing && f.ethSrc >= 0) this.outgoingSenders.add(macHigh24(f.ethSrc), macLow24(f.ethSrc));
      return;
    }
    if (f.ethDst < 0 || f.ethSrc < 0) return;
    // I/G bit of the first octet: group (broadcast/multicast) frames are flooded everywhere.
    if (Math.floor(f.ethDst / 0x10000000000) & 1) return;
    this.unicastFrames++;
    this.appearances.add(macHigh24(f.ethSrc), macLow24(f.ethSrc));
    if (f.ethDst !== f.ethSrc) this.appearances.add(macHigh24(f.ethDst), macLow24(f.ethDst));
    if (f.hasArp && f.arpOp === 2 && this.arpReplyFrom.length < ARP_REPLY_PAIRS) this.notePair(f.ethSrc, f.ethDst);
  }

  /**
   * `hostMacs`: for a host port, every MAC that takes part in nearly all unicast frames. Two do
   * when the capture shows one link only (a client and its router): either end may be the
   * capturing one, and the roles decide which to name.
   */
  resolve(): { kind: 'mirror' | 'host' | 'cooked-host' | 'unknown'; hostMac: number; hostMacs: number[] } {
    if (this.cookedFrames > this.unicastFrames) {
      const mac = top(this.outgoingSenders.entries())[0];
      return { kind: 'cooked-host', hostMac: mac, hostMacs: [mac] };
    }
    if (this.unicastFrames < MIN_UNICAST) return { kind: 'unknown', hostMac: -1, hostMacs: [] };
    const counts = this.appearances.entries();
    const [mac, n] = top(counts);
    const thirdPartyReply = this.arpReplyFrom.some((from, i) => from !== mac && this.arpReplyTo[i] !== mac);
    if (n >= HOST_SHARE * this.unicastFrames && !thirdPartyReply) {
      const hostMacs = [...counts].filter(([, c]) => c >= HOST_SHARE * this.unicastFrames).map(([m]) => m);
      return { kind: 'host', hostMac: mac, hostMacs };
    }
    return { kind: 'mirror', hostMac: -1, hostMacs: [] };
  }

  private notePair(from: number, to: number): void {
    for (let i = 0; i < this.arpReplyFrom.length; i++) if (this.arpReplyFrom[i] === from && this.arpReplyTo[i] === to) return;
    this.arpReplyFrom.push(from);
    this.arpReplyTo.push(to);
  }
}

// Integer operations on the 48-bit MAC: `%` on a number this size is a floating-point remainder.
function macHigh24(mac: number): number {
  return (mac / 0x1000000) | 0;
}
function macLow24(mac: number): number {
  return (mac | 0) & 0xffffff;
}

function top(m: Map<number, number>): [number, number] {
  let best = -1;
  let bestN = 0;
  for (const [k, n] of m) {
    if (n > bestN) {
      best = k;
      bestN = n;
    }
  }
  return [best, bestN];
}
