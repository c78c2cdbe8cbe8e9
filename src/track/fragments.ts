/**
 * Which flow a later IPv4 fragment belongs to. Only the first fragment of a fragmented packet
 * carries the TCP/UDP header; the rest share its source, destination, protocol and IP id.
 * The first fragment's ports are remembered under those four values, and a later fragment
 * takes them, as a reassembler would, so a fragmented datagram (DNS or syslog over UDP, say)
 * counts in its flow, and a director's copies of it are paired with their originals.
 *
 * A direct-mapped table of typed-array columns: fragmented packets in flight at once are few,
 * a collision only forgets the older one, and nothing is allocated per frame. A fragment that
 * arrives before its first fragment (some stacks send the last first) is not attributed.
 */

/** Slots of the table; a power of two. */
const SLOTS = 4096;
/** How long a first fragment's ports are kept: Linux's ipfrag_time default. */
export const FRAGMENT_SECONDS = 30;

export class FragmentTracker {
  private readonly srcIp = new Float64Array(SLOTS);
  private readonly dstIp = new Float64Array(SLOTS);
  private readonly time = new Float64Array(SLOTS).fill(-Infinity);
  /** IP id + 1 (0: empty slot) and protocol, packed: id << 8 | proto. */
  private readonly idProto = new Int32Array(SLOTS);
  private readonly srcPort = new Int32Array(SLOTS);
  private readonly dstPort = new Int32Array(SLOTS);
  /** The ports the last successful find() gave. */
  foundSrcPort = -1;
  foundDstPort = -1;

  /** Remembers the ports of a first fragment (MF set, offset 0). */
  remember(srcIp: number, dstIp: number, id: number, proto: number, srcPort: number, dstPort: number, now: number): void {
    const slot = slotOf(srcIp, dstIp, id, proto);
    this.srcIp[slot] = srcIp;
    this.dstIp[slot] = dstIp;
    this.idProto[slot] = ((id + 1) << 8) | proto;
    this.srcPort[slot] = srcPort;
    this.dstPort[slot] = dstPort;
    this.time[slot] = now;
  }

  /** Whether a later fragment's first fragment was seen; its ports are then in foundSrcPort/foundDstPort. */
  find(srcIp: number, dstIp: number, id: number, proto: number, now: number): boolean {
    const slot = slotOf(srcIp, dstIp, id, proto);
    if (
      this.idProto[slot] !== (((id + 1) << 8) | proto) ||
      this.srcIp[slot] !== srcIp ||
      this.dstIp[slot] !== dstIp ||
      now - this.time[slot]! > FRAGMENT_SECONDS
    ) {
      return false;
    }
    this.foundSrcPort = this.srcPort[slot]!;
    this.foundDstPort = this.dstPort[slot]!;
    return true;
  }
}

function slotOf(srcIp: number, dstIp: number, id: number, proto: number): number {
  let h = Math.imul(srcIp | 0, 0x9e3779b1);
  h = Math.imul(h ^ (dstIp | 0), 0x85ebca77);
  h = Math.imul(h ^ id ^ (proto << 16), 0xc2b2ae3d);
  return (h ^ (h >>> 15)) & (SLOTS - 1);
}
