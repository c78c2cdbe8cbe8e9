/**
 * The frames behind the HTML report's ladder diagrams. CheckResult names flows and evidence
 * frames but keeps no per-frame detail (a 1M-frame capture would not fit in it), so the ladders
 * come from a second, targeted pass over the capture files: every frame is decoded again and
 * only those of the failing flows the report draws are kept, a bounded number per flow.
 * The result is plain data (JSON-serialisable), so it can be stored or shipped with the report.
 */
import { readCapture } from '../capture/read.js';
import type { CaptureRecord } from '../capture/record.js';
import { decodeFrame } from '../decode/decoder.js';
import { formatIpv4, formatIpv6, formatMac, formatTcpFlags } from '../decode/format.js';
import { DecodedFrame, Encapsulation } from '../decode/frame.js';
import type { CheckResult, FlowKey, FlowReport } from '../result/result.js';

/** Failing flows that get a ladder; the report counts the rest. */
export const MAX_LADDERS = 50;

export interface LadderFrame {
  /** Index into CheckResult.captures. */
  capture: number;
  /** 1-based frame number, as Wireshark numbers it. */
  frame: number;
  /** Seconds since the epoch, decimal string with full precision (as FlowReport.start). */
  time: string;
  srcMac?: string;
  dstMac?: string;
  /** For a tunnelled director copy: the inner (client) packet's addresses. */
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  /** "SYN,ACK"; absent for UDP. */
  tcpFlags?: string;
  /** Bytes on the wire. */
  length: number;
  /** Outer addresses of a tunnelled (IP-in-IP, GRE, GUE) director copy. */
  tunnel?: { srcIp: string; dstIp: string };
  /** The same packet as seen by other captures (several vantage points), drawn once. */
  alsoIn?: { capture: number; frame: number }[];
}

export interface FlowLadder {
  flow: FlowKey;
  /** In time order (several captures interleaved), the flow's evidence frames always included. */
  frames: LadderFrame[];
  /** Frames of the flow that matched but were not kept (beyond maxFramesPerFlow). */
  omitted: number;
}

export interface LadderData {
  maxFramesPerFlow: number;
  /** By ladderKey(flow). */
  flows: Record<string, FlowLadder>;
  /** Why some or all ladders could not be collected (a capture read from stdin). */
  unavailable?: string;
}

/** One string per flow, the same on both sides (collector and report). */
export function ladderKey(f: FlowKey): string {
  return `${f.proto} ${f.client.ip} ${f.client.port} ${f.vip.ip} ${f.vip.port}`;
}

/** The flows that get a ladder, in report order: the first MAX_LADDERS failing ones. */
export function ladderFlows(result: CheckResult, max = MAX_LADDERS): FlowReport[] {
  const out: FlowReport[] = [];
  for (const f of result.flows) {
    if (f.verdict !== 'fail') continue;
    if (out.length >= max) break;
    out.push(f);
  }
  return out;
}

interface Accumulator {
  ladder: FlowLadder;
  /** Frames kept per capture: each capture gets its own budget, so a second vantage point is not starved by the first. */
  kept: number[];
  /** "capture:frame" of the flow's evidence frames, kept past the budget. */
  evidence: Set<string>;
}

const PROTO_NUMBER = { tcp: 6, udp: 17 } as const;

/**
 * Reads the capture files again and keeps, for each failing flow that the report draws, up to
 * `maxFramesPerFlow` frames per capture: the client's packets and replies (client ip:port with
 * the service port, either direction, whatever the other address: VIP, or an RS IP after NAT),
 * and the director's copies, which carry the same addresses. The evidence frames of the flow's
 * findings are kept even past the limit, so the highlighted frame is always drawn.
 * `paths` are in CheckResult.captures order; '-' (stdin) cannot be read twice and is skipped.
 */
export async function collectLadders(paths: string[], result: CheckResult, maxFramesPerFlow = 40): Promise<LadderData> {
  const data: LadderData = { maxFramesPerFlow, flows: {} };
  const flows = ladderFlows(result);
  const stdin = paths.filter((p) => p === '-').length;
  if (stdin > 0) {
    data.unavailable =
      stdin === paths.length
        ? 'ladders need a capture file: the capture was read from stdin, which cannot be read a second time'
        : 'frames from stdin are missing from the ladders: stdin cannot be read a second time';
  }
  if (flows.length === 0 || stdin === paths.length) return data;

  const byKey = new Map<string, Accumulator>();
  // Port sets are a cheap first test that spares almost every unrelated frame a string key.
  const clientPorts = new Set<number>();
  const servicePorts = new Set<number>();
  for (const f of flows) {
    const evidence = new Set<string>();
    for (const i of f.findings) {
      const ref = result.findings[i]?.frames[0];
      if (ref) evidence.add(`${ref.capture}:${ref.frame}`);
    }
    const ladder: FlowLadder = { flow: { client: f.client, vip: f.vip, proto: f.proto }, frames: [], omitted: 0 };
    data.flows[ladderKey(f)] = ladder;
    byKey.set(matchKey(PROTO_NUMBER[f.proto], f.client.ip, f.client.port, f.vip.port), { ladder, kept: [], evidence });
    clientPorts.add(f.client.port);
    servicePorts.add(f.vip.port);
  }

  const frame = new DecodedFrame();
  for (let capture = 0; capture < paths.length; capture++) {
    const path = paths[capture]!;
    if (path === '-') continue;
    const sink = {
      onRecord(rec: CaptureRecord): void {
        decodeFrame(rec, frame);
        take(frame, capture, byKey, clientPorts, servicePorts, maxFramesPerFlow);
      },
      onIssue(): void {},
    };
    await readCapture(path, sink);
  }

  for (const acc of byKey.values()) {
    const l = acc.ladder;
    l.frames.sort((a, b) => compareTime(a.time, b.time) || a.capture - b.capture || a.frame - b.frame);
    if (paths.length > 1) l.frames = mergeDuplicates(l.frames, acc.evidence);
    if (l.frames.length > maxFramesPerFlow) {
      // Several captures each filled their budget: keep the earliest frames and the evidence.
      const kept = l.frames.filter((x, i) => i < maxFramesPerFlow || acc.evidence.has(`${x.capture}:${x.frame}`));
      l.omitted += l.frames.length - kept.length;
      l.frames = kept;
    }
  }
  return data;
}

function matchKey(proto: number, clientIp: string, clientPort: number, servicePort: number): string {
  return `${proto} ${clientIp} ${clientPort} ${servicePort}`;
}

function take(
  f: DecodedFrame,
  capture: number,
  byKey: Map<string, Accumulator>,
  clientPorts: Set<number>,
  servicePorts: Set<number>,
  max: number,
): void {
  // A tunnelled copy carries the client's packet inside: match on the inner header.
  const inner = f.encapsulation !== Encapsulation.None && f.innerIpVersion === 4 && f.innerSrcPort >= 0;
  const proto = inner ? f.innerIpProto : f.ipProto;
  if (proto !== 6 && proto !== 17) return;
  const sp = inner ? f.innerSrcPort : f.srcPort;
  const dp = inner ? f.innerDstPort : f.dstPort;
  if (sp < 0 || dp < 0) return;
  const forward = clientPorts.has(sp) && servicePorts.has(dp);
  const backward = clientPorts.has(dp) && servicePorts.has(sp);
  if (!forward && !backward) return;

  let srcIp: string;
  let dstIp: string;
  if (inner) {
    srcIp = formatIpv4(f.innerIpSrc);
    dstIp = formatIpv4(f.innerIpDst);
  } else if (f.ipVersion === 4) {
    srcIp = formatIpv4(f.ipSrc);
    dstIp = formatIpv4(f.ipDst);
  } else if (f.ipVersion === 6) {
    srcIp = formatIpv6(f.ip6Src);
    dstIp = formatIpv6(f.ip6Dst);
  } else {
    return;
  }
  const acc = (forward ? byKey.get(matchKey(proto, srcIp, sp, dp)) : undefined) ?? (backward ? byKey.get(matchKey(proto, dstIp, dp, sp)) : undefined);
  if (!acc) return;

  const kept = acc.kept[capture] ?? 0;
  if (kept >= max && !acc.evidence.has(`${capture}:${f.frameNumber}`)) {
    acc.ladder.omitted++;
    return;
  }
  acc.kept[capture] = kept + 1;
  const x: LadderFrame = {
    capture,
    frame: f.frameNumber,
    time: `${f.tsSeconds}.${String(f.tsNanos).padStart(9, '0')}`,
    srcIp,
    dstIp,
    srcPort: sp,
    dstPort: dp,
    length: f.originalLength,
  };
  if (f.ethSrc >= 0) x.srcMac = formatMac(f.ethSrc);
  if (f.ethDst >= 0) x.dstMac = formatMac(f.ethDst);
  if (!inner && f.tcpFlags >= 0) x.tcpFlags = formatTcpFlags(f.tcpFlags);
  if (inner) x.tunnel = { srcIp: formatIpv4(f.ipSrc), dstIp: formatIpv4(f.ipDst) };
  acc.ladder.frames.push(x);
}

/** Seconds and nanoseconds of an epoch decimal string, exact (a double cannot hold ns at 1.7e9 s). */
export function splitTime(t: string): [number, number] {
  const dot = t.indexOf('.');
  if (dot < 0) return [Number(t) || 0, 0];
  const frac = t.slice(dot + 1, dot + 10).padEnd(9, '0');
  return [Number(t.slice(0, dot)) || 0, Number(frac) || 0];
}

/** Nanoseconds from `a` to `b` (exact below ~104 days). */
export function nanosBetween(a: string, b: string): number {
  const [as, an] = splitTime(a);
  const [bs, bn] = splitTime(b);
  return (bs - as) * 1e9 + (bn - an);
}

function compareTime(a: string, b: string): number {
  return nanosBetween(b, a);
}

/** Two vantage points' copies of one packet lie this close in time (same clock in a lab; NTP elsewhere). */
const DUPLICATE_WINDOW_NS = 10e6;

/**
 * One arrow per packet: a frame identical (addresses, ports, flags, length) to one of another
 * capture within DUPLICATE_WINDOW_NS is the same packet seen twice. The evidence frame wins, so
 * the highlighted frame keeps the number the finding cites.
 */
function mergeDuplicates(frames: LadderFrame[], evidence: Set<string>): LadderFrame[] {
  const out: LadderFrame[] = [];
  const same = (a: LadderFrame, b: LadderFrame): boolean =>
    a.capture !== b.capture &&
    a.srcMac === b.srcMac &&
    a.dstMac === b.dstMac &&
    a.srcIp === b.srcIp &&
    a.dstIp === b.dstIp &&
    a.srcPort === b.srcPort &&
    a.dstPort === b.dstPort &&
    a.tcpFlags === b.tcpFlags &&
    a.length === b.length;
  for (const x of frames) {
    let twin = -1;
    for (let i = out.length - 1; i >= 0; i--) {
      const o = out[i]!;
      if (nanosBetween(o.time, x.time) > DUPLICATE_WINDOW_NS) break;
      if (same(o, x) && !(o.alsoIn ?? []).some((r) => r.capture === x.capture)) {
        twin = i;
        break;
      }
    }
    if (twin < 0) {
      out.push(x);
      continue;
    }
    const o = out[twin]!;
    if (evidence.has(`${x.capture}:${x.frame}`) && !evidence.has(`${o.capture}:${o.frame}`)) {
      const { alsoIn, ...rest } = o;
      out[twin] = { ...x, alsoIn: [...(alsoIn ?? []), { capture: rest.capture, frame: rest.frame }] };
    } else {
      o.alsoIn = [...(o.alsoIn ?? []), { capture: x.capture, frame: x.frame }];
    }
  }
  return out;
}
