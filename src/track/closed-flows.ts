/**
 * Connections that closed (FIN both ways or a RST) and were judged and released. Their late
 * frames must not start a new flow: a real server that never saw the client's FIN (the
 * director stopped forwarding: `ipvsadm -d`, a failover) keeps retransmitting to the client for
 * minutes, and a director's RST for a connection it lost makes the client give up while the RS
 * carries on. Without this, one connection was reported as two flows.
 *
 * A direct-mapped table of fixed size: a new entry overwrites whatever shared its slot, so at
 * worst a late frame starts a flow of its own (as it would without this table), and memory
 * stays fixed.
 */
import { endpointHash, type Flow } from './flow-state.js';

/** Slots (a power of two): 32 bytes each. */
const SLOTS = 1 << 16;
/** A closed connection's late frames are recognised this long (Linux retransmits for ~15 minutes). */
export const CLOSED_MEMORY_SECONDS = 900;

/**
 * A frame's endpoints as int32 parts (see low32 in flow-state.ts), the frame's time, and
 * which end is the client: passed as one object, since 32-bit addresses and fractional times
 * as arguments would be boxed on every call.
 */
export interface ClosedFlowQuery {
  readonly proto: number;
  readonly srcIpLo: number;
  readonly srcIpHi: number;
  readonly dstIpLo: number;
  readonly dstIpHi: number;
  readonly srcPort: number;
  readonly dstPort: number;
}

export class ClosedFlows {
  /** Per slot: client ip low/high, server ip low/high, client port, server port | proto << 16. */
  private readonly keys = new Int32Array(SLOTS * 6);
  private readonly times = new Float64Array(SLOTS).fill(-Infinity);

  /** Remembers a flow that closed; `flow.lastTime` is when. */
  add(flow: Flow): void {
    const slot = endpointHash(flow.proto, flow.clientIpLo, flow.clientIpHi, flow.clientPort) & (SLOTS - 1);
    const k = this.keys;
    const base = slot * 6;
    k[base] = flow.clientIpLo;
    k[base + 1] = flow.clientIpHi;
    k[base + 2] = flow.serverIpLo;
    k[base + 3] = flow.serverIpHi;
    k[base + 4] = flow.clientPort;
    k[base + 5] = flow.serverPort | (flow.proto << 16);
    this.times[slot] = flow.lastTime;
  }

  /**
   * Whether the frame `q` (its source the client when `fromClient`) belongs to a connection
   * that closed and was released less than CLOSED_MEMORY_SECONDS before `now`.
   */
  has(q: ClosedFlowQuery, fromClient: boolean, now: number): boolean {
    const cLo = fromClient ? q.srcIpLo : q.dstIpLo;
    const cHi = fromClient ? q.srcIpHi : q.dstIpHi;
    const cPort = fromClient ? q.srcPort : q.dstPort;
    const slot = endpointHash(q.proto, cLo, cHi, cPort) & (SLOTS - 1);
    if (now - this.times[slot]! > CLOSED_MEMORY_SECONDS) return false;
    const k = this.keys;
    const base = slot * 6;
    return (
      k[base] === cLo &&
      k[base + 1] === cHi &&
      k[base + 2] === (fromClient ? q.dstIpLo : q.srcIpLo) &&
      k[base + 3] === (fromClient ? q.dstIpHi : q.srcIpHi) &&
      k[base + 4] === cPort &&
      k[base + 5] === ((fromClient ? q.dstPort : q.srcPort) | (q.proto << 16))
    );
  }
}
