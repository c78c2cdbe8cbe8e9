/**
 * ARP requests and IPv6 Neighbor Solicitations, and the answers each got. One request answered
 * by several MACs is a duplicate-address conflict in fact, whatever the topology: every host
 * on the segment that asks gets more than one owner for the address, and keeps one of them (Linux
 * the first, inside its ARP locktime). Which one it kept shows in its next frame to the address.
 */

/** Answers later than this after the request are not counted as answers to it. */
export const ANSWER_WINDOW_SECONDS = 1.0;
/** Duplicate-answer events kept (the count stays exact beyond). */
export const MAX_DUPLICATE_EVENTS = 1000;
/**
 * How long after its request a requester's next frame to the address is looked for. It sends at
 * once when it has an answer; a requester that never sends there (a director resolving a real
 * server it forwards to by MAC only) must not keep every frame checked for long.
 */
export const KEPT_WINDOW_SECONDS = 5;
/** Open requests tracked at once; beyond, the oldest are forgotten (a flood of requests). */
const MAX_OPEN = 4096;

export interface FramePlace {
  capture: number;
  frame: number;
}

export interface Answer extends FramePlace {
  mac: number;
  time: number;
}

/** One request that more than one MAC answered. */
export interface DuplicateAnswer {
  ip: number;
  /** The MAC that asked, and the address it asked from (-1 when unknown). */
  requesterMac: number;
  requesterIp: number;
  /** The request, or null when the capture holds only its answers. */
  request: FramePlace | null;
  /** Every distinct MAC's first answer, in capture order. */
  answers: Answer[];
  /** The requester's next frame to the address, and the MAC it went to. */
  kept: (FramePlace & { mac: number }) | null;
  /** When the request was sent (or, without it, the first answer). */
  time: number;
}

interface OpenRequest {
  ip: number;
  requesterMac: number;
  requesterIp: number;
  request: FramePlace | null;
  time: number;
  answers: Answer[];
  /** Set once a second MAC answered. */
  event: DuplicateAnswer | null;
  kept: (FramePlace & { mac: number }) | null;
}

export class SolicitationLog {
  readonly duplicates: DuplicateAnswer[] = [];
  /** Every duplicate-answer event, also those beyond MAX_DUPLICATE_EVENTS. */
  duplicateCount = 0;
  /** Bumped when an event is added or completed, so views built from the log know they are stale. */
  version = 0;
  private readonly open = new Map<string, OpenRequest>();
  /**
   * Open requests whose requester has not sent to the address yet: every IP frame is checked
   * against them while there are any, so the list holds only those (usually empty or one).
   */
  private readonly watching: OpenRequest[] = [];
  /** Watched requests for IPv6 addresses (an IPv6 frame's destination is then interned). */
  private ipv6Watched = 0;

  /** @param recent keep the latest MAX_DUPLICATE_EVENTS events rather than the first (a live director, for days). */
  constructor(private readonly recent = false) {}

  get watchCount(): number {
    return this.watching.length;
  }

  get watchingIpv6(): boolean {
    return this.ipv6Watched > 0;
  }

  /** An ARP request or Neighbor Solicitation for `ip` from `requesterMac`. */
  request(ip: number, requesterMac: number, requesterIp: number, capture: number, frame: number, time: number): void {
    if (this.open.size >= MAX_OPEN) this.forgetBefore(time - ANSWER_WINDOW_SECONDS);
    if (this.open.size >= MAX_OPEN) this.open.clear();
    const r: OpenRequest = { ip, requesterMac, requesterIp, request: { capture, frame }, time, answers: [], event: null, kept: null };
    this.open.set(keyOf(ip, requesterMac), r);
    this.watch(r);
  }

  /** An ARP reply (or solicited Neighbor Advertisement) for `ip` by `mac`, sent to `to`. */
  answer(ip: number, mac: number, to: number, capture: number, frame: number, time: number): void {
    const key = keyOf(ip, to);
    let r = this.open.get(key);
    if (r === undefined || time - r.time > ANSWER_WINDOW_SECONDS) {
      // The request fell before the capture started (or was not seen from here): the answers
      // still tell, grouped from the first one. Bounded as requests are: a flood of unsolicited
      // replies, each for another address, must not keep one entry each.
      if (r === undefined && this.open.size >= MAX_OPEN) this.forgetBefore(time - ANSWER_WINDOW_SECONDS);
      if (r === undefined && this.open.size >= MAX_OPEN) this.open.clear();
      r = { ip, requesterMac: to, requesterIp: -1, request: null, time, answers: [], event: null, kept: null };
      this.open.set(key, r);
    }
    for (const a of r.answers) if (a.mac === mac) return;
    r.answers.push({ mac, capture, frame, time });
    if (r.answers.length < 2) return;
    this.version++;
    if (r.event !== null) {
      r.event.answers = r.answers;
      return;
    }
    this.duplicateCount++;
    if (this.duplicates.length >= MAX_DUPLICATE_EVENTS && this.recent) this.duplicates.splice(0, MAX_DUPLICATE_EVENTS / 2);
    if (this.duplicates.length >= MAX_DUPLICATE_EVENTS) return;
    r.event = { ip, requesterMac: r.requesterMac, requesterIp: r.requesterIp, request: r.request, answers: r.answers, kept: r.kept, time: r.time };
    this.duplicates.push(r.event);
    if (r.kept === null) this.watch(r);
  }

  /**
   * A frame from `srcMac` to the IP address `dstIp`, sent to `dstMac`: the answer the sender
   * kept. Called for every IP frame while some request is watched, so it allocates nothing.
   */
  sent(srcMac: number, dstIp: number, dstMac: number, capture: number, frame: number, time: number): void {
    const list = this.watching;
    let i = 0;
    while (i < list.length) {
      const r = list[i]!;
      if (time - r.time > KEPT_WINDOW_SECONDS) {
        this.unwatch(i);
        continue;
      }
      if (r.requesterMac === srcMac) {
        if (r.ip === dstIp) {
          r.kept = { capture, frame, mac: dstMac };
          if (r.event !== null) {
            r.event.kept = r.kept;
            this.version++;
          }
          this.unwatch(i);
          continue;
        }
        // The requester uses an answer for other traffic (a director resolves a real server's
        // address only to send it frames for the VIP): it will not send to the address itself.
        if (answeredBy(r.answers, dstMac)) {
          this.unwatch(i);
          continue;
        }
      }
      i++;
    }
  }

  private watch(r: OpenRequest): void {
    const list = this.watching;
    for (let i = 0; i < list.length; i++) {
      const w = list[i]!;
      if (w === r) return;
      // A requester asking again replaces its older request for the same address.
      if (w.ip === r.ip && w.requesterMac === r.requesterMac && w.event === null) {
        this.unwatch(i);
        break;
      }
    }
    list.push(r);
    if (r.ip >= 0x100000000) this.ipv6Watched++;
  }

  /** Removes the i-th watched request (the last takes its place: the order does not matter). */
  private unwatch(i: number): void {
    const list = this.watching;
    if (list[i]!.ip >= 0x100000000) this.ipv6Watched--;
    list[i] = list[list.length - 1]!;
    list.pop();
  }

  private forgetBefore(time: number): void {
    for (const [k, r] of this.open) if (r.time < time) this.open.delete(k);
  }
}

function answeredBy(answers: readonly Answer[], mac: number): boolean {
  for (let i = 0; i < answers.length; i++) if (answers[i]!.mac === mac) return true;
  return false;
}

function keyOf(ip: number, mac: number): string {
  return `${ip}|${mac}`;
}
