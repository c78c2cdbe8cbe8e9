/**
 * VRRP advertisements, kept as runs: one run is a sender's unbroken series of identical
 * adverts for one virtual router (same VRID, priority, interval, addresses...). A MASTER sends
 * one a second for hours; only a change (a new priority, a takeover, a pause longer than the
 * master-down interval) opens a new run, so memory follows the events, not the adverts.
 *
 * While two senders advertise for the same virtual router (same VRID, or an address in
 * common) the log counts each one's adverts in an overlap record, one per pair of senders: a
 * takeover leaves at most one advert of overlap, a split brain a steady stream from both.
 */
import type { DecodedFrame } from '../decode/frame.js';
import { masterDownSeconds } from '../result/views.js';
import type { AddressBook } from './addresses.js';

/** Runs kept; beyond, adverts that would open a run are only counted. */
export const MAX_VRRP_RUNS = 20_000;
export const MAX_VRRP_OVERLAPS = 2_000;


/** An advert counts as sent while a rival is live if the rival's last advert is this recent (in intervals). */
const LIVE_INTERVALS = 1.5;

export class AdvertRun {
  /** Sender's MAC (-1 when the link type has none), its IP (an AddressBook number). */
  senderMac = -1;
  senderIp = -1;
  /** Destination: the multicast group, or a unicast peer. */
  dstIp = -1;
  family: 4 | 6 = 4;
  vrid = 0;
  version = 0;
  priority = 0;
  intervalCentis = 0;
  /** Version 2 authentication type, -1 for version 3. */
  authType = -1;
  ttl = 0;
  /** Addresses carried (AddressBook numbers), and a hash of their bytes to compare adverts cheaply. */
  addresses: number[] = [];
  addressHash = 0;
  count = 0;
  /** Adverts whose checksum was wrong. */
  badChecksums = 0;
  firstCapture = 0;
  firstFrame = 0;
  firstTime = 0;
  lastCapture = 0;
  lastFrame = 0;
  lastTime = 0;
  /** The previous run of the same sender and virtual router (-1 for its first), and whether it ended by a pause. */
  previous = -1;
  afterSilence = true;
}

/**
 * Two senders advertising at once: each one's adverts counted while the other's latest was
 * live. `runA` is the run that was live first, `runB` the one whose advert began the overlap.
 */
export class RunOverlap {
  constructor(
    readonly runA: number,
    readonly runB: number,
  ) {}
  /** Adverts of each run sent while the other was live, and the first of them. */
  countA = 0;
  countB = 0;
  firstCaptureA = -1;
  firstFrameA = -1;
  firstCaptureB = -1;
  firstFrameB = -1;
  start = 0;
  end = 0;
  /** The advert counted last, so that one advert counts once against a rival with several runs live. */
  countedCapture = -1;
  countedFrame = -1;
}

export class VrrpLog {
  readonly runs: AdvertRun[] = [];
  readonly overlaps: RunOverlap[] = [];
  /** Adverts not kept in a run (past MAX_VRRP_RUNS), or cut by the snaplen inside their addresses. */
  dropped = 0;
  /** Indices of each sender's latest run per virtual router: few (senders × VRIDs), so a list. */
  private readonly open: number[] = [];

  constructor(private readonly book: AddressBook) {}

  /** One decoded advert (version 2 or 3, type 1, address list captured whole). */
  advert(f: DecodedFrame, capture: number, time: number): void {
    if (f.vrrpAddrsCaptured < f.vrrpAddrCount) {
      this.dropped++;
      return;
    }
    const family: 4 | 6 = f.ipVersion === 6 ? 6 : 4;
    const senderIp = family === 4 ? f.ipSrc : this.book.ipv6(f.ip6Src);
    const hash = addressHash(f);
    let current = -1;
    for (let i = 0; i < this.open.length; i++) {
      const r = this.runs[this.open[i]!]!;
      if (r.vrid === f.vrrpVrid && r.family === family && (f.ethSrc >= 0 ? r.senderMac === f.ethSrc : r.senderIp === senderIp)) {
        current = i;
        break;
      }
    }
    let index = current >= 0 ? this.open[current]! : -1;
    const run = index >= 0 ? this.runs[index]! : undefined;
    const paused = run !== undefined && time - run.lastTime > masterDownSeconds(run.intervalCentis);
    if (run === undefined || paused || !sameContent(run, f, hash)) {
      if (this.runs.length >= MAX_VRRP_RUNS) {
        this.dropped++;
        return;
      }
      index = this.openRun(f, capture, time, family, senderIp, hash, run === undefined ? -1 : index, paused || run === undefined);
      if (current >= 0) this.open[current] = index;
      else this.open.push(index);
    }
    const r = this.runs[index]!;
    r.count++;
    if (f.vrrpChecksum === 0) r.badChecksums++;
    r.lastCapture = capture;
    r.lastFrame = f.frameNumber;
    r.lastTime = time;
    if (r.priority > 0) this.countOverlaps(index, capture, f.frameNumber, time);
  }

  private openRun(f: DecodedFrame, capture: number, time: number, family: 4 | 6, senderIp: number, hash: number, previous: number, afterSilence: boolean): number {
    const r = new AdvertRun();
    r.senderMac = f.ethSrc;
    r.senderIp = senderIp;
    r.dstIp = family === 4 ? f.ipDst : this.book.ipv6(f.ip6Dst);
    r.family = family;
    r.vrid = f.vrrpVrid;
    r.version = f.vrrpVersion;
    r.priority = f.vrrpPriority;
    r.intervalCentis = f.vrrpIntervalCentis;
    r.authType = f.vrrpAuthType;
    r.ttl = f.ipTtl;
    r.addressHash = hash;
    const d = f.data;
    for (let i = 0; i < f.vrrpAddrCount; i++) {
      if (family === 4) {
        const o = f.vrrpAddrOffset + 4 * i;
        r.addresses.push(((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0);
      } else {
        r.addresses.push(this.book.ipv6(d, f.vrrpAddrOffset + 16 * i));
      }
    }
    r.firstCapture = capture;
    r.firstFrame = f.frameNumber;
    r.firstTime = time;
    r.previous = previous;
    r.afterSilence = afterSilence;
    this.runs.push(r);
    return this.runs.length - 1;
  }

  /** Counts the advert against every other sender's run for the same virtual router that is live now. */
  private countOverlaps(index: number, capture: number, frame: number, time: number): void {
    const me = this.runs[index]!;
    for (let i = 0; i < this.open.length; i++) {
      const j = this.open[i]!;
      if (j === index) continue;
      const rival = this.runs[j]!;
      if (rival.priority === 0 || rival.family !== me.family || sameSender(rival, me)) continue;
      if (time - rival.lastTime > (LIVE_INTERVALS * rival.intervalCentis) / 100) continue;
      if (rival.vrid !== me.vrid && !shareAddress(rival, me)) continue;
      let o: RunOverlap | undefined;
      let mine = true;
      for (let k = this.overlaps.length - 1; k >= 0; k--) {
        const x = this.overlaps[k]!;
        const a = this.runs[x.runA]!;
        const b = this.runs[x.runB]!;
        if (sameSender(a, me) && sameSender(b, rival)) {
          o = x;
          break;
        }
        if (sameSender(b, me) && sameSender(a, rival)) {
          o = x;
          mine = false;
          break;
        }
      }
      if (o === undefined) {
        if (this.overlaps.length >= MAX_VRRP_OVERLAPS) continue;
        o = new RunOverlap(j, index);
        o.start = time;
        this.overlaps.push(o);
        mine = false;
      }
      if (o.countedFrame === frame && o.countedCapture === capture) continue;
      o.countedFrame = frame;
      o.countedCapture = capture;
      o.end = time;
      if (mine) {
        if (o.countA++ === 0) {
          o.firstCaptureA = capture;
          o.firstFrameA = frame;
        }
      } else if (o.countB++ === 0) {
        o.firstCaptureB = capture;
        o.firstFrameB = frame;
      }
    }
  }
}

function sameSender(a: AdvertRun, b: AdvertRun): boolean {
  return a.senderMac >= 0 && b.senderMac >= 0 ? a.senderMac === b.senderMac : a.senderIp === b.senderIp;
}

function shareAddress(a: AdvertRun, b: AdvertRun): boolean {
  for (const x of a.addresses) if (b.addresses.includes(x)) return true;
  return false;
}

function sameContent(r: AdvertRun, f: DecodedFrame, hash: number): boolean {
  return (
    r.priority === f.vrrpPriority &&
    r.intervalCentis === f.vrrpIntervalCentis &&
    r.version === f.vrrpVersion &&
    r.authType === f.vrrpAuthType &&
    r.ttl === f.ipTtl &&
    r.addresses.length === f.vrrpAddrCount &&
    r.addressHash === hash &&
    (f.ipVersion === 6 || r.dstIp === f.ipDst)
  );
}

/** FNV-1a over the address bytes and the IPv6 destination (a unicast peer may change). */
function addressHash(f: DecodedFrame): number {
  const d = f.data;
  const size = f.ipVersion === 6 ? 16 : 4;
  let h = 0x811c9dc5;
  const end = f.vrrpAddrOffset + size * f.vrrpAddrCount;
  for (let i = f.vrrpAddrOffset; i < end; i++) h = Math.imul(h ^ d[i]!, 0x01000193);
  if (f.ipVersion === 6) for (let i = 0; i < 16; i++) h = Math.imul(h ^ f.ip6Dst[i]!, 0x01000193);
  return h;
}
