/**
 * Per real server, what its judged connections showed of its health: handshake times (as a
 * histogram), segments and retransmissions each way, its RSTs and zero windows, connections it
 * never answered. Fed once per judged flow from the numbers the pass kept in the Flow; memory
 * is a fixed amount per real server whatever the length of the capture.
 */
import type { Flow } from '../track/flow-state.js';
import type { FrameRef, RealServerHealth } from '../result/result.js';
import type { RealServerHealthView } from '../result/views.js';
import { bucketMillis, HANDSHAKE_BUCKETS, handshakeBucket, quantileBucket } from '../result/health.js';

/** Retransmission frames kept per real server as evidence: each from another connection. */
export const MAX_RETRANSMIT_FRAMES = 10;

class Accumulator {
  connections = 0;
  unanswered = 0;
  handshakes = 0;
  readonly buckets = new Uint32Array(HANDSHAKE_BUCKETS);
  slowestMicros = -1;
  slowestSyn: FrameRef | null = null;
  slowestSynAck: FrameRef | null = null;
  segmentsToServer = 0;
  segmentsFromServer = 0;
  retransmittedToServer = 0;
  retransmittedFromServer = 0;
  /** The earliest first-retransmissions of its connections, in capture order (at most MAX_RETRANSMIT_FRAMES). */
  readonly retransmitFrames: FrameRef[] = [];
  resets = 0;
  zeroWindows = 0;

  add(flow: Flow, answered: boolean): void {
    this.connections++;
    if (!answered) this.unanswered++;
    const micros = flow.handshakeMicros;
    if (micros >= 0) {
      this.handshakes++;
      this.buckets[handshakeBucket(micros)]!++;
      const s = this.slowestSyn;
      const earlier = s !== null && (flow.synCapture < s.capture || (flow.synCapture === s.capture && flow.synFrame < s.frame));
      if (micros > this.slowestMicros || (micros === this.slowestMicros && earlier)) {
        this.slowestMicros = micros;
        this.slowestSyn = { capture: flow.synCapture, frame: flow.synFrame };
        this.slowestSynAck = { capture: flow.synAckCapture, frame: flow.synAckFrame };
      }
    }
    this.segmentsToServer += flow.requestSegments;
    this.segmentsFromServer += flow.replySegments;
    this.retransmittedToServer += flow.requestRetransmitted;
    this.retransmittedFromServer += flow.replyRetransmitted;
    this.resets += flow.serverResets;
    this.zeroWindows += flow.serverZeroWindows;
    if (flow.firstRetransmitCapture >= 0) this.keepRetransmit({ capture: flow.firstRetransmitCapture, frame: flow.firstRetransmitFrame });
  }

  /** Flows are judged in the order they end, not begin: keep the earliest frames, sorted. */
  private keepRetransmit(ref: FrameRef): void {
    const list = this.retransmitFrames;
    if (list.length === MAX_RETRANSMIT_FRAMES && !before(ref, list[list.length - 1]!)) return;
    let i = list.length;
    while (i > 0 && before(ref, list[i - 1]!)) i--;
    list.splice(i, 0, ref);
    if (list.length > MAX_RETRANSMIT_FRAMES) list.pop();
  }
}

function before(a: FrameRef, b: FrameRef): boolean {
  return a.capture < b.capture || (a.capture === b.capture && a.frame < b.frame);
}

export class HealthTracker {
  private readonly byMac = new Map<string, Accumulator>();

  /** A judged flow of real server `rsMac`; `answered`: the server side sent something (or could not be seen to). */
  add(rsMac: string, flow: Flow, answered: boolean): void {
    let acc = this.byMac.get(rsMac);
    if (acc === undefined) {
      acc = new Accumulator();
      this.byMac.set(rsMac, acc);
    }
    acc.add(flow, answered);
  }

  has(rsMac: string): boolean {
    return this.byMac.has(rsMac);
  }

  /** The rules' view of every real server seen, with its IP when known. */
  views(ipOf: (mac: string) => string | undefined): RealServerHealthView[] {
    const out: RealServerHealthView[] = [];
    for (const [mac, a] of this.byMac) {
      out.push({
        mac,
        ip: ipOf(mac),
        connections: a.connections,
        unanswered: a.unanswered,
        handshakes: a.handshakes,
        handshakeBuckets: a.buckets,
        slowest:
          a.slowestSyn !== null && a.slowestSynAck !== null ? { micros: a.slowestMicros, syn: a.slowestSyn, synAck: a.slowestSynAck } : undefined,
        segmentsToServer: a.segmentsToServer,
        segmentsFromServer: a.segmentsFromServer,
        retransmittedToServer: a.retransmittedToServer,
        retransmittedFromServer: a.retransmittedFromServer,
        retransmitFrames: a.retransmitFrames,
        resets: a.resets,
        zeroWindows: a.zeroWindows,
      });
    }
    return out;
  }

  /** The report's numbers for one real server, or undefined when no connection reached it. */
  report(rsMac: string): RealServerHealth | undefined {
    const a = this.byMac.get(rsMac);
    if (a === undefined) return undefined;
    const segments = a.segmentsToServer + a.segmentsFromServer;
    const retransmitted = a.retransmittedToServer + a.retransmittedFromServer;
    return {
      connections: a.connections,
      unanswered: a.unanswered,
      handshakes: a.handshakes,
      // A bucket's middle may lie past the slowest time in it: never show more than the slowest.
      handshakeMs:
        a.handshakes > 0
          ? {
              median: round3(Math.min(bucketMillis(quantileBucket(a.buckets, 0.5)), a.slowestMicros / 1000)),
              p90: round3(Math.min(bucketMillis(quantileBucket(a.buckets, 0.9)), a.slowestMicros / 1000)),
              max: round3(a.slowestMicros / 1000),
            }
          : null,
      slowestHandshake: a.slowestSyn !== null && a.slowestSynAck !== null ? { syn: a.slowestSyn, synAck: a.slowestSynAck } : null,
      segmentsToServer: a.segmentsToServer,
      segmentsFromServer: a.segmentsFromServer,
      retransmittedToServer: a.retransmittedToServer,
      retransmittedFromServer: a.retransmittedFromServer,
      retransmissionRate: segments > 0 ? Math.round((retransmitted / segments) * 1e4) / 1e4 : 0,
      resets: a.resets,
      zeroWindows: a.zeroWindows,
    };
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
