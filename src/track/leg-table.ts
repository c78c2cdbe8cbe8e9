/**
 * The legs of the open flows, as fixed-size records in typed arrays rather than one object per
 * leg. Every frame of a flow looks up its leg among the flow's few and updates it; as objects
 * (each with its array, its boxed times and 48-bit MACs, scattered over the heap by recycling)
 * that lookup was the largest single cost of the check, a chain of cache misses per frame.
 * Here a leg's lookup key and everything a frame updates sit in one 64-byte record, the flow's
 * legs are chained through it, and the whole table is a few contiguous arrays.
 *
 * The judge and the path book read Leg objects: materialize() fills a set of them, reused for
 * every flow, from a flow's records just before they look at it.
 */
import type { DirectionId, Flow, LegEndpoints, LegList } from './flow-state.js';
import { Leg } from './flow-state.js';

// The hot record: 16 int32 per leg (64 bytes), read and written for each frame of the leg.
const HOT = 16;
const SRC_MAC_LO = 0;
const SRC_MAC_HI = 1;
const DST_MAC_LO = 2;
const DST_MAC_HI = 3;
const SRC_IP_LO = 4;
const SRC_IP_HI = 5;
const DST_IP_LO = 6;
const DST_IP_HI = 7;
/** direction | outgoing << 1 | (srcPort + 1) << 2: the rest of the lookup key in one int. */
const KEY = 8;
/** Next leg of the same flow, or -1; on the free list, the next free record. */
const NEXT = 9;
const PACKETS = 10;
const LAST_FRAME = 11;
const LAST_CAPTURE = 12;
const COPIES = 13;
/** lastTime: a float64 over int32 slots 14-15 (Float64Array index id * 8 + 7). */
const LAST_TIME_F64 = 7;

// The cold record: 8 int32 per leg (32 bytes), written once or rarely.
const COLD = 8;
const FIRST_FRAME = 0;
const FIRST_CAPTURE = 1;
const UNCOPIED = 2;
const FIRST_UNCOPIED_FRAME = 3;
const FIRST_UNCOPIED_CAPTURE = 4;
/** Bumped when the record is freed: see generationOf. */
const GENERATION = 5;
/** firstTime: a float64 over int32 slots 6-7 (Float64Array index id * 4 + 3). */
const FIRST_TIME_F64 = 3;

// Per leg, set once: destination port and whether a frame came tunnelled.
const EXTRA = 2;
const DST_PORT = 0;
const ENCAPSULATED = 1;

const INITIAL_LEGS = 4096;

function legKey(direction: DirectionId, outgoing: boolean, srcPort: number): number {
  return direction | (outgoing ? 2 : 0) | ((srcPort + 1) << 2);
}

/** The number whose int32 parts low32/high32 gave `lo` and `hi`. */
function join32(lo: number, hi: number): number {
  return hi * 0x100000000 + (lo >>> 0);
}

export class LegTable {
  /** Time of the frame being recorded (set by the analyzer per frame: see seen()). */
  now = 0;
  private capacity = 0;
  private hot = new Int32Array(0);
  private hotTime = new Float64Array(0);
  private cold = new Int32Array(0);
  private coldTime = new Float64Array(0);
  private extra = new Int32Array(0);
  /** The flow each record belongs to (null when free). */
  private owner: (Flow | null)[] = [];
  /** Records handed out at least once; those beyond are untouched. */
  private used = 0;
  private freeHead = -1;
  /** The Leg objects materialize() fills, shared by all flows. */
  private readonly list: { legs: Leg[]; count: number } = { legs: [], count: 0 };

  constructor() {
    this.grow(INITIAL_LEGS);
  }

  /**
   * The leg of `flow` for a frame's endpoints in this direction, started on first use. Returns
   * its record id.
   */
  find(flow: Flow, direction: DirectionId, e: LegEndpoints): number {
    const hot = this.hot;
    const key = legKey(direction, e.outgoing, e.srcPort);
    for (let id = flow.firstLeg; id >= 0; ) {
      const r = id * HOT;
      if (
        hot[r + SRC_MAC_LO] === e.srcMacLo &&
        hot[r + DST_MAC_LO] === e.dstMacLo &&
        hot[r + SRC_IP_LO] === e.srcIpLo &&
        hot[r + DST_IP_LO] === e.dstIpLo &&
        hot[r + KEY] === key &&
        hot[r + SRC_MAC_HI] === e.srcMacHi &&
        hot[r + DST_MAC_HI] === e.dstMacHi &&
        hot[r + SRC_IP_HI] === e.srcIpHi &&
        hot[r + DST_IP_HI] === e.dstIpHi
      ) {
        return id;
      }
      id = hot[r + NEXT]!;
    }
    return this.start(flow, key, e);
  }

  /** Counts a frame of leg `id` (at `this.now`). */
  seen(id: number, frame: number, capture: number): void {
    const r = id * HOT;
    const hot = this.hot;
    if (hot[r + PACKETS] === 0) {
      const c = id * COLD;
      this.cold[c + FIRST_FRAME] = frame;
      this.cold[c + FIRST_CAPTURE] = capture;
      this.coldTime[id * 4 + FIRST_TIME_F64] = this.now;
    }
    hot[r + PACKETS]!++;
    hot[r + LAST_FRAME] = frame;
    hot[r + LAST_CAPTURE] = capture;
    this.hotTime[id * 8 + LAST_TIME_F64] = this.now;
  }

  /** The frame just counted was the director's copy of an earlier one. */
  copied(id: number): void {
    this.hot[id * HOT + COPIES]!++;
  }

  /** A frame of the leg came inside a tunnel. */
  encapsulated(id: number): void {
    this.extra[id * EXTRA + ENCAPSULATED] = 1;
  }

  /**
   * Changes when the record is freed: a holder of an id that may outlive the flow (the copy
   * matcher's window) keeps the generation with it and ignores a record that changed.
   */
  generationOf(id: number): number {
    return this.cold[id * COLD + GENERATION]!;
  }

  /** The flow a leg belongs to (null for -1 or a freed record). */
  flowOf(id: number): Flow | null {
    return id >= 0 ? (this.owner[id] ?? null) : null;
  }

  /** A request frame of the leg got no director copy within the window. */
  uncopied(id: number, generation: number, frame: number, capture: number): void {
    const c = id * COLD;
    const cold = this.cold;
    if (cold[c + GENERATION] !== generation) return;
    if (cold[c + UNCOPIED] === 0) {
      cold[c + FIRST_UNCOPIED_FRAME] = frame;
      cold[c + FIRST_UNCOPIED_CAPTURE] = capture;
    }
    cold[c + UNCOPIED]!++;
  }

  /** The legs of `flow` as objects, valid until the next call (the objects are reused). */
  materialize(flow: Flow): LegList {
    const { hot, cold, extra } = this;
    const legs = this.list.legs;
    let i = 0;
    for (let id = flow.firstLeg; id >= 0; id = hot[id * HOT + NEXT]!, i++) {
      let l = legs[i];
      if (l === undefined) {
        l = new Leg();
        legs.push(l);
      }
      const r = id * HOT;
      const c = id * COLD;
      const key = hot[r + KEY]!;
      l.direction = (key & 1) as DirectionId;
      l.outgoing = (key & 2) !== 0;
      l.srcPort = (key >> 2) - 1;
      l.dstPort = extra[id * EXTRA + DST_PORT]!;
      l.srcMac = join32(hot[r + SRC_MAC_LO]!, hot[r + SRC_MAC_HI]!);
      l.dstMac = join32(hot[r + DST_MAC_LO]!, hot[r + DST_MAC_HI]!);
      l.srcIp = join32(hot[r + SRC_IP_LO]!, hot[r + SRC_IP_HI]!);
      l.dstIp = join32(hot[r + DST_IP_LO]!, hot[r + DST_IP_HI]!);
      l.packets = hot[r + PACKETS]!;
      l.firstFrame = cold[c + FIRST_FRAME]!;
      l.firstCapture = cold[c + FIRST_CAPTURE]!;
      l.firstTime = this.coldTime[id * 4 + FIRST_TIME_F64]!;
      l.lastFrame = hot[r + LAST_FRAME]!;
      l.lastCapture = hot[r + LAST_CAPTURE]!;
      l.lastTime = this.hotTime[id * 8 + LAST_TIME_F64]!;
      l.uncopied = cold[c + UNCOPIED]!;
      l.firstUncopiedFrame = cold[c + FIRST_UNCOPIED_FRAME]!;
      l.firstUncopiedCapture = cold[c + FIRST_UNCOPIED_CAPTURE]!;
      l.copies = hot[r + COPIES]!;
      l.encapsulated = extra[id * EXTRA + ENCAPSULATED] === 1;
    }
    this.list.count = i;
    return this.list;
  }

  /** Frees the records of a flow's legs (the flow is done with: judged, or never to be). */
  release(flow: Flow): void {
    const hot = this.hot;
    let id = flow.firstLeg;
    while (id >= 0) {
      const next = hot[id * HOT + NEXT]!;
      this.cold[id * COLD + GENERATION] = (this.cold[id * COLD + GENERATION]! + 1) | 0;
      this.owner[id] = null;
      hot[id * HOT + NEXT] = this.freeHead;
      this.freeHead = id;
      id = next;
    }
    flow.firstLeg = -1;
    flow.lastLeg = -1;
  }

  /** A new record for `flow`, appended to its chain (legs keep the order they began in). */
  private start(flow: Flow, key: number, e: LegEndpoints): number {
    let id = this.freeHead;
    if (id >= 0) {
      this.freeHead = this.hot[id * HOT + NEXT]!;
    } else {
      if (this.used === this.capacity) this.grow(this.capacity * 2);
      id = this.used++;
    }
    const hot = this.hot;
    const r = id * HOT;
    hot[r + SRC_MAC_LO] = e.srcMacLo;
    hot[r + SRC_MAC_HI] = e.srcMacHi;
    hot[r + DST_MAC_LO] = e.dstMacLo;
    hot[r + DST_MAC_HI] = e.dstMacHi;
    hot[r + SRC_IP_LO] = e.srcIpLo;
    hot[r + SRC_IP_HI] = e.srcIpHi;
    hot[r + DST_IP_LO] = e.dstIpLo;
    hot[r + DST_IP_HI] = e.dstIpHi;
    hot[r + KEY] = key;
    hot[r + NEXT] = -1;
    hot[r + PACKETS] = 0;
    hot[r + LAST_FRAME] = 0;
    hot[r + LAST_CAPTURE] = 0;
    hot[r + COPIES] = 0;
    this.hotTime[id * 8 + LAST_TIME_F64] = 0;
    const cold = this.cold;
    const c = id * COLD;
    cold[c + FIRST_FRAME] = 0;
    cold[c + FIRST_CAPTURE] = 0;
    cold[c + UNCOPIED] = 0;
    cold[c + FIRST_UNCOPIED_FRAME] = 0;
    cold[c + FIRST_UNCOPIED_CAPTURE] = 0;
    this.coldTime[id * 4 + FIRST_TIME_F64] = 0;
    this.extra[id * EXTRA + DST_PORT] = e.dstPort;
    this.extra[id * EXTRA + ENCAPSULATED] = 0;
    this.owner[id] = flow;
    if (flow.lastLeg >= 0) hot[flow.lastLeg * HOT + NEXT] = id;
    else flow.firstLeg = id;
    flow.lastLeg = id;
    return id;
  }

  private grow(capacity: number): void {
    const hot = new Int32Array(capacity * HOT);
    hot.set(this.hot);
    const cold = new Int32Array(capacity * COLD);
    cold.set(this.cold);
    const extra = new Int32Array(capacity * EXTRA);
    extra.set(this.extra);
    this.hot = hot;
    this.hotTime = new Float64Array(hot.buffer);
    this.cold = cold;
    this.coldTime = new Float64Array(cold.buffer);
    this.extra = extra;
    for (let i = this.capacity; i < capacity; i++) this.owner.push(null);
    this.capacity = capacity;
  }
}
