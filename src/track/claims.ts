/**
 * Who claimed which IP address on the wire: ARP replies, ARP requests (a request's sender
 * fields bind the sender IP to its MAC in every receiver's cache, gratuitous or not) and IPv6
 * Neighbor Advertisements. This is the evidence for the address rules and the VIP timeline.
 */
import type { ClaimKind } from '../result/views.js';

/** Evidence kept per claimant and per address; counts stay exact beyond it. */
export const MAX_CLAIM_FRAMES = 200;
export const MAX_SEQUENCE = 5000;
/**
 * Distinct addresses whose claims are kept. A DR segment has a few hundred; unbounded, a capture
 * of ARP replies each for another address (a scan, a flood: 1M of them in 5.6 MB gzipped) would
 * take 1.8 GB. Claims of addresses beyond are only counted (ClaimLog.unkept).
 */
export const MAX_ADDRESSES = 65_536;

export class Claimant {
  count = 0;
  frames: { capture: number; frame: number }[] = [];
  kinds = new Set<ClaimKind>();
  firstTime = 0;
  lastTime = 0;
  constructor(readonly mac: number) {}
}

export interface RawClaim {
  mac: number;
  kind: ClaimKind;
  capture: number;
  frame: number;
  time: number;
  to: number;
}

export class AddressClaims {
  readonly claimants = new Map<number, Claimant>();
  readonly sequence: RawClaim[] = [];
  /**
   * @param recent keep the latest MAX_SEQUENCE claims rather than the first (watching a live
   *   director for days: a real server that starts answering for the VIP on the third day must
   *   still show in the sequence the address rules read).
   */
  constructor(
    readonly ip: number,
    private readonly recent = false,
  ) {}

  add(mac: number, kind: ClaimKind, capture: number, frame: number, time: number, to: number): void {
    let c = this.claimants.get(mac);
    if (c === undefined) {
      c = new Claimant(mac);
      c.firstTime = time;
      this.claimants.set(mac, c);
    }
    c.count++;
    c.lastTime = time;
    c.kinds.add(kind);
    if (c.frames.length < MAX_CLAIM_FRAMES) c.frames.push({ capture, frame });
    // The oldest half goes at once: one copy per MAX_SEQUENCE / 2 claims, not one per claim.
    if (this.sequence.length >= MAX_SEQUENCE && this.recent) this.sequence.splice(0, MAX_SEQUENCE / 2);
    if (this.sequence.length < MAX_SEQUENCE) this.sequence.push({ mac, kind, capture, frame, time, to });
  }
}

export class ClaimLog {
  readonly byIp = new Map<number, AddressClaims>();
  /** @param recent see AddressClaims. */
  constructor(private readonly recent = false) {}
  /** Bumped on every claim, so views built from the log know when they are stale. */
  version = 0;
  /** Non-VIP addresses each MAC has claimed, for naming RS IPs. First seen wins. */
  readonly firstIpOfMac = new Map<number, number[]>();

  /** Claims of addresses past MAX_ADDRESSES: counted, not kept. */
  unkept = 0;

  add(ip: number, mac: number, kind: ClaimKind, capture: number, frame: number, time: number, to: number): void {
    let a = this.byIp.get(ip);
    if (a === undefined) {
      if (this.byIp.size >= MAX_ADDRESSES) {
        this.unkept++;
        return;
      }
      a = new AddressClaims(ip, this.recent);
      this.byIp.set(ip, a);
    }
    this.version++;
    a.add(mac, kind, capture, frame, time, to);
    let ips = this.firstIpOfMac.get(mac);
    if (ips === undefined) {
      ips = [];
      this.firstIpOfMac.set(mac, ips);
    }
    if (ips.length < 8 && !ips.includes(ip)) ips.push(ip);
  }
}
