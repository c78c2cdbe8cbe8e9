/**
 * What rules see: finished flows with their legs already resolved into DR roles, and the log
 * of address claims. Built by the analyzer at judgement time from its compact per-flow state,
 * so rules deal in roles ("forwarded copy", "reply") and never in raw frames.
 */
import type { FrameRef, Endpoint, HostRef } from './result.js';
import type { L4Proto, VrrpInstance } from '../topology/topology.js';

/** How long a real server gets to answer before silence counts as no answer. */
export const REPLY_WAIT_SECONDS = 1.0;

export type LegRole =
  /** client (or its router) -> director MAC */
  | 'to-director'
  /** director MAC -> RS MAC: the forwarded copy */
  | 'forwarded'
  /** client -> RS MAC, bypassing the director */
  | 'bypass'
  /** any client-side frame whose roles we cannot place (unknown MACs, cooked capture) */
  | 'request-other'
  /** RS -> client (or router): the DR reply path */
  | 'reply'
  /** reply sent to the director's MAC (RS routes replies via the director) */
  | 'reply-to-director'
  /** reply emitted by the director (NAT un-rewrite, or the director's own stack) */
  | 'reply-from-director';

export interface LegView {
  role: LegRole;
  /** MACs as text; undefined when the link type does not carry them (cooked captures). */
  srcMac: string | undefined;
  dstMac: string | undefined;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  packets: number;
  first: FrameRef;
  firstTime: number;
  last: FrameRef;
  lastTime: number;
  /** Frames of this leg that were not followed by a director copy (meaningful for 'to-director'). */
  uncopied: number;
  firstUncopied: FrameRef | null;
  /** Frames of this leg that were matched as copies of an earlier frame. */
  copies: number;
  /** True when the frames were encapsulated (tunnel mode). */
  encapsulated: boolean;
}

/** A forwarded copy that carries a different IP packet than the client's frame. */
export interface CopyDifference {
  copy: FrameRef;
  original: FrameRef;
  /** e.g. "destination IP 192.168.188.120 -> 192.168.188.107", "TTL 64 -> 61" */
  changes: string[];
  /** What the changes say about the director: NAT, tunnel, or a packet otherwise modified. */
  mode: 'nat' | 'tunnel' | 'modified';
}

export interface FlowView {
  proto: L4Proto;
  client: Endpoint;
  vip: Endpoint;
  legs: LegView[];
  toDirector: LegView[];
  /** Forwarded legs in order of their first frame (one per RS MAC). */
  forwarded: LegView[];
  bypass: LegView[];
  /** Every server->client leg. */
  replies: LegView[];
  /** First copy whose IP packet differs beyond TTL / header checksum; null when none did. */
  copyDifference: CopyDifference | null;
  firstFrame: FrameRef;
  lastFrame: FrameRef;
  /** TCP: SYN seen (the connection started inside the capture). UDP: always true. */
  sawStart: boolean;
  /** TCP: FIN both ways or RST seen. UDP: always true. */
  sawEnd: boolean;
  /** Can this vantage point see the director's copies of this flow, and the replies to it? */
  observable: { forwarding: boolean; replies: boolean };
  /**
   * The capture ended too soon after the last forwarded packet for an answer to have been
   * recorded (less than REPLY_WAIT_SECONDS): silence then proves nothing.
   */
  endedBeforeReplyDue: boolean;
  /**
   * Request frames that repeated the one before them (the client retransmitting), and of those
   * the ones whose earlier frame the director had been seen forwarding: the client's
   * retransmission timer says no answer reached it, whatever the capture shows of replies.
   */
  retransmissions: number;
  retransmittedAfterCopy: number;
  /** TCP: some request frame acknowledged something (the client got an answer); UDP: false. */
  requestAcked: boolean;
}

export type ClaimKind = 'arp-reply' | 'arp-request' | 'arp-gratuitous' | 'na';

export interface ClaimEvent {
  mac: string;
  kind: ClaimKind;
  frame: FrameRef;
  time: number;
  /** For ARP replies and unicast claims: the MAC the claim was sent to. */
  to: string | undefined;
}

export interface ClaimantView {
  mac: string;
  role: 'director' | 'rs' | 'other';
  count: number;
  /** Frames that show the claim (capped: see `count`). */
  frames: FrameRef[];
  kinds: ClaimKind[];
  firstTime: number;
  lastTime: number;
}

/** One ARP request (or Neighbor Solicitation) that several MACs answered. */
export interface DuplicateAnswerView {
  /** The request; null when only its answers are in the capture. */
  request: FrameRef | null;
  requester: { mac: string; ip: string | undefined };
  /** Each MAC's first answer, in capture order. */
  answers: { mac: string; frame: FrameRef; role: ClaimantView['role'] }[];
  /** The requester's next frame to the address and the MAC it went to: the answer it kept. */
  kept: { mac: string; frame: FrameRef } | undefined;
  /** Watching a live director: the requester may still send there (the request is seconds old). */
  keptPending: boolean;
}

export interface AddressView {
  ip: string;
  family: 4 | 6;
  isVip: boolean;
  claimants: ClaimantView[];
  /** Claims in capture order (capped). */
  sequence: ClaimEvent[];
  /** Requests for this address answered by more than one MAC (capped). */
  duplicateAnswers: DuplicateAnswerView[];
}

export interface VantagePoint {
  kind: 'mirror' | 'host' | 'cooked-host' | 'unknown';
  /** MAC of the host the capture was taken on, for 'host' and 'cooked-host'. */
  hostMac: string | undefined;
  hostRole: 'director' | 'rs' | 'client' | 'router' | 'other' | undefined;
  description: string;
}

export interface AnalysisView {
  vantage: VantagePoint;
  /** True when the user gave the RS list (so an unknown RS MAC is a finding, not a discovery). */
  realServersGiven: boolean;
  isDirectorMac(mac: string | undefined): boolean;
  isRealServerMac(mac: string | undefined): boolean;
  realServerIp(mac: string): string | undefined;
  isVip(ip: string): boolean;
  /**
   * The host behind a MAC as the topology knows it: its role and its own address of the given
   * family (claimed in ARP/ND; `ip` when the caller knows it better), never a VIP. A MAC the
   * topology does not place gets the role `unknownAs` (what the caller saw it do), else `host`.
   */
  host(mac: string | undefined, family: 4 | 6, options?: { ip?: string | undefined; unknownAs?: HostRef['role'] }): HostRef;
  /**
   * Where a client's frames enter the LVS segment: the client itself, or the router it sits
   * behind (named by the router's own address when the capture shows one).
   */
  clientGateway(clientIp: string, senderMac: string | undefined): HostRef;
  /** The directors, as hosts. */
  directorHosts(family: 4 | 6): HostRef[];
  /** The real servers, as hosts. */
  realServerHosts(family: 4 | 6): HostRef[];
  /** Canonical text of the VIP addresses. */
  vips: readonly string[];
  /** Describe a frame for messages: "frame 12" or "rs1.pcap frame 12". */
  frameLabel(ref: FrameRef): string;
  /** Every claimed address, for rules that link a flow to the claim that explains it. */
  addresses: readonly AddressView[];
  /**
   * The server endpoints the capture carries TCP/UDP traffic to, the likeliest VIPs first
   * (those with DR evidence, then by number of flows): what to suggest when a given VIP is
   * never reached.
   */
  destinations: readonly DestinationView[];
}

export interface DestinationView {
  ip: string;
  port: number;
  proto: L4Proto;
  flows: number;
  /** Why it looks like a VIP, when it does. */
  evidence: string | undefined;
}

/** A virtual service the user gave, and how many flows reached it. */
export interface GivenServiceView {
  vip: string;
  port: number | undefined;
  proto: L4Proto;
  /** Given on the command line (--vip): the user asserts traffic; from ipvsadm/config: the director's table. */
  asserted: boolean;
  flows: number;
  /** The address appears in ARP/ND (claimed by some MAC): the capture is about it, if not about its traffic. */
  addressSeen: boolean;
}

/** One new connection the director scheduled (TCP: a SYN forwarded; UDP: a client ip:port's first datagram). */
export interface NewConnection {
  time: number;
  client: string;
  /** The RS it went to (MAC; the IP when known is in ServiceBalanceView.realServers). */
  rsMac: string;
  frame: FrameRef;
}

export interface BalanceRealServer {
  mac?: string;
  ip?: string;
  /** Configured weight (ipvsadm / config), when known. */
  weight?: number;
  newConnections: number;
}

/** What the capture shows of one virtual service's scheduling, with its configuration if given. */
export interface ServiceBalanceView {
  vip: string;
  port?: number;
  proto: 'tcp' | 'udp';
  fwmark?: number;
  scheduler?: string;
  persistence?: number;
  persistenceMask?: string;
  /** Scheduler and weights were given (--ipvsadm, --config): the scheduling rules may judge. */
  configured: boolean;
  realServers: BalanceRealServer[];
  /** New connections in time order (capped; `total` counts them all). */
  connections: NewConnection[];
  total: number;
  /** The vantage point sees every new connection of the service (a mirror port or the director). */
  seesEveryNewConnection: boolean;
}

/**
 * How long a VRRP sender counts as advertising after its last advert: RFC 5798's master-down
 * interval (3 × the interval plus the skew, at most 1 s), after which its BACKUP takes over.
 */
export function masterDownSeconds(intervalCentis: number): number {
  return (3 * intervalCentis) / 100 + 1;
}

/** A sender's unbroken series of identical VRRP advertisements for one virtual router. */
export interface VrrpRunView {
  /** Sender's MAC (undefined on a cooked capture without one) and IP. */
  senderMac: string | undefined;
  senderIp: string;
  /** The multicast group (224.0.0.18, ff02::12) or the unicast peer it was sent to. */
  destination: string;
  multicast: boolean;
  vrid: number;
  version: number;
  /** 0: the MASTER resigning (keepalived stopping); 255: the address owner. */
  priority: number;
  intervalCentis: number;
  /** Version 2 authentication type (0 none, 1 simple text, 2 AH); -1 for version 3. */
  authType: number;
  ttl: number;
  /** Addresses carried, as text. */
  addresses: string[];
  count: number;
  /** Adverts with a wrong checksum (receivers drop them). */
  badChecksums: number;
  first: FrameRef;
  firstTime: number;
  last: FrameRef;
  lastTime: number;
  /** Index of the same sender's previous run for this virtual router (-1: none); afterSilence: a pause longer than the master-down interval came between. */
  previous: number;
  afterSilence: boolean;
}

/** Two senders advertising for one virtual router at the same time, each one's adverts counted while the other's were live. */
export interface VrrpOverlapView {
  /** Indices into VrrpView.runs; `a` is the run that was live first. */
  a: number;
  b: number;
  countA: number;
  countB: number;
  /** The first advert of each sent while the other was live (null: none). */
  firstA: FrameRef | null;
  firstB: FrameRef | null;
  start: number;
  end: number;
}

/** What the captures show of VRRP, with the instances the user's keepalived.conf files configure. */
export interface VrrpView {
  /** In the order they began. */
  runs: readonly VrrpRunView[];
  overlaps: readonly VrrpOverlapView[];
  /** From --keepalived; empty when no keepalived.conf was given. */
  instances: readonly VrrpInstance[];
  /** Time up to which the captures are known. */
  captureEnd: number;
}

/** One real server's connections as the health rule reads them (see RealServerHealth). */
export interface RealServerHealthView {
  mac: string;
  ip: string | undefined;
  connections: number;
  unanswered: number;
  handshakes: number;
  /** Handshake times counted per bucket (result/health.ts: handshakeBucket). */
  handshakeBuckets: ArrayLike<number>;
  /** The slowest handshake, in whole microseconds, with its SYN and SYN-ACK (the earliest of equals). */
  slowest: { micros: number; syn: FrameRef; synAck: FrameRef } | undefined;
  segmentsToServer: number;
  segmentsFromServer: number;
  retransmittedToServer: number;
  retransmittedFromServer: number;
  /** The first retransmitted segment of each connection that had one: the earliest few, in capture order. */
  retransmitFrames: readonly FrameRef[];
  resets: number;
  zeroWindows: number;
}
