/**
 * The result of a check: one object, fed unchanged to every reporter (table, JSON, JUnit,
 * Markdown), like ESLint's formatters. Plain data (JSON-serialisable), addresses as text.
 * `schemaVersion` changes when a field changes meaning or disappears.
 */
import type { L4Proto } from '../topology/topology.js';

export const SCHEMA_VERSION = 1;

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
  /** What to change: one or more lines (sysctl, ip commands...). */
  remediation: string[];
  /** Wireshark display filter selecting the evidence frames. */
  displayFilter: string;
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

export interface TopologyReport {
  vips: { ip: string; port?: number; proto: L4Proto; source: 'given' | 'inferred'; evidence?: string }[];
  directors: { mac: string; ip?: string; source: 'given' | 'inferred'; evidence?: string }[];
  realServers: { mac?: string; ip?: string; source: 'given' | 'inferred'; flows: number; weight?: number; evidence?: string }[];
  clients: number;
  /** Human notes: what could not be inferred and why. */
  notes: string[];
  confidence: 'high' | 'medium' | 'low' | 'none';
}

export interface TimelineEvent {
  time: string;
  frame: FrameRef;
  kind: 'claim' | 'owner-change' | 'conflict' | 'bypass-start';
  ip: string;
  mac: string;
  note: string;
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
  findings: Finding[];
  timeline: TimelineEvent[];
  /** Scheduling per virtual service (see "Is it balanced as configured?"). */
  services: ServiceBalance[];
  summary: CheckSummary;
}
