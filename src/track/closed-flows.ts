/**
 * Connections that closed (FIN both ways or a RST) and were judged and released. Their late
 * frames must not start a new flow: a real server that never saw the client's FIN (the
 * director stopped forwarding: `ipvsadm -d`, a failover) keeps retransmitting to the client for
 * minutes, and a director's RST for a connection it lost makes the client give up while the RS
 * carries on. Without this, one connection was reported as two flows.
 *
 * A direct-mapped table of fixed size: a new entry overwrites whatever shared its slot, so at
 * worst a late frame starts a flow of its own again (as before), and memory stays fixed.
 */
import { endpointHash, high32, low32 } from './flow-state.js';

/** Slots (a power of two): 32 bytes each. */
const SLOTS = 1 << 16;
/** A closed connection's late frames are recognised this long (Linux retransmits for ~15 minutes). */
export const CLOSED_MEMORY_SECONDS = 900;

export class ClosedFlows {
  /** Per slot: client ip low/high, server ip low/high, client port, server port | proto << 16. */
  private readonly keys = new Int32Array(SLOTS * 6);
  private readonly times = new Float64Array(SLOTS).fill(-Infinity);

  add(proto: number, clientIp: number, clientPort: number, serverIp: number, serverPort: number, time: number): void {
    const slot = this.slotOf(proto, clientIp, clientPort);
    const k = this.keys;
    const base = slot * 6;
    k[base] = low32(clientIp);
    k[base + 1] = high32(clientIp);
    k[base + 2] = low32(serverIp);
    k[base + 3] = high32(serverIp);
    k[base + 4] = clientPort;
    k[base + 5] = serverPort | (proto << 16);
    this.times[slot] = time;
  }

  /** Whether the connection closed and was released less than CLOSED_MEMORY_SECONDS before `time`. */
  has(proto: number, clientIp: number, clientPort: number, serverIp: number, serverPort: number, time: number): boolean {
    const slot = this.slotOf(proto, clientIp, clientPort);
    if (time - this.times[slot]! > CLOSED_MEMORY_SECONDS) return false;
    const k = this.keys;
    const base = slot * 6;
    return (
      k[base] === low32(clientIp) &&
      k[base + 1] === high32(clientIp) &&
      k[base + 2] === low32(serverIp) &&
      k[base + 3] === high32(serverIp) &&
      k[base + 4] === clientPort &&
      k[base + 5] === (serverPort | (proto << 16))
    );
  }

  private slotOf(proto: number, clientIp: number, clientPort: number): number {
    return endpointHash(proto, low32(clientIp), high32(clientIp), clientPort) & (SLOTS - 1);
  }
}
