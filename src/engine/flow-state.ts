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
    legs.push(l);
    return l;
  }
}

/**
 * Bucket key of a client endpoint: a 30-bit hash, so the flow Map's keys are small integers
 * (no boxing, no allocation per lookup). Flows sharing a bucket are chained through
 * `Flow.next` and told apart by their fields.
 */
export function endpointKey(proto: number, ip: number, port: number): number {
  let h = Math.imul((ip | 0) ^ Math.floor(ip / 0x100000000), 0x9e3779b1);
  h = Math.imul(h ^ ((port << 8) | proto), 0x85ebca77);
  return (h ^ (h >>> 15)) & 0x3fffffff;
}
