/**
 * Compact per-flow state kept while a capture streams by. A flow is one TCP connection or one
 * UDP client ip:port conversation; its frames are grouped into legs by (direction, MACs, IPs),
 * which is all the DR rules need: roles are given to legs only when the flow is judged, so a
 * topology learnt later in the capture still applies to flows that started before it.
 * Every field is initialised in the constructor so all instances share one V8 shape.
 */

export const Direction = { Request: 0, Reply: 1 } as const;
export type DirectionId = (typeof Direction)[keyof typeof Direction];

export class Leg {
  packets = 0;
  firstFrame = 0;
  firstCapture = 0;
  firstTime = 0;
  lastFrame = 0;
  lastCapture = 0;
  lastTime = 0;
  /** Request frames not followed by a director copy within the match window. */
  uncopied = 0;
  firstUncopiedFrame = 0;
  firstUncopiedCapture = 0;
  /** Frames of this leg that were copies of an earlier frame (the director's forwarding). */
  copies = 0;
  encapsulated = false;

  constructor(
    readonly flow: Flow,
    readonly direction: DirectionId,
    readonly srcMac: number,
    readonly dstMac: number,
    readonly srcIp: number,
    readonly dstIp: number,
    readonly srcPort: number,
    readonly dstPort: number,
    /** Cooked captures: the frame was sent by the capturing host. */
    readonly outgoing: boolean,
  ) {}
}

/** First forwarded copy whose IP packet differs from the original beyond TTL-1 / checksum. */
export interface RawCopyDifference {
  copyFrame: number;
  copyCapture: number;
  originalFrame: number;
  originalCapture: number;
  changes: string[];
  mode: 'nat' | 'tunnel' | 'modified';
}

/**
 * A frame's addresses as Flow.leg() needs them, in one object rather than as arguments:
 * addresses above 2^31 and 48-bit MACs are heap numbers once passed to a call that is not
 * inlined, an allocation per frame.
 */
export interface LegEndpoints {
  readonly srcMac: number;
  readonly dstMac: number;
  readonly srcIp: number;
  readonly dstIp: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly outgoing: boolean;
}

export class Flow {
  legs: Leg[] = [];
  sawSyn = false;
  finFromClient = false;
  finFromServer = false;
  sawRst = false;
  firstFrame = 0;
  firstCapture = 0;
  firstTime = 0;
  lastFrame = 0;
  lastCapture = 0;
  lastTime = 0;
  copyDifference: RawCopyDifference | null = null;
  /** Next flow with the same client endpoint (another server), rare. */
  next: Flow | null = null;

  constructor(
    /** 6 (TCP) or 17 (UDP). */
    readonly proto: number,
    readonly clientIp: number,
    readonly clientPort: number,
    /** The address the client sent its first frame to (the VIP for DR flows). */
    readonly serverIp: number,
    readonly serverPort: number,
  ) {}

  /**
   * The leg for a frame's endpoints in this direction, created on first use (a flow has a
   * handful of legs). The endpoints come as one object: see LegEndpoints.
   */
  leg(direction: DirectionId, e: LegEndpoints): Leg {
    const legs = this.legs;
    for (let i = 0; i < legs.length; i++) {
      const l = legs[i]!;
      if (
        l.direction === direction &&
        l.srcMac === e.srcMac &&
        l.dstMac === e.dstMac &&
        l.srcIp === e.srcIp &&
        l.dstIp === e.dstIp &&
        l.srcPort === e.srcPort &&
        l.outgoing === e.outgoing
      ) {
        return l;
      }
    }
    const l = new Leg(this, direction, e.srcMac, e.dstMac, e.srcIp, e.dstIp, e.srcPort, e.dstPort, e.outgoing);
    // A one-element literal for the first leg: push() onto an empty array reserves 17 slots,
    // about 140 bytes per flow, and many flows (scans, SYN floods) never get a second leg.
    if (legs.length === 0) this.legs = [l];
    else legs.push(l);
    return l;
  }
}

const INITIAL_BUCKETS = 1024;

/**
 * The open flows: a chained hash table on the client endpoint (protocol, address, port), an
 * array of buckets with the flows of a bucket linked through `Flow.next`. It replaced a Map
 * keyed by the same 30-bit hash: a lookup is one array read, deleting and re-inserting
 * leaves no garbage behind, and sweeping walks a plain array.
 */
export class FlowTable {
  size = 0;
  private buckets: (Flow | null)[] = new Array<Flow | null>(INITIAL_BUCKETS).fill(null);
  private mask = INITIAL_BUCKETS - 1;

  /**
   * First flow of the bucket of this client endpoint (follow `next`; other endpoints share
   * buckets). The address comes in int32 parts: see endpointHash.
   */
  first(proto: number, ipLow: number, ipHigh: number, port: number): Flow | null {
    return this.buckets[endpointHash(proto, ipLow, ipHigh, port) & this.mask]!;
  }

  add(flow: Flow): void {
    const b = bucketOf(flow, this.mask);
    flow.next = this.buckets[b]!;
    this.buckets[b] = flow;
    // Chains stay about one flow long: the table doubles when it holds twice its buckets.
    if (++this.size > 2 * this.buckets.length) this.grow();
  }

  /**
   * Calls `remove` on every flow and unlinks those it returns true for (`next` is cleared
   * before the call, so `remove` may hand the flow on). Order: bucket order, i.e. arbitrary.
   */
  removeIf(remove: (flow: Flow) => boolean): void {
    const buckets = this.buckets;
    for (let b = 0; b < buckets.length; b++) {
      let prev: Flow | null = null;
      let flow: Flow | null = buckets[b]!;
      while (flow !== null) {
        const next: Flow | null = flow.next;
        flow.next = null;
        if (remove(flow)) {
          if (prev === null) buckets[b] = next;
          else prev.next = next;
          this.size--;
        } else {
          flow.next = next;
          prev = flow;
        }
        flow = next;
      }
    }
  }

  /** Every flow, in arbitrary order. */
  all(): Flow[] {
    const out: Flow[] = [];
    for (const head of this.buckets) {
      for (let flow: Flow | null = head; flow !== null; flow = flow.next) out.push(flow);
    }
    return out;
  }

  /** Estimated `q`-quantile (0..1) of the flows' lastTime, from a sample of about 1024 flows. */
  lastTimeQuantile(q: number): number {
    const step = Math.max(1, Math.floor(this.size / 1024));
    const sample: number[] = [];
    let i = 0;
    for (const head of this.buckets) {
      for (let flow: Flow | null = head; flow !== null; flow = flow.next) {
        if (i++ % step === 0) sample.push(flow.lastTime);
      }
    }
    if (sample.length === 0) return -Infinity;
    sample.sort((a, b) => a - b);
    return sample[Math.min(sample.length - 1, Math.floor(q * sample.length))]!;
  }

  clear(): void {
    this.buckets = new Array<Flow | null>(INITIAL_BUCKETS).fill(null);
    this.mask = INITIAL_BUCKETS - 1;
    this.size = 0;
  }

  private grow(): void {
    const flows = this.all();
    this.buckets = new Array<Flow | null>(this.buckets.length * 2).fill(null);
    this.mask = this.buckets.length - 1;
    for (const flow of flows) {
      const b = bucketOf(flow, this.mask);
      flow.next = this.buckets[b]!;
      this.buckets[b] = flow;
    }
  }
}

function bucketOf(flow: Flow, mask: number): number {
  const ip = flow.clientIp;
  return endpointHash(flow.proto, ip | 0, Math.floor(ip / 0x100000000), flow.clientPort) & mask;
}

/**
 * Hash of a client endpoint. The address comes as its low 32 bits (`ip | 0`) and the rest
 * (`Math.floor(ip / 2 ** 32)`: non-zero for interned IPv6 addresses): int32 arguments are small
 * integers in V8, where a 32-bit unsigned address above 2^31 would be a heap number per call.
 */
export function endpointHash(proto: number, ipLow: number, ipHigh: number, port: number): number {
  let h = Math.imul(ipLow ^ ipHigh, 0x9e3779b1);
  h = Math.imul(h ^ ((port << 8) | proto), 0x85ebca77);
  return h ^ (h >>> 15);
}
