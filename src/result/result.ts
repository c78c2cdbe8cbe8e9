/**
 * The result of a check: one object, fed unchanged to every reporter (table, JSON, JUnit,
 * Markdown), like ESLint's formatters. Plain data (JSON-serialisable), addresses as text.
 * `schemaVersion` changes when a field changes meaning or disappears.
 */
import type { L4Proto } from '../topology/topology.js';

export const SCHEMA_VERSION = 2;

export type Severity = 'error' | 'warning' | 'info';
export type FlowVerdict = 'pass' | 'fail' | 'incomplete';
export type Verdict = 'pass' | 'fail' | 'no-traffic';

/** A frame as Wireshark numbers it, in the capture that holds it. */
export interface FrameRef {
  /** Index into CheckResult.captures. */
  capture: number;
  /** 1-based frame number in that capture. */
  frame: number;
}

export interface Endpoint {
  ip: string;
  port: number;
}

export interface FlowKey {
  client: Endpoint;
  vip: Endpoint;
  proto: L4Proto;
}

export interface Finding {
  rule: string;
  severity: Severity;
  /** The rule's message id (stable), and the data its template is filled with. */
  messageId: string;
  /** One sentence, filled from the rule's template. */
  message: string;
  data: Record<string, string | number>;
  /** Evidence frames, first (the one that proves it) first. */
  frames: FrameRef[];
  /** The flow concerned, for flow rules. */
  flow?: FlowKey;
  /** MAC concerned, for address rules (the RS or the claimant). */
  mac?: string;
  /** Virtual service concerned, for scheduling rules ("192.168.188.120:80/tcp", "fwmark 1/tcp"). */
  service?: string;
  /** What to change for this finding alone, host by host (its cause merges them: see Cause). */
  remediation: Remediation[];
  /** Wireshark display filter selecting the evidence frames. */
  displayFilter: string;
  /** Index into CheckResult.causes: the root cause this finding is a consequence of. */
  cause: number;
}

/**
 * A host of the topology, named as the capture shows it: never the VIP. `ip` is the host's own
 * address (claimed in ARP/ND, or the source of its traffic), absent when the capture does not
 * show it; `mac` is absent only on captures without MACs (raw IP).
 */
export interface HostRef {
  /** `host`: a host of the segment whose role the capture does not show (an ARP answerer, say). */
  role: 'director' | 'real-server' | 'client' | 'router' | 'host' | 'capture-point';
  ip?: string;
  mac?: string;
}

/**
 * One change on one host. Every command is valid as printed for its address family (IPv6 with
 * `ip -6`, `net.ipv6.conf.*`, `[addr]:port` for ipvsadm); a value the capture cannot show is a
 * placeholder in words (`<your router's address>`), so that pasting it fails rather than
 * doing something else.
 */
export interface Remediation {
  /** What kind of change ("rs-arp-sysctls", "vip-on-lo", "route-replies", ...): stable, for tools. */
  id: string;
  host: HostRef;
  /** Shell commands to run on `host`, in order; empty when the change is no command (`manual`). */
  commands: string[];
  /** A change no command can make (rebinding a service), in words. */
  manual?: string;
  /** The same change kept across reboots: lines of a file (sysctl.d). */
  persist?: { file: string; lines: string[] };
  /** What this host did, and what the change stops. */
  why: string;
}

/**
 * One root cause and the findings it explains (a NAT director makes director-l2-only,
 * reply-direct and reply-src-vip on every flow): reports lead with the cause and its fix, and
 * list the findings under it. Every finding belongs to exactly one cause.
 */
export interface Cause {
  /** What kind of cause ("nat-director", "rs-claim-vip", ...): stable, for tools. */
  id: string;
  /** The highest severity of its findings. */
  severity: Severity;
  /** One sentence naming the cause and the hosts it concerns. */
  headline: string;
  /** Indices into CheckResult.findings, in order. */
  findings: number[];
  /** The fix: every finding's remediation merged per host, each command once. */
  remediation: Remediation[];
}

export interface FlowPackets {
  /** client -> director (or -> whatever MAC the client used). */
  toDirector: number;
  /** director -> RS copies. */
  forwarded: number;
  /** replies to the client. */
  replies: number;
  /** client frames sent straight to an RS MAC (bypass). */
  bypass: number;
}

export interface RealServerRef {
  mac?: string;
  ip?: string;
}

export interface FlowReport {
  client: Endpoint;
  vip: Endpoint;
  proto: L4Proto;
  /** The RS the director chose (its first choice), null when no forwarded copy was seen. */
  realServer: RealServerRef | null;
  /** Every RS that received copies of this flow (more than one breaks flow affinity). */
  realServers: RealServerRef[];
  packets: FlowPackets;
  firstFrame: FrameRef;
  lastFrame: FrameRef;
  /** Seconds since epoch, decimal string with full precision. */
  start: string;
  end: string;
  verdict: FlowVerdict;
  /** Why a flow is incomplete ("no SYN: started before the capture", "still open at end of capture"). */
  incompleteReason?: string;
  /** What a passing flow's verdict does not cover: "replies not visible here" (the director's port). */
  note?: string;
  /** Indices into CheckResult.findings. */
  findings: number[];
}

export interface CaptureInfo {
  path: string;
  format: string;
  linkTypes: number[];
  frames: number;
  bytes: number;
  compressed: boolean;
  /** Where the capture was taken, as inferred: "mirror", "host 00:0c:29:50:d5:63 (director)", ... */
  vantagePoint: string;
  /** Frames of link types lvs-pcap does not decode (skipped, with one warning per type). */
  unsupportedFrames: number;
  /** Reader warnings and the error that stopped reading, one line each. */
  issues: { severity: 'warning' | 'error'; code: string; offset: number; message: string }[];
}

/**
 * How one real server fared, from the frames of the connections it got (the director's copy
 * of each SYN or the client's, the server's SYN-ACK, the segments each way).
 */
export interface RealServerHealth {
  /** Connections the director sent it (or that bypassed the director to it). */
  connections: number;
  /** Of those, connections it never answered while the vantage point shows answers. */
  unanswered: number;
  /** TCP handshakes timed: the SYN (the director's copy when seen) to the server's SYN-ACK. */
  handshakes: number;
  /** Handshake times in milliseconds, each within 12.5% (a histogram's buckets); null with none timed. */
  handshakeMs: { median: number; p90: number; max: number } | null;
  /** The slowest handshake's SYN and SYN-ACK. */
  slowestHandshake: { syn: FrameRef; synAck: FrameRef } | null;
  /** TCP segments carrying data, SYN or FIN, each way, and those sent again (retransmissions). */
  segmentsToServer: number;
  segmentsFromServer: number;
  retransmittedToServer: number;
  retransmittedFromServer: number;
  /** Retransmitted segments over all segments, both ways (0 without segments). */
  retransmissionRate: number;
  /** RSTs the server sent. */
  resets: number;
  /** Zero-window advertisements the server sent (its receive buffer full). */
  zeroWindows: number;
}

export interface TopologyReport {
  vips: { ip: string; port?: number; proto: L4Proto; source: 'given' | 'inferred'; evidence?: string }[];
  directors: { mac: string; ip?: string; source: 'given' | 'inferred'; evidence?: string }[];
  realServers: {
    mac?: string;
    ip?: string;
    source: 'given' | 'inferred';
    flows: number;
    weight?: number;
    evidence?: string;
    /** From the capture's frames; absent for a real server no connection reached. */
    health?: RealServerHealth;
  }[];
  clients: number;
  /** The VRRP virtual routers whose adverts the captures carry: VRID, addresses, and each sender with the priorities it advertised. */
  vrrp: { vrid: number; addresses: string[]; senders: { mac?: string; ip: string; priorities: number[]; adverts: number }[] }[];
  /** Human notes: what could not be inferred and why. */
  notes: string[];
  confidence: 'high' | 'medium' | 'low' | 'none';
}

export interface TimelineEvent {
  time: string;
  frame: FrameRef;
  /**
   * Address claims: claim (the first owner), owner-change, conflict, bypass-start (a client's
   * first connection straight to a real server), garp (a burst of gratuitous ARPs / unsolicited
   * NAs for a VIP). VRRP: vrrp-adverts (a MASTER advertising from the start), vrrp-master
   * (a sender becomes MASTER after another), vrrp-prio (its priority changes), vrrp-change
   * (another field of its adverts changes), vrrp-resign (a priority-0 advert), vrrp-silent (a
   * MASTER's adverts stop before the capture ends).
   */
  kind:
    | 'claim'
    | 'owner-change'
    | 'conflict'
    | 'bypass-start'
    | 'garp'
    | 'vrrp-adverts'
    | 'vrrp-master'
    | 'vrrp-prio'
    | 'vrrp-change'
    | 'vrrp-resign'
    | 'vrrp-silent';
  ip: string;
  mac: string;
  note: string;
  /** VRRP events: the virtual router id. */
  vrid?: number;
}

export interface CheckSummary {
  frames: number;
  flows: number;
  flowsByVerdict: Record<FlowVerdict, number>;
  findingsBySeverity: Record<Severity, number>;
  /** Frames the decoders flagged, by weird id (truncated_tcp, bad_ip_header_length, ...). */
  weirds: Record<string, number>;
  /** Frames of link types we do not decode, by link type. */
  unsupportedLinkTypes: Record<string, number>;
  /** Flows the bounded flow table had to judge early (see --max-flows). */
  evictedFlows: number;
  /**
   * Flows judged and counted but not listed in `flows`: passing flows beyond the
   * `passingFlows` option (10,000 by default; the CLI's table without --all-flows lists none),
   * any beyond 50,000.
   */
  unlistedFlows: number;
  /** Findings counted but not kept, per rule (beyond 10,000 per rule). */
  suppressedFindings: Record<string, number>;
}

/** Per virtual service: the new connections per RS, against the configuration when given. */
export interface ServiceBalance {
  vip: string;
  port?: number;
  proto: L4Proto;
  fwmark?: number;
  scheduler?: string;
  persistence?: number;
  newConnections: number;
  /** The capture sees every new connection (a mirror port or the director): shares are exact. */
  seesEveryNewConnection: boolean;
  /** Judged against a configuration: 'pass', 'warning' (rs-share) or 'fail'; 'observed' when only reported. */
  verdict: 'pass' | 'warning' | 'fail' | 'observed';
  realServers: { ip?: string; mac?: string; weight?: number; expectedShare?: number; newConnections: number; share: number }[];
}

export interface CheckResult {
  schemaVersion: number;
  verdict: Verdict;
  captures: CaptureInfo[];
  topology: TopologyReport;
  flows: FlowReport[];
  /** Root causes, most severe first: each finding's `cause` points here. */
  causes: Cause[];
  findings: Finding[];
  timeline: TimelineEvent[];
  /** Scheduling per virtual service (see "Is it balanced as configured?"). */
  services: ServiceBalance[];
  summary: CheckSummary;
}
