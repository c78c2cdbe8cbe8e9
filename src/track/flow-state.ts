/**
 * Compact per-flow state kept while a capture streams by. A flow is one TCP connection or one
 * UDP client ip:port conversation; its frames are grouped into legs by (direction, MACs, IPs),
 * which is all the DR rules need: roles are given to legs only when the flow is judged, so a
 * topology learnt later in the capture still applies to flows that started before it.
 * Every field is initialised in the constructor so all instances share one V8 shape. While a
 * flow is open its legs live in the LegTable's records; Leg objects are filled for judging.
 *
 * Flows are recycled through a FlowPool once judged: they live for seconds of capture
 * time, long enough to reach V8's old space, and a pass over millions of flows otherwise leaves
 * behind old-space garbage that only a full collection reclaims, so peak memory grew with the
 * number of flows instead of the number open at once.
 */

export const Direction = { Request: 0, Reply: 1 } as const;
export type DirectionId = (typeof Direction)[keyof typeof Direction];

/**
 * The low and high 32 bits of an address number (48-bit MAC, IPv4 address, interned IPv6 id) as
 * int32s: small integers stored inside the object, where the number itself is a heap number
 * behind a pointer. The per-frame leg and flow lookups compare these, touching one object.
 */
export function low32(n: number): number {
  return n | 0;
}
export function high32(n: number): number {
  return Math.floor(n / 0x100000000) | 0;
}

/**
 * One leg as the judge and the path book read it: filled from the leg table's records by
 * LegTable.materialize(), into objects the table reuses for every flow.
 */
export class Leg {
  direction: DirectionId = Direction.Request;
  srcMac = -1;
  dstMac = -1;
  srcIp = -1;
  dstIp = -1;
  srcPort = -1;
  dstPort = -1;
  /** Cooked captures: the frame was sent by the capturing host. */
  outgoing = false;
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
}

/** A flow's legs as objects: legs[0 .. count). Valid until the next LegTable.materialize(). */
export interface LegList {
  readonly legs: readonly Leg[];
  readonly count: number;
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
 * A frame's endpoints as LegTable.find() needs them, in one object rather than as a dozen
 * arguments: addresses as int32 parts (see low32), ports, and the cooked-capture direction.
 */
export interface LegEndpoints {
  readonly srcMacLo: number;
  readonly srcMacHi: number;
  readonly dstMacLo: number;
  readonly dstMacHi: number;
  readonly srcIpLo: number;
  readonly srcIpHi: number;
  readonly dstIpLo: number;
  readonly dstIpHi: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly outgoing: boolean;
}

export class Flow {
  // Declaration order is layout order: what every frame reads or writes comes first, so one
  // frame touches the object's first cache lines only. The lookup key (int32 parts of the
  // addresses, see low32) leads.
  clientIpLo = -1;
  clientIpHi = -1;
  clientPort = -1;
  serverPort = -1;
  /** 6 (TCP) or 17 (UDP). */
  proto = 0;
  serverIpLo = -1;
  serverIpHi = -1;
  /** Next flow with the same client endpoint (another server), rare. */
  next: Flow | null = null;
  /** The flow's legs in the leg table: first and last record of its chain (-1: none yet). */
  firstLeg = -1;
  firstFrame = 0;
  lastFrame = 0;
  lastCapture = 0;
  /**
   * Time of the last frame as the frame gave it, seconds and nanoseconds: small integers kept
   * inside the object, where a fractional time would be a number boxed outside it, written for
   * every frame (see lastTime).
   */
  lastSeconds = 0;
  lastNanos = 0;
  lastLeg = -1;
  /**
   * TCP segments that carry data, SYN or FIN, each way, followed from one sender MAC (low 32
   * bits): the first segment's. The same segments relayed by another host (a director's copy,
   * replies routed through the director) are not retransmissions. `*NextSeq`: the sequence
   * number just past the highest segment seen that way (int32, wrapping). Read for every TCP
   * frame, hence here among the fields every frame touches (see Analyzer.noteSegment).
   */
  requestSegments = 0;
  requestSender = 0;
  requestNextSeq = 0;
  replySegments = 0;
  replySender = 0;
  replyNextSeq = 0;
  sawSyn = false;
  finFromClient = false;
  finFromServer = false;
  sawRst = false;
  firstCapture = 0;
  firstTime = 0;
  copyDifference: RawCopyDifference | null = null;
  clientIp = -1;
  /** The address the client sent its first frame to (the VIP for DR flows). */
  serverIp = -1;
  /**
   * The last request frame's signature (TCP: sequence number, flags and payload length; UDP:
   * payload hash and length), to tell a retransmission from new data; -1 before the first.
   */
  requestSignature = -1;
  requestLength = -1;
  /** The director copied the last request frame. */
  requestCopied = false;
  /** Request frames that repeated the one before them (a client's retransmissions). */
  retransmissions = 0;
  /** Of those, the ones whose earlier frame the director had forwarded: the client got no answer in time. */
  retransmittedAfterCopy = 0;
  /** TCP: some request frame carried an ACK, i.e. the client acknowledged an answer. */
  requestAcked = false;
  /** The path book has counted this flow. */
  folded = false;

  // The server side's health, read from the TCP segments the pass sees anyway (see
  // Analyzer.noteSegment): int32 and boolean fields only, written without allocating.
  /** Of the segments each way (see requestSegments), the ones sent again. */
  requestRetransmitted = 0;
  replyRetransmitted = 0;
  /** The first retransmitted segment either way (capture -1: none). */
  firstRetransmitFrame = 0;
  firstRetransmitCapture = -1;
  /** RSTs and zero-window advertisements from the server side. */
  serverResets = 0;
  serverZeroWindows = 0;
  /**
   * The SYN the server could first answer (the director's copy of it when seen, else the
   * client's first), as the frame's seconds and nanoseconds; capture -1 until one is seen.
   */
  synSeconds = 0;
  synNanos = 0;
  synFrame = 0;
  synCapture = -1;
  synFromCopy = false;
  /** From that SYN to the server's first SYN-ACK, in microseconds; -1 until one is seen. */
  handshakeMicros = -1;
  synAckFrame = 0;
  synAckCapture = 0;
  /** The director's copy of this flow's first SYN (UDP: first datagram) was announced as a new connection. */
  connectionAnnounced = false;

  /** Time of the last frame, in seconds: the value the analyzer computed for it from the same two parts. */
  get lastTime(): number {
    return this.lastSeconds + this.lastNanos / 1e9;
  }

  constructor(proto: number, clientIp: number, clientPort: number, serverIp: number, serverPort: number) {
    this.init(proto, clientIp, clientPort, serverIp, serverPort);
  }

  /** Starts the flow afresh (its legs must have been handed back to the leg table first). */
  init(proto: number, clientIp: number, clientPort: number, serverIp: number, serverPort: number): void {
    this.firstLeg = -1;
    this.lastLeg = -1;
    this.sawSyn = false;
    this.finFromClient = false;
    this.finFromServer = false;
    this.sawRst = false;
    this.firstFrame = 0;
    this.firstCapture = 0;
    this.firstTime = 0;
    this.lastFrame = 0;
    this.lastCapture = 0;
    this.lastSeconds = 0;
    this.lastNanos = 0;
    this.copyDifference = null;
    this.next = null;
    this.requestSignature = -1;
    this.requestLength = -1;
    this.requestCopied = false;
    this.retransmissions = 0;
    this.retransmittedAfterCopy = 0;
    this.requestAcked = false;
    this.folded = false;
    this.requestSender = 0;
    this.replySender = 0;
    this.requestNextSeq = 0;
    this.replyNextSeq = 0;
    this.requestSegments = 0;
    this.replySegments = 0;
    this.requestRetransmitted = 0;
    this.replyRetransmitted = 0;
    this.firstRetransmitFrame = 0;
    this.firstRetransmitCapture = -1;
    this.serverResets = 0;
    this.serverZeroWindows = 0;
    this.synSeconds = 0;
    this.synNanos = 0;
    this.synFrame = 0;
    this.synCapture = -1;
    this.synFromCopy = false;
    this.handshakeMicros = -1;
    this.synAckFrame = 0;
    this.synAckCapture = 0;
    this.connectionAnnounced = false;
    this.proto = proto;
    this.clientIp = clientIp;
    this.clientPort = clientPort;
    this.serverIp = serverIp;
    this.serverPort = serverPort;
    this.clientIpLo = low32(clientIp);
    this.clientIpHi = high32(clientIp);
    this.serverIpLo = low32(serverIp);
    this.serverIpHi = high32(serverIp);
  }
}

/** Recycled flows kept at most; beyond, released ones are left to the collector. */
const POOL_FLOWS = 65_536;

/**
 * Judged flows, for reuse by new flows. Only the analyzer hands flows back, and
 * only after the judge and the path book are done with them: neither keeps a reference (views
 * and reports copy what they show).
 */
export class FlowPool {
  private readonly flows: Flow[] = [];

  flow(proto: number, clientIp: number, clientPort: number, serverIp: number, serverPort: number): Flow {
    const flow = this.flows.pop();
    if (flow === undefined) return new Flow(proto, clientIp, clientPort, serverIp, serverPort);
    flow.init(proto, clientIp, clientPort, serverIp, serverPort);
    return flow;
  }

  /** Takes back a flow whose legs the leg table has already freed. */
  release(flow: Flow): void {
    flow.copyDifference = null;
    flow.next = null;
    if (this.flows.length < POOL_FLOWS) this.flows.push(flow);
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
  return endpointHash(flow.proto, flow.clientIpLo, flow.clientIpHi, flow.clientPort) & mask;
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
