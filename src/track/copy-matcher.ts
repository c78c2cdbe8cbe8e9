/**
 * Finds the director's copies: an LVS-DR director re-emits the client's IP packet unchanged
 * (TTL one lower, header checksum recomputed) in a new Ethernet frame whose source MAC is the
 * MAC the client sent to. Every request-side TCP/UDP frame is remembered for a short window,
 * keyed by what no director rewrites (client address and port, IP id, TCP sequence number);
 * a later frame with the same key, sent by the MAC the first was addressed to, is its copy.
 * Comparing the two then says whether only the Ethernet header changed (DR), the destination
 * (NAT), or an outer header was added (tunnel mode).
 */
import type { DecodedFrame } from '../decode/frame.js';
import { Encapsulation, SllPacketType } from '../decode/frame.js';
import type { AddressBook } from './addresses.js';
import type { LegTable } from './leg-table.js';

/** How long a director may take to emit its copy: it can wait for an ARP reply about the RS. */
export const COPY_WINDOW_SECONDS = 1.0;

/**
 * How much of the L4 bytes is hashed: the first HASH_HEAD and the last HASH_TAIL bytes (all of
 * a shorter segment). Hashing every byte of full-size segments was the copy matcher's largest
 * cost; headers, the start of the payload and its end (where a short request's last byte
 * sits) are what a director that rewrites or cuts payloads changes. A change only in the middle
 * of a segment longer than HASH_HEAD + HASH_TAIL goes unnoticed; the lengths are still compared.
 */
const HASH_HEAD = 128;
const HASH_TAIL = 64;

/** Invariant facts of one IP packet (the inner one for an encapsulated frame). */
export class PacketFacts {
  version = 0;
  ipSrc = -1;
  ipDst = -1;
  ipId = -1;
  ttl = -1;
  proto = -1;
  srcPort = -1;
  dstPort = -1;
  /** TCP sequence number; UDP: total length. */
  seq = -1;
  /** TCP acknowledgement number; UDP: hash of the payload (datagrams have nothing else to tell them apart). */
  ack = -1;
  totalLength = -1;
  /** Captured bytes of the IP packet (snaplen may cut it). */
  capturedLength = 0;
  /** Hash of the IP header without TTL, header checksum, IP id and addresses (compared on their own). */
  headerHash = 0;
  /** Hash of the captured L4 header and payload (sampled: see HASH_HEAD). */
  l4Hash = 0;
  key = 0;
}

export interface CopyMatch {
  /** Differences beyond the Ethernet header and TTL-1, in words; empty for a clean DR copy. */
  changes: string[];
  mode: 'dr' | 'nat' | 'tunnel' | 'modified';
  /** The RS IP a NAT or tunnel copy names (its destination / outer destination), else -1. */
  realServerIp: number;
  /**
   * The original frame: where it was, the leg it was counted in (a LegTable id, -1 if that leg
   * is gone), and the service it was sent to.
   */
  originalFrame: number;
  originalCapture: number;
  originalLeg: number;
  vip: number;
  port: number;
  proto: number;
}

/** Copies seen per (VIP service, director MAC, RS MAC): the evidence for inference. */
export interface CopyEvidence {
  vip: number;
  port: number;
  proto: number;
  directorMac: number;
  rsMac: number;
  mode: CopyMatch['mode'];
  rsIp: number;
  count: number;
}

/**
 * 32-bit hash of d[from..to), four bytes per step (the payload hash is the hot spot of the
 * copy matcher); collisions only cost a missed or spurious "payload changed", never a crash.
 */
function hashBytes(d: Uint8Array, from: number, to: number, h: number): number {
  let i = from;
  for (; i + 4 <= to; i += 4) {
    const w = (d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24)) | 0;
    h = Math.imul(h ^ w, 0x5bd1e995);
    h ^= h >>> 15;
  }
  for (; i < to; i++) h = Math.imul(h ^ d[i]!, 16777619);
  // int32, not uint32: a small integer on 64-bit V8, never a heap number.
  return h | 0;
}

/** A frame's L4 bytes, hashed up to HASH_HEAD + HASH_TAIL bytes. */
function hashSampled(d: Uint8Array, from: number, to: number): number {
  if (to - from <= HASH_HEAD + HASH_TAIL) return hashBytes(d, from, to, 2166136261);
  return hashBytes(d, to - HASH_TAIL, to, hashBytes(d, from, from + HASH_HEAD, 2166136261));
}

/**
 * Pending-window key from what no director rewrites. 30 bits: a small integer, so Map lookups
 * neither box the key nor allocate. Taken on int32 parts (address low and high bits, seq and
 * ack as int32) so that no argument is a heap number either.
 */
function copyKeyOf(ipLow: number, ipHigh: number, srcPort: number, seq: number, ack: number, proto: number): number {
  let k = Math.imul(ipLow, 0x9e3779b1);
  k = Math.imul(k ^ srcPort, 0x85ebca77);
  k = Math.imul(k ^ seq, 0xc2b2ae3d);
  k = Math.imul(k ^ ack, 0x27d4eb2f);
  return (k ^ (proto << 24) ^ ipHigh) & 0x3fffffff;
}

/** Fills `out` from the IP packet at `ipOffset` (IPv4 or IPv6); false if it is not usable. */
export function readPacketFacts(f: DecodedFrame, ipOffset: number, book: AddressBook, out: PacketFacts): boolean {
  const d = f.data;
  const end = f.offset + f.capturedLength;
  if (ipOffset < 0 || ipOffset + 20 > end) return false;
  const version = d[ipOffset]! >> 4;
  let l4: number;
  let proto: number;
  if (version === 4) {
    const ihl = (d[ipOffset]! & 15) * 4;
    if (ihl < 20 || ipOffset + ihl > end) return false;
    out.totalLength = (d[ipOffset + 2]! << 8) | d[ipOffset + 3]!;
    out.ipId = (d[ipOffset + 4]! << 8) | d[ipOffset + 5]!;
    out.ttl = d[ipOffset + 8]!;
    proto = d[ipOffset + 9]!;
    out.ipSrc = ((d[ipOffset + 12]! << 24) | (d[ipOffset + 13]! << 16) | (d[ipOffset + 14]! << 8) | d[ipOffset + 15]!) >>> 0;
    out.ipDst = ((d[ipOffset + 16]! << 24) | (d[ipOffset + 17]! << 16) | (d[ipOffset + 18]! << 8) | d[ipOffset + 19]!) >>> 0;
    let h = hashBytes(d, ipOffset, ipOffset + 4, 2166136261);
    h = hashBytes(d, ipOffset + 6, ipOffset + 8, h);
    h = hashBytes(d, ipOffset + 9, ipOffset + 10, h);
    out.headerHash = hashBytes(d, ipOffset + 20, ipOffset + ihl, h);
    l4 = ipOffset + ihl;
  } else if (version === 6) {
    if (ipOffset + 40 > end) return false;
    out.totalLength = 40 + ((d[ipOffset + 4]! << 8) | d[ipOffset + 5]!);
    out.ipId = -1;
    out.ttl = d[ipOffset + 7]!;
    proto = d[ipOffset + 6]!;
    out.ipSrc = book.ipv6(d, ipOffset + 8);
    out.ipDst = book.ipv6(d, ipOffset + 24);
    out.headerHash = hashBytes(d, ipOffset, ipOffset + 7, 2166136261);
    l4 = ipOffset + 40;
  } else {
    return false;
  }
  out.version = version;
  out.proto = proto;
  const ipEnd = Math.min(end, ipOffset + Math.max(out.totalLength, 20));
  out.capturedLength = ipEnd - ipOffset;
  if (version === 4 && ((d[ipOffset + 6]! & 0x1f) | d[ipOffset + 7]!) !== 0) {
    // A later fragment holds no L4 header: the ports are the ones the analysis attributed to
    // the frame from its first fragment (-1 if none, or for a tunnel's inner packet).
    out.srcPort = ipOffset === f.ipOffset ? f.srcPort : -1;
    out.dstPort = ipOffset === f.ipOffset ? f.dstPort : -1;
  } else if ((proto === 6 || proto === 17) && l4 + 8 <= ipEnd) {
    out.srcPort = (d[l4]! << 8) | d[l4 + 1]!;
    out.dstPort = (d[l4 + 2]! << 8) | d[l4 + 3]!;
  } else {
    out.srcPort = -1;
    out.dstPort = -1;
  }
  out.l4Hash = l4 < ipEnd ? hashSampled(d, l4, ipEnd) : 0;
  if (proto === 6 && l4 + 12 <= ipEnd) {
    out.seq = ((d[l4 + 4]! << 24) | (d[l4 + 5]! << 16) | (d[l4 + 6]! << 8) | d[l4 + 7]!) >>> 0;
    out.ack = ((d[l4 + 8]! << 24) | (d[l4 + 9]! << 16) | (d[l4 + 10]! << 8) | d[l4 + 11]!) >>> 0;
  } else {
    // UDP: length and payload (not the header: a NAT director changes its checksum).
    out.seq = out.totalLength;
    out.ack = l4 + 8 < ipEnd ? hashSampled(d, l4 + 8, ipEnd) : 0;
  }
  // The key leaves out what a misbehaving director might rewrite (destination, IP id, TTL),
  // so such a copy is still paired with its original and the difference can be named.
  out.key = copyKeyOf(out.ipSrc | 0, Math.floor(out.ipSrc / 0x100000000) & 0xffff, out.srcPort, out.seq | 0, out.ack | 0, proto);
  return true;
}

/** Rows searched back for a copy's original with the same key and the copy's IP id. */
const SAME_KEY_LOOKBACK = 64;
/** Column flags of a pending frame. */
const OUTGOING = 1;
const COPIED = 2;
/** The row is in the key index (see PendingRing.newest). */
const INDEXED = 4;
/** The client sent the row's frame again: it repeats the request before it (see markRetransmission). */
const REPEATED = 8;
const INITIAL_CAPACITY = 4096;
/** Distinct destination MACs of remembered frames tracked before the pre-filter gives up. */
const MAX_TARGETS = 16;

/**
 * The frames of the last COPY_WINDOW_SECONDS, oldest first, in a ring of typed-array columns
 * (one row per frame) rather than one object per frame: at 100k frames/s the window holds
 * tens of thousands of rows, and as objects (with their 48-bit MACs and 32-bit addresses as
 * heap numbers) they lived just long enough to be promoted and were a large share of the
 * garbage. `index` maps a key to the newest indexed row with that key.
 *
 * The newest row stays out of the index until another frame is remembered (`newest`): a
 * director's copy usually follows its original at once, and a row matched while it is the
 * newest is never indexed, which saves the index its three random accesses (insert, lookup,
 * delete at expiry) for most frames. A lookup tries that row first, so it still finds the
 * newest row with a key; a copy of an identical, older frame (a retransmission) can then pair
 * with that frame rather than with the one already matched.
 */
class PendingRing {
  capacity = 0;
  /** Row of the oldest frame, and the number of frames held. */
  head = 0;
  size = 0;
  time = new Float64Array(0);
  ethSrc = new Float64Array(0);
  ethDst = new Float64Array(0);
  ipSrc = new Float64Array(0);
  ipDst = new Float64Array(0);
  seq = new Float64Array(0);
  ack = new Float64Array(0);
  frameNumber = new Int32Array(0);
  capture = new Int32Array(0);
  key = new Int32Array(0);
  ipId = new Int32Array(0);
  ttl = new Int32Array(0);
  proto = new Int32Array(0);
  srcPort = new Int32Array(0);
  dstPort = new Int32Array(0);
  capturedLength = new Int32Array(0);
  headerHash = new Int32Array(0);
  l4Hash = new Int32Array(0);
  flags = new Uint8Array(0);
  /** The leg (LegTable id) the frame was counted in. */
  leg = new Int32Array(0);
  /** The leg's generation when remembered: a freed and reused record is another flow's. */
  legGeneration = new Int32Array(0);
  readonly index = new RowIndex(INITIAL_CAPACITY, this);
  /** The newest row while it is not in the index yet, else -1. */
  newest = -1;

  constructor() {
    this.resize(INITIAL_CAPACITY);
  }

  /**
   * Appends a row (growing the ring when full) and returns it; the caller makes it `newest`.
   * The row that was newest goes into the index first (unless it was matched already).
   */
  push(): number {
    this.settleNewest();
    if (this.size === this.capacity) this.resize(this.capacity * 2);
    const row = (this.head + this.size) & (this.capacity - 1);
    this.size++;
    return row;
  }

  /** Drops the oldest row. */
  shift(): void {
    if (this.head === this.newest) this.newest = -1;
    this.head = (this.head + 1) & (this.capacity - 1);
    this.size--;
  }

  /** The newest row with `key`, or -1. */
  lookup(key: number): number {
    const newest = this.newest;
    if (newest >= 0 && this.key[newest] === key) return newest;
    return this.index.get(key);
  }

  /** Indexes the newest row before another is added, unless it was matched already. */
  private settleNewest(): void {
    const row = this.newest;
    if (row < 0) return;
    this.newest = -1;
    if ((this.flags[row]! & COPIED) !== 0) return;
    this.index.set(this.key[row]!, row);
    this.flags[row] = this.flags[row]! | INDEXED;
  }

  /** From push() once the newest row is settled (every row is then INDEXED or COPIED), or empty. */
  private resize(capacity: number): void {
    // The rows in order, oldest first: the run from head to the end of the old arrays, then the
    // wrapped part from their start (two native copies per column, not a loop per row).
    const head = this.head;
    const firstRun = Math.min(this.size, this.capacity - head);
    const wrapped = this.size - firstRun;
    const f64 = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(capacity);
      b.set(a.subarray(head, head + firstRun));
      b.set(a.subarray(0, wrapped), firstRun);
      return b;
    };
    const i32 = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(capacity);
      b.set(a.subarray(head, head + firstRun));
      b.set(a.subarray(0, wrapped), firstRun);
      return b;
    };
    this.time = f64(this.time);
    this.ethSrc = f64(this.ethSrc);
    this.ethDst = f64(this.ethDst);
    this.ipSrc = f64(this.ipSrc);
    this.ipDst = f64(this.ipDst);
    this.seq = f64(this.seq);
    this.ack = f64(this.ack);
    this.frameNumber = i32(this.frameNumber);
    this.capture = i32(this.capture);
    this.key = i32(this.key);
    this.ipId = i32(this.ipId);
    this.ttl = i32(this.ttl);
    this.proto = i32(this.proto);
    this.srcPort = i32(this.srcPort);
    this.dstPort = i32(this.dstPort);
    this.capturedLength = i32(this.capturedLength);
    this.headerHash = i32(this.headerHash);
    this.l4Hash = i32(this.l4Hash);
    this.legGeneration = i32(this.legGeneration);
    this.leg = i32(this.leg);
    const flags = new Uint8Array(capacity);
    flags.set(this.flags.subarray(head, head + firstRun));
    flags.set(this.flags.subarray(0, wrapped), firstRun);
    this.flags = flags;
    this.capacity = capacity;
    this.head = 0;
    // Rows moved: re-index the indexed ones, oldest first, so the newest row of a key wins as before.
    this.index.reset(capacity);
    for (let i = 0; i < this.size; i++) if ((this.flags[i]! & INDEXED) !== 0) this.index.set(this.key[i]!, i);
  }
}

/**
 * Key -> newest row with that key, for the pending ring: open addressing with linear probing in
 * an Int32Array at most half full (slots hold row + 1; a row's key is read from the ring).
 * It replaced a Map, whose tables, rebuilt as the window slid, were hundreds of kilobytes of
 * garbage every few thousand frames, reclaimed only by full collections: the check's memory
 * grew with the capture.
 */
class RowIndex {
  private slots: Int32Array;
  private mask: number;

  constructor(
    capacity: number,
    private readonly ring: { key: Int32Array },
  ) {
    this.slots = new Int32Array(capacity * 2);
    this.mask = capacity * 2 - 1;
  }

  /** Empties the index, sized for a ring of `capacity` rows. */
  reset(capacity: number): void {
    if (this.slots.length === capacity * 2) this.slots.fill(0);
    else this.slots = new Int32Array(capacity * 2);
    this.mask = capacity * 2 - 1;
  }

  /** The row of `key`, or -1. */
  get(key: number): number {
    const slots = this.slots;
    const keys = this.ring.key;
    for (let i = key & this.mask; ; i = (i + 1) & this.mask) {
      const s = slots[i]!;
      if (s === 0) return -1;
      if (keys[s - 1] === key) return s - 1;
    }
  }

  /** Points `key` at `row` (replacing an older row with the same key). */
  set(key: number, row: number): void {
    const slots = this.slots;
    const keys = this.ring.key;
    let i = key & this.mask;
    for (; ; i = (i + 1) & this.mask) {
      const s = slots[i]!;
      if (s === 0 || keys[s - 1] === key) break;
    }
    slots[i] = row + 1;
  }

  /** Removes `key` if it points at `row`. Backward-shift deletion keeps probe runs unbroken. */
  deleteRow(key: number, row: number): void {
    const slots = this.slots;
    const keys = this.ring.key;
    const mask = this.mask;
    let i = key & mask;
    for (; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) return;
      if (keys[s - 1] === key) {
        if (s - 1 !== row) return;
        break;
      }
    }
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const s = slots[j]!;
      if (s === 0) break;
      const home = keys[s - 1]! & mask;
      // Move the entry at j back to i unless its home lies cyclically in (i, j].
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!stays) {
        slots[i] = s;
        i = j;
      }
    }
    slots[i] = 0;
  }
}

export class CopyMatcher {
  /**
   * Time of the frame being offered or remembered, and the clock expire() goes by; set by the
   * caller before those calls (a field rather than an argument, so the fractional number is not
   * boxed per call).
   */
  now = 0;
  private readonly ring = new PendingRing();
  private readonly scratch = new PacketFacts();
  /** Whether `scratch` holds the facts of the frame last offered (the fast path may skip them). */
  private scratchRead = false;
  /**
   * The destination MACs of every frame ever remembered: a copy is sent by the MAC its
   * original was addressed to, so a frame from any other MAC (an RS's reply, a client's
   * request) is not looked up at all. A handful on a DR segment (the directors); past
   * MAX_TARGETS the filter is off. `cookedTargets`: an original without an Ethernet header
   * (Linux cooked capture), whose copy is matched by direction instead.
   */
  private readonly targets = new Float64Array(MAX_TARGETS);
  private targetCount = 0;
  private cookedTargets = false;
  private filterOff = false;
  constructor(
    private readonly book: AddressBook,
    private readonly legs: LegTable,
  ) {}

  /**
   * Looks for the original of `f` (a request-side frame): returns the match, or null. A plain
   * IPv4 TCP frame is looked up by its decoded fields first, so the packet is only read and
   * hashed when it has a candidate original (or is remembered): replies never are.
   */
  offer(f: DecodedFrame): CopyMatch | null {
    this.scratchRead = false;
    if (!this.filterOff && !this.mayBeCopy(f)) return null;
    const tunnel = f.encapsulation === Encapsulation.IpInIp && f.innerIpOffset >= 0;
    const ring = this.ring;
    let row = -1;
    if (!tunnel && f.ipVersion === 4 && f.ipProto === 6 && f.tcpSeq >= 0 && f.ipTotalLength >= f.ipHeaderLength + 20) {
      // The same key readPacketFacts computes for this frame (its seq and ack are the decoded ones).
      row = ring.lookup(copyKeyOf(f.ipSrc | 0, 0, f.srcPort, f.tcpSeq | 0, f.tcpAck | 0, 6));
      if (row < 0) return null;
    }
    const facts = this.scratch;
    if (!readPacketFacts(f, tunnel ? f.innerIpOffset : f.ipOffset, this.book, facts)) return null;
    this.scratchRead = true;
    if (row < 0) row = ring.lookup(facts.key);
    if (row < 0) return null;
    const outgoing = f.sllPacketType === SllPacketType.Outgoing;
    if (!this.pairs(row, f, facts, outgoing)) {
      // The newest frame with the key is no original of this one (the director's own earlier
      // frame, or one copied already): an older frame with the copy's IP id may be.
      if (facts.ipId < 0) return null;
      row = this.sameIpIdRow(row, f, facts, outgoing);
      if (row < 0) return null;
    }
    // Two frames alike but for their IP id (a client acknowledging a segment the server sent
    // twice): each copy belongs to the frame with its own IP id, not to the newer of the two.
    if (facts.ipId >= 0 && ring.ipId[row] !== facts.ipId) {
      const exact = this.sameIpIdRow(row, f, facts, outgoing);
      if (exact >= 0) row = exact;
      // Alike but for the IP id, and the client's frame repeats an earlier one: this is the
      // copy of that earlier frame, held back past the window (a director waiting for the real
      // server's MAC sends its queue at once when the answer comes), not a modified copy.
      else if ((ring.flags[row]! & REPEATED) !== 0) return null;
    }
    ring.flags[row] = ring.flags[row]! | COPIED;
    return this.compare(row, f, facts, tunnel);
  }

  /** Whether the remembered `row` is the original the frame `f` (with `facts`) is a copy of. */
  private pairs(row: number, f: DecodedFrame, facts: PacketFacts, outgoing: boolean): boolean {
    const ring = this.ring;
    const rowFlags = ring.flags[row]!;
    const origDst = ring.ethDst[row]!;
    return (
      (rowFlags & COPIED) === 0 &&
      this.now - ring.time[row]! <= COPY_WINDOW_SECONDS &&
      ring.key[row] === facts.key &&
      ring.ipSrc[row] === facts.ipSrc &&
      ring.srcPort[row] === facts.srcPort &&
      ring.seq[row] === facts.seq &&
      ring.ack[row] === facts.ack &&
      ring.proto[row] === facts.proto &&
      f.ethSrc !== ring.ethSrc[row] &&
      (origDst === f.ethSrc || (origDst === -1 && outgoing && (rowFlags & OUTGOING) === 0))
    );
  }

  /**
   * The newest other row `f` pairs with whose IP id equals the copy's, or -1. Only the last
   * SAME_KEY_LOOKBACK rows are searched: a copy follows its original within a few frames, and
   * a retransmission seconds later is no candidate.
   */
  private sameIpIdRow(found: number, f: DecodedFrame, facts: PacketFacts, outgoing: boolean): number {
    const ring = this.ring;
    const mask = ring.capacity - 1;
    const oldest = Math.max(0, ring.size - SAME_KEY_LOOKBACK);
    for (let i = ring.size - 1; i >= oldest; i--) {
      const row = (ring.head + i) & mask;
      if (this.now - ring.time[row]! > COPY_WINDOW_SECONDS) break;
      if (row !== found && ring.ipId[row] === facts.ipId && this.pairs(row, f, facts, outgoing)) return row;
    }
    return -1;
  }

  /**
   * The facts of the frame remember() stored last (its UDP payload hash tells a client's
   * retransmitted datagram), or null when that frame could not be read; valid until the next offer.
   */
  lastRemembered: PacketFacts | null = null;

  /** The row remember() filled last, -1 when it could not read the frame. */
  private lastRow = -1;

  /**
   * The frame remember() took last repeats the client's request before it (the analyzer tells,
   * from the flow): a copy alike but for its IP id then belongs to that earlier request.
   */
  markRetransmission(): void {
    if (this.lastRow >= 0) this.ring.flags[this.lastRow] = this.ring.flags[this.lastRow]! | REPEATED;
  }

  /** Remembers a frame that was not a copy, for the window. Call after offer() returned null. */
  remember(f: DecodedFrame, capture: number, leg: number): void {
    const facts = this.scratch;
    this.lastRemembered = null;
    this.lastRow = -1;
    if (!this.scratchRead) {
      const tunnel = f.encapsulation === Encapsulation.IpInIp && f.innerIpOffset >= 0;
      if (!readPacketFacts(f, tunnel ? f.innerIpOffset : f.ipOffset, this.book, facts)) return;
    }
    this.lastRemembered = facts;
    const ring = this.ring;
    const row = ring.push();
    ring.time[row] = this.now;
    ring.ethSrc[row] = f.ethSrc;
    ring.ethDst[row] = f.ethDst;
    ring.ipSrc[row] = facts.ipSrc;
    ring.ipDst[row] = facts.ipDst;
    ring.seq[row] = facts.seq;
    ring.ack[row] = facts.ack;
    ring.frameNumber[row] = f.frameNumber;
    ring.capture[row] = capture;
    ring.key[row] = facts.key;
    ring.ipId[row] = facts.ipId;
    ring.ttl[row] = facts.ttl;
    ring.proto[row] = facts.proto;
    ring.srcPort[row] = facts.srcPort;
    ring.dstPort[row] = facts.dstPort;
    ring.capturedLength[row] = facts.capturedLength;
    ring.headerHash[row] = facts.headerHash;
    ring.l4Hash[row] = facts.l4Hash;
    ring.flags[row] = f.sllPacketType === SllPacketType.Outgoing ? OUTGOING : 0;
    ring.leg[row] = leg;
    ring.legGeneration[row] = this.legs.generationOf(leg);
    ring.newest = row;
    this.lastRow = row;
    if (!this.filterOff) this.noteTarget(f.ethDst);
  }

  /** Whether `f` was sent by a MAC some remembered frame was addressed to (see `targets`). */
  private mayBeCopy(f: DecodedFrame): boolean {
    const src = f.ethSrc;
    if (this.cookedTargets && (src === -1 || f.sllPacketType === SllPacketType.Outgoing)) return true;
    const targets = this.targets;
    for (let i = 0; i < this.targetCount; i++) if (targets[i] === src) return true;
    return false;
  }

  private noteTarget(mac: number): void {
    if (mac === -1) {
      this.cookedTargets = true;
      return;
    }
    const targets = this.targets;
    for (let i = 0; i < this.targetCount; i++) if (targets[i] === mac) return;
    if (this.targetCount === MAX_TARGETS) this.filterOff = true;
    else targets[this.targetCount++] = mac;
  }

  /** Closes the window of every frame older than `now - window` (all with now = Infinity). */
  expire(): void {
    const ring = this.ring;
    const limit = this.now - COPY_WINDOW_SECONDS;
    while (ring.size > 0 && ring.time[ring.head]! < limit) {
      const row = ring.head;
      if ((ring.flags[row]! & COPIED) === 0) this.legs.uncopied(ring.leg[row]!, ring.legGeneration[row]!, ring.frameNumber[row]!, ring.capture[row]!);
      if ((ring.flags[row]! & INDEXED) !== 0) ring.index.deleteRow(ring.key[row]!, row);
      ring.shift();
    }
  }

  /**
   * End of input: frames whose window closed before the last frame are judged; the ones still
   * inside it are left unjudged, since their copy may simply have fallen after the capture's end.
   */
  drain(lastTime: number): void {
    this.now = lastTime;
    this.expire();
    const ring = this.ring;
    while (ring.size > 0) ring.shift();
    ring.index.reset(ring.capacity);
  }

  private readonly match: CopyMatch = {
    changes: [],
    mode: 'dr',
    realServerIp: -1,
    originalFrame: 0,
    originalCapture: 0,
    originalLeg: -1,
    vip: -1,
    port: -1,
    proto: -1,
  };

  /** Fills the matcher's one CopyMatch (valid until the next offer); allocates only for a difference. */
  private compare(row: number, f: DecodedFrame, copy: PacketFacts, tunnel: boolean): CopyMatch {
    const ring = this.ring;
    const book = this.book;
    const m = this.match;
    const oIpDst = ring.ipDst[row]!;
    const oDstPort = ring.dstPort[row]!;
    const oIpId = ring.ipId[row]!;
    const oTtl = ring.ttl[row]!;
    m.originalFrame = ring.frameNumber[row]!;
    m.originalCapture = ring.capture[row]!;
    const leg = ring.leg[row]!;
    m.originalLeg = this.legs.generationOf(leg) === ring.legGeneration[row] ? leg : -1;
    m.vip = oIpDst;
    m.port = oDstPort;
    m.proto = ring.proto[row]!;
    m.mode = 'dr';
    m.realServerIp = -1;
    m.changes = NO_CHANGES;
    const ttlDrop = oTtl - copy.ttl;
    const comparable = copy.capturedLength === ring.capturedLength[row];
    // The hashes are stored as int32: compare them the same way.
    const sameHeader = (copy.headerHash | 0) === ring.headerHash[row];
    const sameL4 = (copy.l4Hash | 0) === ring.l4Hash[row];
    const clean =
      !tunnel &&
      copy.ipDst === oIpDst &&
      copy.dstPort === oDstPort &&
      copy.ipId === oIpId &&
      (ttlDrop === 0 || ttlDrop === 1) &&
      sameHeader &&
      (!comparable || sameL4);
    if (clean) return m;
    const changes: string[] = [];
    let mode: CopyMatch['mode'] = 'dr';
    if (tunnel) {
      mode = 'tunnel';
      m.realServerIp = f.ipDst;
      changes.push(`outer IP header added (${book.format(f.ipSrc)} -> ${book.format(f.ipDst)})`);
    }
    if (copy.ipDst !== oIpDst) {
      changes.push(`destination IP ${book.format(oIpDst)} -> ${book.format(copy.ipDst)}`);
      if (mode === 'dr') {
        mode = 'nat';
        m.realServerIp = copy.ipDst;
      }
    }
    if (copy.dstPort !== oDstPort) {
      changes.push(`destination port ${oDstPort} -> ${copy.dstPort}`);
      if (mode === 'dr') mode = 'nat';
    }
    if (copy.ipId !== oIpId) changes.push(`IP id ${oIpId} -> ${copy.ipId}`);
    if (ttlDrop !== 0 && ttlDrop !== 1) changes.push(`TTL ${oTtl} -> ${copy.ttl}`);
    if (!sameHeader) changes.push('IP header fields (TOS, length, flags or options)');
    if (comparable && !sameL4 && mode === 'dr') changes.push('L4 header or payload');
    if (changes.length > 0 && mode === 'dr') mode = 'modified';
    m.mode = mode;
    m.changes = changes;
    return m;
  }
}

const NO_CHANGES: string[] = [];
