/**
 * The single streaming pass over decoded frames. Frames become facts (an address claim, a
 * request or reply leg of a flow, a director copy); flows keep compact state. Once the
 * analysis has settled (enough frames, and the topology given or shown by director copies),
 * a flow that has ended (FIN both ways or RST, plus a grace period; or idle) is judged and
 * released, so memory follows the open flows, not the frames. Everything left is judged
 * when the input ends, with the topology resolved from the whole capture.
 */
import type { DecodedFrame } from '../decode/frame.js';
import { Encapsulation, SllPacketType, TcpFlag } from '../decode/frame.js';
import { ETHERTYPE_RARP } from '../decode/ethernet.js';
import { AddressBook } from '../track/addresses.js';
import { ClaimLog } from '../track/claims.js';
import { ClosedFlows } from '../track/closed-flows.js';
import { CopyMatcher } from '../track/copy-matcher.js';
import type { CopyEvidence, CopyMatch } from '../track/copy-matcher.js';
import { Direction, Flow, FlowPool, FlowTable, high32, low32 } from '../track/flow-state.js';
import { LegTable } from '../track/leg-table.js';
import type { GivenTopology } from '../topology/topology.js';
import { VantageCounter } from '../infer/vantage.js';
import { formatMac } from '../decode/format.js';
import { Judge, type JudgeOptions, type Judgement } from '../judge/judge.js';
import { PathBook } from '../infer/paths.js';
import { SolicitationLog } from '../track/solicitations.js';
import { FragmentTracker } from '../track/fragments.js';
import { VrrpLog } from '../track/vrrp.js';

/** Frames before early judging may start: enough for the topology and vantage points to show. */
const SETTLE_FRAMES = 20_000;
/** Past this many frames judging starts even without director copies or a given topology. */
const SETTLE_FRAMES_ANYWAY = 500_000;
/** A closed TCP flow is released this long after its last frame (late ACKs, retransmissions). */
const CLOSE_GRACE_SECONDS = 2;
/** Handshake times are kept in an int32: longer ones (35 minutes) count as this. */
const MAX_HANDSHAKE_MICROS = 0x7fffffff;
/** Idle flows are released after this long (IPVS's own defaults are 900 s TCP, 300 s UDP). */
const IDLE_TCP_SECONDS = 900;
const IDLE_UDP_SECONDS = 300;
/**
 * Default bound of the flow table (--max-flows): far above the open flows of a DR segment's
 * capture, and it keeps a SYN flood (every frame a new flow) to a few hundred MB.
 */
export const DEFAULT_MAX_FLOWS = 250_000;

/** The judge's options (rules, labels, onFinding, passingFlows), handed on as they are, and the pass's own. */
export interface AnalyzerOptions extends JudgeOptions {
  maxFlows?: number;
  /** Judge flows as soon as the topology is known (live use), not after SETTLE_FRAMES. */
  eager?: boolean;
  /**
   * Live use: a new connection the director forwarded, as soon as its copy is seen (a SYN's,
   * or a UDP client ip:port's first datagram): the VIP, its port, the protocol, the RS MAC.
   */
  onConnection?: (vip: string, port: number, proto: 'tcp' | 'udp', rsMac: string) => void;
}

/** Live use: frame times remembered per capture, for the time of a finding's frame (a power of two). */
const FRAME_TIMES = 1 << 20;
/** Live use: the topology is worked out again at most this often (wall-clock ms) when its evidence grew. */
const LIVE_REFRESH_MS = 1000;

export interface CaptureState {
  frames: number;
  firstTime: number;
  lastTime: number;
  readonly vantage: VantageCounter;
}

/**
 * The endpoints of the frame being analysed. Filled once per frame and handed around as one
 * object: 32-bit addresses above 2^31 and 48-bit MACs are not small integers, so passing them
 * as arguments to a call V8 does not inline would allocate a heap number for each, per frame.
 */
class FrameEndpoints {
  proto = 0;
  srcIp = -1;
  dstIp = -1;
  srcPort = -1;
  dstPort = -1;
  srcMac = -1;
  dstMac = -1;
  outgoing = false;
  // The same addresses as int32 parts, for the lookups (see low32).
  srcIpLo = -1;
  srcIpHi = -1;
  dstIpLo = -1;
  dstIpHi = -1;
  srcMacLo = -1;
  srcMacHi = -1;
  dstMacLo = -1;
  dstMacHi = -1;

  /** Fills the int32 parts from the address fields. */
  split(): void {
    this.srcIpLo = low32(this.srcIp);
    this.srcIpHi = high32(this.srcIp);
    this.dstIpLo = low32(this.dstIp);
    this.dstIpHi = high32(this.dstIp);
    this.srcMacLo = low32(this.srcMac);
    this.srcMacHi = high32(this.srcMac);
    this.dstMacLo = low32(this.dstMac);
    this.dstMacHi = high32(this.dstMac);
  }
}

export class Analyzer {
  readonly book = new AddressBook();
  readonly claims: ClaimLog;
  readonly solicitations: SolicitationLog;
  readonly vrrp = new VrrpLog(this.book);
  /**
   * Given real-server IPs without a MAC, and the first MAC seen sending from each (-1 until
   * then): ipvsadm output names RS by IP only, and its frames tie each to its MAC.
   */
  readonly realServerIpSenders = new Map<number, number>();
  private readonly unresolvedRsIps: number[] = [];
  private readonly closed = new ClosedFlows();
  /** Few entries (services x directors x RS): a list beats a map with built keys. */
  readonly copies: CopyEvidence[] = [];
  readonly captures: CaptureState[] = [];
  readonly weirds = new Map<string, number>();
  readonly unsupportedLinks = new Map<number, number>();
  /** Open TCP/UDP conversations, by client endpoint. */
  readonly flows = new FlowTable();
  private readonly pool = new FlowPool();
  /** The legs of the open flows. */
  private readonly legs = new LegTable();
  readonly paths = new PathBook();
  private readonly fragments = new FragmentTracker();
  liveFlows = 0;
  evictedFlows = 0;
  frames = 0;
  private readonly matcher: CopyMatcher;
  private readonly givenVipPorts: { ip: number; port: number; proto: number }[] = [];
  private judge: Judge | null = null;
  /**
   * Flows are judged as they end. Watching live, the judge exists before that (it runs the
   * address rules on the claims as they come) while flows wait for the topology to show.
   */
  private judgingFlows = false;
  /** Live use: the times of the last FRAME_TIMES frames of each capture, by frame number. */
  private frameTimes: Float64Array[] | null = null;
  /** Live use: what the topology was last worked out from (see live()). */
  private liveEvidence = -1;
  private liveRefreshAt = -Infinity;
  private liveAddressVersion = -1;
  /** Texts of the VIPs and RS MACs of new connections (few), for onConnection. */
  private readonly connectionTexts = new Map<number, string>();
  /** Flows that ended before the analysis settled, waiting to be judged. */
  private ended: Flow[] = [];
  private nextSweepTime = -Infinity;
  private framesAtSweep = 0;
  private readonly maxFlows: number;
  private readonly ends = new FrameEndpoints();
  /** Time of the frame being analysed (see seeNow). */
  private now = 0;

  constructor(
    readonly given: GivenTopology,
    private readonly options: AnalyzerOptions,
  ) {
    this.maxFlows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
    // Live, the claims and duplicate answers kept are the latest, not the first.
    this.claims = new ClaimLog(options.eager === true);
    this.solicitations = new SolicitationLog(options.eager === true);
    this.matcher = new CopyMatcher(this.book, this.legs);
    for (const s of given.services) {
      if (s.fwmark !== undefined && s.vip === '') continue;
      this.givenVipPorts.push({ ip: this.book.intern(s.vip), port: s.port ?? -1, proto: s.proto === 'udp' ? 17 : 6 });
    }
    for (const rs of given.realServers) {
      if (rs.mac !== undefined || rs.ip === undefined) continue;
      const ip = this.book.intern(rs.ip);
      if (this.realServerIpSenders.has(ip)) continue;
      this.realServerIpSenders.set(ip, -1);
      this.unresolvedRsIps.push(ip);
    }
  }

  addCapture(): number {
    this.captures.push({ frames: 0, firstTime: 0, lastTime: 0, vantage: new VantageCounter() });
    if (this.options.eager) (this.frameTimes ??= []).push(new Float64Array(FRAME_TIMES));
    return this.captures.length - 1;
  }

  /** Live use: the time of a recent frame (epoch seconds), NaN when it is too old to be remembered. */
  frameTime(capture: number, frame: number): number {
    const times = this.frameTimes?.[capture];
    const cap = this.captures[capture];
    if (times === undefined || cap === undefined || frame > cap.frames || cap.frames - frame >= FRAME_TIMES) return Number.NaN;
    return times[frame & (FRAME_TIMES - 1)]!;
  }

  /** Live use: each VIP's owner now, and the IP of a real server's MAC (from the judge's view of the topology). */
  vipOwners(): { vip: string; mac: string; role: 'director' | 'rs' | 'other' }[] {
    return this.judge?.owners() ?? [];
  }

  realServerIp(mac: string): string | undefined {
    return this.judge?.realServerIp(mac);
  }

  /** Flows open now (being followed), and the newest frame's time. */
  get openFlows(): number {
    return this.liveFlows;
  }

  get newestTime(): number {
    return this.captures.reduce((t, c) => Math.max(t, c.lastTime), 0);
  }

  /**
   * Live use, between chunks of input: works the topology out again when its evidence grew
   * (at most once a second), runs the address rules on new claims
   * and, once a health window has passed, compares the real servers. Findings reach onFinding.
   */
  live(): void {
    if (!this.options.eager || this.captures.length === 0) return;
    const now = this.newestTime;
    const wall = Date.now();
    const evidence = this.copies.length + this.claims.version + this.unresolvedRsIps.length * 1_000_003 + this.paths.paths.size * 7919;
    if (this.judge === null) {
      this.judge = new Judge(this, this.options);
      this.liveEvidence = evidence;
      this.liveRefreshAt = wall;
    } else if (evidence !== this.liveEvidence && wall - this.liveRefreshAt >= LIVE_REFRESH_MS) {
      this.liveEvidence = evidence;
      this.liveRefreshAt = wall;
      this.judge.refresh();
      // Roles may have changed (a real server known by its MAC now): the claims read otherwise.
      this.liveAddressVersion = -1;
    }
    const version = this.claims.version + this.solicitations.version;
    if (version !== this.liveAddressVersion) {
      this.liveAddressVersion = version;
      this.judge.preview(now);
    }
    if (this.judgingFlows) this.judge.previewHealth(now);
  }

  /** see() then analyse(), for a single capture. */
  processFrame(f: DecodedFrame, capture: number): void {
    this.now = f.tsSeconds + f.tsNanos / 1e9;
    if (this.seeNow(f, capture)) this.analyseNow(f, capture);
  }

  /**
   * Counts a frame for its capture (frames, anomalies, where the capture was taken). Returns
   * false when there is nothing to analyse. A frame another capture point already showed is
   * only seen, not analysed again.
   */
  see(f: DecodedFrame, capture: number, time: number): boolean {
    this.now = time;
    return this.seeNow(f, capture);
  }

  /** Turns a frame into facts: an address claim, a flow leg, a director copy. */
  analyse(f: DecodedFrame, capture: number, time: number): void {
    this.now = time;
    this.analyseNow(f, capture);
  }

  // The frame's time travels in `this.now`, not as an argument: a fractional number passed to
  // a call V8 does not inline is a new heap number, one per frame and call.

  private seeNow(f: DecodedFrame, capture: number): boolean {
    const time = this.now;
    this.frames++;
    const cap = this.captures[capture]!;
    if (cap.frames === 0) cap.firstTime = time;
    cap.frames++;
    cap.lastTime = time;
    if (this.frameTimes !== null) this.frameTimes[capture]![f.frameNumber & (FRAME_TIMES - 1)] = time;
    if (f.unsupportedLink) {
      this.unsupportedLinks.set(f.linkType, (this.unsupportedLinks.get(f.linkType) ?? 0) + 1);
      return false;
    }
    if (f.weird !== '') this.weirds.set(f.weird, (this.weirds.get(f.weird) ?? 0) + 1);
    cap.vantage.count(f);
    return true;
  }

  private analyseNow(f: DecodedFrame, capture: number): void {
    const time = this.now;
    this.matcher.now = time;
    this.legs.now = time;
    this.matcher.expire();
    if (time >= this.nextSweepTime && this.frames - this.framesAtSweep >= (this.liveFlows >> 2)) this.sweep(time);

    if (f.hasArp) {
      // RARP shares ARP's format but binds nothing in anyone's ARP cache.
      if (f.arpIsEthIpv4 && !f.malformed && f.etherType !== ETHERTYPE_RARP) this.arp(f, capture, time);
      return;
    }
    if (f.ndType === 136 || f.ndType === 135) {
      this.neighbor(f, capture, time);
      return;
    }
    if (f.ipVersion === 0 || f.malformed) return;
    if (f.vrrpVersion >= 0) {
      // Advertisements only (the one type VRRP defines), of the versions keepalived speaks.
      if (f.vrrpType === 1 && (f.vrrpVersion === 2 || f.vrrpVersion === 3)) this.vrrp.advert(f, capture, time);
      return;
    }
    if (this.solicitations.watchCount > 0 && f.ethSrc >= 0) this.sentAfterSolicitation(f, capture, time);
    if (this.unresolvedRsIps.length > 0 && f.ipVersion === 4 && f.ethSrc >= 0) this.noteRealServerSender(f);
    // A tunnelled copy carries the client's packet inside: the flow is the inner packet's.
    const tunnel = f.encapsulation === Encapsulation.IpInIp && f.innerIpVersion === 4 && f.innerSrcPort >= 0;
    const proto = tunnel ? f.innerIpProto : f.ipProto;
    if (proto !== 6 && proto !== 17) return;
    if (!tunnel && f.ipVersion === 4 && (f.ipMoreFragments || f.ipFragmentOffset > 0) && !this.fragment(f, time)) return;
    if (!tunnel && f.srcPort < 0) return;
    this.transport(f, capture, tunnel, proto);
  }

  /**
   * An IPv4 fragment: the first one's ports are remembered, and a later one takes them into
   * the frame (as reassembly would), so it counts in its flow and the copy matcher pairs the
   * director's copy of it. False for a later fragment whose first fragment was not seen.
   */
  private fragment(f: DecodedFrame, time: number): boolean {
    if (f.ipFragmentOffset === 0) {
      if (f.srcPort >= 0) this.fragments.remember(f.ipSrc, f.ipDst, f.ipId, f.ipProto, f.srcPort, f.dstPort, time);
      return true;
    }
    if (!this.fragments.find(f.ipSrc, f.ipDst, f.ipId, f.ipProto, time)) return false;
    f.srcPort = this.fragments.foundSrcPort;
    f.dstPort = this.fragments.foundDstPort;
    return true;
  }

  private arp(f: DecodedFrame, capture: number, time: number): void {
    // An all-zero sender IP is an ARP probe (RFC 5227): it claims nothing, but it asks.
    if (f.arpSenderMac < 0) return;
    if (f.arpOp === 1 && f.arpSenderIp !== f.arpTargetIp) {
      this.solicitations.request(f.arpTargetIp, f.arpSenderMac, f.arpSenderIp === 0 ? -1 : f.arpSenderIp, capture, f.frameNumber, time);
    }
    if (f.arpSenderIp === 0) return;
    if (f.arpOp === 2) {
      this.claims.add(f.arpSenderIp, f.arpSenderMac, 'arp-reply', capture, f.frameNumber, time, f.ethDst);
      // A reply goes to the requester; some stacks broadcast it, and then the target MAC names it.
      const to = f.ethDst >= 0 && !isGroupMac(f.ethDst) ? f.ethDst : f.arpTargetMac;
      if (to > 0) this.solicitations.answer(f.arpSenderIp, f.arpSenderMac, to, capture, f.frameNumber, time);
    } else if (f.arpOp === 1) {
      const kind = f.arpSenderIp === f.arpTargetIp ? 'arp-gratuitous' : 'arp-request';
      this.claims.add(f.arpSenderIp, f.arpSenderMac, kind, capture, f.frameNumber, time, f.ethDst);
    }
  }

  /** IPv6 Neighbor Solicitations (135) and Advertisements (136). */
  private neighbor(f: DecodedFrame, capture: number, time: number): void {
    const mac = f.ndLinkAddr >= 0 ? f.ndLinkAddr : f.ethSrc;
    if (mac < 0) return;
    const target = this.book.ipv6(f.ndTarget);
    if (f.ndType === 135) {
      // Duplicate address detection asks from the unspecified address: nobody answers it to the asker.
      if (f.ipVersion === 6) this.solicitations.request(target, mac, this.book.ipv6(f.ip6Src), capture, f.frameNumber, time);
      return;
    }
    this.claims.add(target, mac, 'na', capture, f.frameNumber, time, f.ethDst);
    if (f.ethDst >= 0 && !isGroupMac(f.ethDst)) this.solicitations.answer(target, mac, f.ethDst, capture, f.frameNumber, time);
  }

  /** The requester of a multiply-answered address shows which answer it kept by its next frame there. */
  private sentAfterSolicitation(f: DecodedFrame, capture: number, time: number): void {
    const log = this.solicitations;
    const dst = f.ipVersion === 4 ? f.ipDst : log.watchingIpv6 ? this.book.ipv6(f.ip6Dst) : -1;
    if (dst >= 0) log.sent(f.ethSrc, dst, f.ethDst, capture, f.frameNumber, time);
  }

  private noteRealServerSender(f: DecodedFrame): void {
    const ips = this.unresolvedRsIps;
    for (let i = 0; i < ips.length; i++) {
      if (ips[i] !== f.ipSrc) continue;
      this.realServerIpSenders.set(f.ipSrc, f.ethSrc);
      ips.splice(i, 1);
      return;
    }
  }

  private transport(f: DecodedFrame, capture: number, tunnel: boolean, proto: number): void {
    const time = this.now;
    const book = this.book;
    const e = this.ends;
    e.proto = proto;
    e.srcIp = tunnel ? f.innerIpSrc : f.ipVersion === 4 ? f.ipSrc : book.ipv6(f.ip6Src);
    e.dstIp = tunnel ? f.innerIpDst : f.ipVersion === 4 ? f.ipDst : book.ipv6(f.ip6Dst);
    e.srcPort = tunnel ? f.innerSrcPort : f.srcPort;
    e.dstPort = tunnel ? f.innerDstPort : f.dstPort;
    e.srcMac = f.ethSrc;
    e.dstMac = f.ethDst;
    e.outgoing = f.sllPacketType === SllPacketType.Outgoing;
    e.split();
    const flags = tunnel ? -1 : f.tcpFlags;

    // Is this the director's copy of a frame seen just before?
    const match = this.matcher.offer(f);
    let flow: Flow | null = null;
    let direction: 0 | 1 = Direction.Request;
    const original = match !== null ? this.legs.flowOf(match.originalLeg) : null;
    if (original !== null) {
      flow = original;
    } else {
      flow = this.findFlow(e, false);
      if (flow === null) {
        flow = this.findFlow(e, true);
        if (flow !== null) {
          direction = Direction.Reply;
        } else {
          const fromClient = this.initiatorIsSource(flags, e);
          // A late frame of a connection that closed and was judged already is not a new one.
          if (proto === 6 && (flags < 0 || (flags & (TcpFlag.SYN | TcpFlag.ACK)) !== TcpFlag.SYN)) {
            if (this.closed.has(e, fromClient, time)) return;
          }
          if (fromClient) {
            flow = this.newFlow(proto, e.srcIp, e.srcPort, e.dstIp, e.dstPort);
          } else {
            flow = this.newFlow(proto, e.dstIp, e.dstPort, e.srcIp, e.srcPort);
            direction = Direction.Reply;
          }
        }
      }
    }

    const legs = this.legs;
    const leg = legs.find(flow, direction, e);
    legs.seen(leg, f.frameNumber, capture);
    if (tunnel) legs.encapsulated(leg);
    if (flow.firstFrame === 0 && flow.lastFrame === 0) {
      flow.firstFrame = f.frameNumber;
      flow.firstCapture = capture;
      flow.firstTime = time;
    }
    flow.lastFrame = f.frameNumber;
    flow.lastCapture = capture;
    // The parts `time` was computed from (processFrame, and the merge in check.ts).
    flow.lastSeconds = f.tsSeconds;
    flow.lastNanos = f.tsNanos;

    if (flags >= 0) {
      if (flags & TcpFlag.RST) flow.sawRst = true;
      if (direction === Direction.Request) {
        if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) flow.sawSyn = true;
        if (flags & TcpFlag.FIN) flow.finFromClient = true;
      } else if (flags & TcpFlag.FIN) {
        flow.finFromServer = true;
      }
    }

    if (flags >= 0 && proto === 6) this.noteSegment(f, flow, direction, match !== null, flags, capture);

    if (match !== null) {
      legs.copied(leg);
      this.recordCopy(match, f, flow, capture);
      flow.requestCopied = true;
    } else if (direction === Direction.Request) {
      this.matcher.remember(f, capture, leg);
      this.noteRequest(f, flow, flags, tunnel);
    }
  }

  /**
   * The server side's health from one TCP segment: the handshake's time (from the SYN the
   * server could first answer to its SYN-ACK), segments sent again each way, the server's RSTs
   * and zero windows. A segment that ends at or before the highest sequence number already
   * seen that way is a retransmission (or arrived out of order, as a retransmission does
   * after a loss upstream of the capture). The director's copies, and another host relaying
   * the same segments, are left out: they repeat segments without anyone retransmitting.
   */
  private noteSegment(f: DecodedFrame, flow: Flow, direction: 0 | 1, copy: boolean, flags: number, capture: number): void {
    const sender = this.ends.srcMacLo;
    const length = (f.l4PayloadLength > 0 ? f.l4PayloadLength : 0) + (flags & TcpFlag.SYN ? 1 : 0) + (flags & TcpFlag.FIN ? 1 : 0);
    const end = (f.tcpSeq + length) | 0;
    if (direction === Direction.Request) {
      // The director's copy, or any SYN another host re-sent (a copy held back past the copy
      // window while the director waited for the real server's MAC is not paired as one).
      const resent = copy || (flow.requestSegments > 0 && sender !== flow.requestSender);
      if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN && flow.handshakeMicros < 0 && (flow.synCapture < 0 || (resent && !flow.synFromCopy))) {
        flow.synSeconds = f.tsSeconds;
        flow.synNanos = f.tsNanos;
        flow.synFrame = f.frameNumber;
        flow.synCapture = capture;
        flow.synFromCopy = resent;
      }
      if (copy || length === 0) return;
      if (flow.requestSegments === 0) {
        flow.requestSender = sender;
      } else if (flow.requestSender !== sender) {
        return;
      } else if (((end - flow.requestNextSeq) | 0) <= 0) {
        flow.requestSegments++;
        flow.requestRetransmitted++;
        this.noteRetransmit(flow, f.frameNumber, capture);
        return;
      }
      flow.requestSegments++;
      flow.requestNextSeq = end;
      return;
    }
    if (flow.replySegments > 0 && flow.replySender !== sender) return;
    if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK) && flow.handshakeMicros < 0 && flow.synCapture >= 0) {
      // Whole microseconds from the two frames' own parts: exact, and a small integer (a
      // bridge may record a frame a few microseconds before the one it answers: 0 then).
      const micros = (f.tsSeconds - flow.synSeconds) * 1_000_000 + Math.round((f.tsNanos - flow.synNanos) / 1000);
      flow.handshakeMicros = micros < 0 ? 0 : micros > MAX_HANDSHAKE_MICROS ? MAX_HANDSHAKE_MICROS : micros;
      flow.synAckFrame = f.frameNumber;
      flow.synAckCapture = capture;
    }
    if (flags & TcpFlag.RST) flow.serverResets++;
    else if (f.tcpWindow === 0) flow.serverZeroWindows++;
    if (length === 0) return;
    if (flow.replySegments === 0) {
      flow.replySender = sender;
    } else if (((end - flow.replyNextSeq) | 0) <= 0) {
      flow.replySegments++;
      flow.replyRetransmitted++;
      this.noteRetransmit(flow, f.frameNumber, capture);
      return;
    }
    flow.replySegments++;
    flow.replyNextSeq = end;
  }

  private noteRetransmit(flow: Flow, frame: number, capture: number): void {
    if (flow.firstRetransmitCapture >= 0) return;
    flow.firstRetransmitFrame = frame;
    flow.firstRetransmitCapture = capture;
  }

  /**
   * A request frame the same as the one before it is the client retransmitting: it got no
   * answer in time. If the director had forwarded the earlier one, the silence is the real
   * server's (no-reply), whatever the capture can see of the replies.
   */
  private noteRequest(f: DecodedFrame, flow: Flow, flags: number, tunnel: boolean): void {
    let signature: number;
    let length: number;
    if (flow.proto === 6 && !tunnel && flags >= 0) {
      if (flags & TcpFlag.ACK) flow.requestAcked = true;
      // The acknowledgement number too: a client's pure ACKs repeat its sequence number.
      signature = (f.tcpSeq ^ Math.imul(f.tcpAck, 0x85ebca77) ^ Math.imul(flags, 0x9e3779b1)) | 0;
      length = f.l4PayloadLength;
    } else if (flow.proto === 17 && this.matcher.lastRemembered !== null) {
      // The copy matcher has just read this datagram: its payload hash is in `ack`.
      signature = this.matcher.lastRemembered.ack | 0;
      length = this.matcher.lastRemembered.totalLength;
    } else {
      return;
    }
    if (signature === flow.requestSignature && length === flow.requestLength) {
      flow.retransmissions++;
      if (flow.requestCopied) flow.retransmittedAfterCopy++;
      this.matcher.markRetransmission();
    }
    flow.requestSignature = signature;
    flow.requestLength = length;
    flow.requestCopied = false;
  }

  private recordCopy(match: CopyMatch, f: DecodedFrame, flow: Flow, capture: number): void {
    const onConnection = this.options.onConnection;
    if (onConnection !== undefined && !flow.connectionAnnounced && (flow.proto === 17 || (f.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN)) {
      flow.connectionAnnounced = true;
      onConnection(this.connectionText(flow.serverIp, false), flow.serverPort, flow.proto === 17 ? 'udp' : 'tcp', this.connectionText(f.ethDst, true));
    }
    let ev: CopyEvidence | undefined;
    for (const c of this.copies) {
      if (c.vip === match.vip && c.port === match.port && c.proto === match.proto && c.directorMac === f.ethSrc && c.rsMac === f.ethDst) {
        ev = c;
        break;
      }
    }
    if (ev === undefined) {
      ev = {
        vip: match.vip,
        port: match.port,
        proto: match.proto,
        directorMac: f.ethSrc,
        rsMac: f.ethDst,
        mode: match.mode,
        rsIp: match.realServerIp,
        count: 0,
      };
      this.copies.push(ev);
    }
    ev.count++;
    if (match.changes.length > 0 && flow.copyDifference === null) {
      flow.copyDifference = {
        copyFrame: f.frameNumber,
        copyCapture: capture,
        originalFrame: match.originalFrame,
        originalCapture: match.originalCapture,
        changes: match.changes,
        mode: match.mode === 'dr' ? 'modified' : match.mode,
      };
    }
  }

  private connectionText(n: number, mac: boolean): string {
    // MACs and addresses share the map: a MAC is 48 bits, an address number then gets a sign.
    const key = mac ? n : -1 - n;
    let t = this.connectionTexts.get(key);
    if (t === undefined) {
      t = mac ? formatMac(n) : this.book.format(n);
      if (this.connectionTexts.size >= 4096) this.connectionTexts.clear();
      this.connectionTexts.set(key, t);
    }
    return t;
  }

  /**
   * The flow this frame belongs to with its source as the client (`asServer` false), or with
   * its source as the server (`asServer` true), or null.
   */
  private findFlow(e: FrameEndpoints, asServer: boolean): Flow | null {
    const proto = e.proto;
    const clientLo = asServer ? e.dstIpLo : e.srcIpLo;
    const clientHi = asServer ? e.dstIpHi : e.srcIpHi;
    const clientPort = asServer ? e.dstPort : e.srcPort;
    const serverLo = asServer ? e.srcIpLo : e.dstIpLo;
    const serverHi = asServer ? e.srcIpHi : e.dstIpHi;
    const serverPort = asServer ? e.srcPort : e.dstPort;
    let flow = this.flows.first(proto, clientLo, clientHi, clientPort);
    let portOnly: Flow | null = null;
    while (flow !== null) {
      if (flow.clientIpLo === clientLo && flow.clientPort === clientPort && flow.clientIpHi === clientHi && flow.proto === proto && flow.serverPort === serverPort) {
        if (flow.serverIpLo === serverLo && flow.serverIpHi === serverHi) return flow;
        // A reply from another source address (the RS's own IP, a NAT director) still
        // belongs to the client's conversation with the service port.
        if (asServer && portOnly === null) portOnly = flow;
      }
      flow = flow.next;
    }
    return portOnly;
  }

  private newFlow(proto: number, clientIp: number, clientPort: number, serverIp: number, serverPort: number): Flow {
    // Room first: the new flow must not be among the evicted (its last-frame time is still 0,
    // the oldest there is), or the frame being analysed would land in a released flow.
    if (this.liveFlows >= this.maxFlows) this.evict();
    const flow = this.pool.flow(proto, clientIp, clientPort, serverIp, serverPort);
    this.flows.add(flow);
    this.liveFlows++;
    return flow;
  }

  /** Whether flows may be judged during the pass: the topology has had a chance to show. */
  private settled(): boolean {
    if (this.frames >= SETTLE_FRAMES_ANYWAY) return true;
    // Live use (--follow) judges as soon as the topology is known, rather than waiting for it
    // to show more of itself.
    if (this.frames < SETTLE_FRAMES && !this.options.eager) return false;
    const given = this.given.services.length > 0 && this.given.directorMacs.length > 0;
    if (given || this.copies.length > 0) return true;
    // Watching live with the IPVS table given, the director may show only by claiming the VIP
    // (a poisoned segment where every client bypasses it): the topology is known then too.
    return this.options.eager === true && this.given.services.length > 0 && this.judge !== null && this.judge.knowsDirector();
  }

  /** Releases every flow that has ended or gone idle by `now`. */
  private sweep(now: number): void {
    this.nextSweepTime = now + 1;
    this.framesAtSweep = this.frames;
    if (!this.judgingFlows && this.settled()) this.startJudging(now);
    const done: Flow[] = [];
    this.flows.removeIf((flow) => {
      if (!ended(flow, now)) return false;
      done.push(flow);
      return true;
    });
    // Judged in the order the flows began, whatever the table's layout.
    done.sort(byFirstFrame);
    for (const flow of done) this.release(flow, now);
  }

  /**
   * The flow table is full: judge about the least recently active fifth now (reported as
   * evicted). The cutoff time comes from a sample of the flows, so this is two walks over the
   * table, once per maxFlows / 5 new flows.
   */
  private evict(): void {
    const excess = this.liveFlows - Math.floor(this.maxFlows * 0.8);
    const now = this.captures.reduce((t, c) => Math.max(t, c.lastTime), 0);
    const cutoff = this.flows.lastTimeQuantile(excess / this.liveFlows);
    const evicted: Flow[] = [];
    this.flows.removeIf((flow) => {
      if (flow.lastTime > cutoff || evicted.length >= excess) return false;
      evicted.push(flow);
      return true;
    });
    evicted.sort(byFirstFrame);
    this.evictedFlows += evicted.length;
    for (const flow of evicted) this.release(flow, now);
  }

  private startJudging(now: number): void {
    if (this.judge === null) this.judge = new Judge(this, this.options);
    else this.judge.refresh();
    this.judgingFlows = true;
    for (const flow of this.ended) {
      this.judgeEnded(flow, now);
      this.recycle(flow);
    }
    this.ended = [];
  }

  private release(flow: Flow, now: number): void {
    this.liveFlows--;
    if (flow.proto === 6 && (flow.sawRst || (flow.finFromClient && flow.finFromServer))) {
      this.closed.add(flow);
    }
    const legs = this.legs.materialize(flow);
    this.paths.fold(flow, legs);
    const judge = this.judge;
    if (judge !== null && this.judgingFlows) {
      if (judge.isVipFlow(flow)) judge.judgeFlow(flow, legs, now);
      this.recycle(flow);
      return;
    }
    this.ended.push(flow);
    // Flows waiting for judgement are memory too (a SYN flood before any topology showed):
    // past the table's bound, judge them with the topology known so far.
    if (this.ended.length >= this.maxFlows) this.startJudging(now);
  }

  /** A judged flow and its leg records go back for reuse. */
  private recycle(flow: Flow): void {
    this.legs.release(flow);
    this.pool.release(flow);
  }

  /** Judges a flow released earlier (before judging started, or at the end of input). */
  private judgeEnded(flow: Flow, now: number): void {
    const judge = this.judge!;
    // The legs are read again: a frame's copy window may have closed since the release.
    if (judge.isVipFlow(flow)) judge.judgeFlow(flow, this.legs.materialize(flow), now);
  }

  /** Who started the conversation, for the first frame we see of it. */
  private initiatorIsSource(flags: number, e: FrameEndpoints): boolean {
    const proto = e.proto;
    if (proto === 6 && flags >= 0 && flags & TcpFlag.SYN) return (flags & TcpFlag.ACK) === 0;
    for (const v of this.givenVipPorts) {
      if (v.proto !== proto) continue;
      if (v.ip === e.dstIp && (v.port < 0 || v.port === e.dstPort)) return true;
      if (v.ip === e.srcIp && (v.port < 0 || v.port === e.srcPort)) return false;
    }
    // Mid-conversation without topology: the well-known (lower) port is the server's.
    return e.srcPort > e.dstPort;
  }

  /** End of input: judges every flow still held with the topology of the whole capture. */
  finish(): Judgement {
    const end = this.captures.reduce((t, c) => Math.max(t, c.lastTime), 0);
    this.matcher.drain(end);
    const remaining: Flow[] = this.ended;
    this.ended = [];
    for (const flow of this.flows.all()) {
      flow.next = null;
      remaining.push(flow);
    }
    this.flows.clear();
    this.liveFlows = 0;
    for (const flow of remaining) this.paths.fold(flow, this.legs.materialize(flow));
    if (this.judge === null) this.judge = new Judge(this, this.options);
    else this.judge.refresh();
    this.judgingFlows = true;
    remaining.sort(byFirstFrame);
    for (const flow of remaining) this.judgeEnded(flow, end);
    return this.judge.finish();
  }
}

function isGroupMac(mac: number): boolean {
  return Math.floor(mac / 0x10000000000) % 2 === 1;
}

function byFirstFrame(x: Flow, y: Flow): number {
  return x.firstCapture - y.firstCapture || x.firstFrame - y.firstFrame;
}

function ended(flow: Flow, now: number): boolean {
  const idle = now - flow.lastTime;
  if (flow.proto === 6) {
    const closed = flow.sawRst || (flow.finFromClient && flow.finFromServer);
    return (closed && idle > CLOSE_GRACE_SECONDS) || idle > IDLE_TCP_SECONDS;
  }
  return idle > IDLE_UDP_SECONDS;
}
