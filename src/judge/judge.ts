/**
 * Judging, Zeek's two phases made explicit: a finished flow is turned into a FlowView (its
 * legs given DR roles under the resolved topology), the flow rules report on it, and its
 * FlowReport is written; at the end the address rules run over every claim, findings are put
 * in a stable order, and the topology report and timeline are assembled. Flows can be judged
 * during the pass once the analysis has settled, so memory follows the open flows only.
 */
import { formatMac, parseMac } from '../decode/format.js';
import type { Rule, RuleListeners } from '../rules/define.js';
import { fillTemplate } from '../rules/define.js';
import { displayFilter } from '../result/display-filter.js';
import type { Flow, Leg, LegList } from '../track/flow-state.js';
import { Direction } from '../track/flow-state.js';
import { analyseOwnership } from '../infer/ownership.js';
import { resolve, type Facts, type Resolution } from '../infer/resolve.js';
import { judgePath } from '../infer/paths.js';
import type { Cause, Finding, FlowReport, FlowVerdict, FrameRef, HostRef, ServiceBalance, Severity, TimelineEvent, TopologyReport } from '../result/result.js';
import { findCauses } from './causes.js';
import { BalanceTracker, balanceReport } from './balance.js';
import { HealthTracker } from './health.js';
import { Int32Set } from './int-set.js';
import { serviceLabel } from '../result/service-label.js';
import type { AddressView, AnalysisView, ClaimEvent, DestinationView, DuplicateAnswerView, FlowView, GivenServiceView, LegRole, LegView, VantagePoint, VrrpView } from '../result/views.js';
import type { SolicitationLog } from '../track/solicitations.js';
import { KEPT_WINDOW_SECONDS } from '../track/solicitations.js';
import { REPLY_WAIT_SECONDS } from '../result/views.js';
import { buildVrrpView, vrrpRouters, vrrpTimeline } from './vrrp.js';

/**
 * Passing flows listed one by one by default (the rest are counted; see JudgeOptions); failing
 * and incomplete ones up to MAX_LISTED_FLOWS.
 */
export const MAX_LISTED_PASSING = 10_000;
export const MAX_LISTED_FLOWS = 50_000;
/** A passing flow's note where this vantage point cannot see the replies (the director's port). */
export const REPLIES_NOT_VISIBLE = 'replies not visible here';
/** Distinct clients counted exactly up to this many (the report then says "at least"). */
export const MAX_CLIENTS_COUNTED = 1_000_000;
/** Findings kept per rule; beyond, they are counted in summary.suppressedFindings. */
export const MAX_FINDINGS_PER_RULE = 10_000;
/** Watching a live director, rs-health compares the real servers over windows of this many seconds. */
export const HEALTH_WINDOW_SECONDS = 60;
/** Keys of findings already handed to onFinding, kept at most (then forgotten: at worst one is told twice). */
const MAX_EMITTED_KEYS = 100_000;

/** A judged flow as the live hooks see it: its service, verdict, real server and health numbers. */
export interface JudgedFlow {
  vip: string;
  port: number;
  proto: 'tcp' | 'udp';
  verdict: FlowVerdict;
  /** The real server it went to (MAC), when known. */
  realServer: string | undefined;
  /** The server side sent something (or could not be seen to). */
  answered: boolean;
  /** Handshake time in microseconds, -1 when not timed. */
  handshakeMicros: number;
  segmentsToServer: number;
  segmentsFromServer: number;
  retransmittedToServer: number;
  retransmittedFromServer: number;
  resets: number;
  zeroWindows: number;
}
/** Texts of server-side addresses (VIPs, RS, routers) kept for reuse; cleared when full. */
const IP_TEXT_CACHE = 4096;

export interface Judgement {
  topology: TopologyReport;
  flows: FlowReport[];
  causes: Cause[];
  findings: Finding[];
  timeline: TimelineEvent[];
  vantagePoints: VantagePoint[];
  unlistedFlows: number;
  suppressedFindings: Record<string, number>;
  flowsByVerdict: Record<FlowVerdict, number>;
  services: ServiceBalance[];
}

const frameRef = (capture: number, frame: number): FrameRef => ({ capture, frame });

export interface JudgeOptions {
  rules: readonly Rule[];
  /** Names of the captures, for frame references ("director.pcap frame 12"). */
  labels: readonly string[];
  /**
   * Called with each finding as soon as it is known, once: a flow's when the flow ends, an
   * address rule's as soon as the claims show it (see preview), a real server's health per
   * health window. Every finding reaches it, also those beyond the per-rule limit of the result.
   */
  onFinding?: (finding: Finding) => void;
  /** Called with each judged flow (watching a live director: metrics). */
  onFlowJudged?: (flow: JudgedFlow) => void;
  /** Passing flows to list in the judgement, at most (default MAX_LISTED_PASSING). */
  passingFlows?: number;
  /** Failing and incomplete flows to list, at most (default MAX_LISTED_FLOWS). */
  listedFlows?: number;
  /** Findings kept per rule (default MAX_FINDINGS_PER_RULE); the rest are counted. */
  keptFindings?: number;
  /**
   * New connections kept per service for the scheduling rules: the latest this many (watching
   * a live director for days); without it the first MAX_CONNECTIONS_KEPT.
   */
  keptConnections?: number;
}

/** What the judge reads besides resolve()'s facts. */
export interface JudgeFacts extends Facts {
  readonly solicitations: SolicitationLog;
  readonly captures: readonly { readonly vantage: Facts['captures'][number]['vantage']; readonly lastTime: number }[];
}

export class Judge {
  private resolution: Resolution;
  /** Flows judged per resolved service (index into resolution.services), for the given-service rules. */
  private flowsPerService: number[] = [];
  private analysis: AnalysisView;
  private readonly listeners: { rule: Rule; on: RuleListeners }[];
  private readonly findings: Finding[] = [];
  private readonly reports: FlowReport[] = [];
  private readonly perRule = new Map<string, number>();
  private readonly suppressed: Record<string, number> = {};
  private readonly flowsPerRs = new Map<string, number>();
  /**
   * Distinct client addresses, counted up to MAX_CLIENTS_COUNTED: IPv4 as int32 in a flat
   * Int32Set (a third of a Set's memory; the count grows with the capture, not the open
   * flows), interned IPv6 numbers apart so the two cannot collide.
   */
  private readonly clients4 = new Int32Set();
  private readonly clients6 = new Set<number>();
  private readonly byVerdict: Record<FlowVerdict, number> = { pass: 0, fail: 0, incomplete: 0 };
  private unlisted = 0;
  private listedPassing = 0;
  private flowFindings: number[] | null = null;
  private currentFlow: FlowView | undefined;
  private addressViews: AddressView[] = [];
  private addressVersion = -1;
  private readonly macText = new Map<number, string>();
  private readonly ipTexts = new Map<number, string>();
  private readonly balance: BalanceTracker;
  private readonly health = new HealthTracker();
  /** Watching a live director: the health of the current window only (see previewHealth). */
  private windowHealth: HealthTracker | null = null;
  private windowStart = Number.NaN;
  /** Findings of a preview go here instead of the result. */
  private previewing: Finding[] | null = null;
  /** Keys of the address and service findings already handed to onFinding (see findingKey). */
  private readonly emitted = new Set<string>();
  /** Real servers' health findings told in the last window, and ever. */
  private windowKeys = new Set<string>();
  private readonly healthKeys = new Set<string>();
  private readonly serverRules: Set<string>;
  private readonly onFlowJudged: ((flow: JudgedFlow) => void) | undefined;
  /** The real server writeReport() attributed the flow to (its first), for the health numbers. */
  private flowRs: string | undefined = undefined;
  /** The verdict writeReport() gave the flow. */
  private lastVerdict: FlowVerdict = 'pass';

  private readonly labels: readonly string[];
  private readonly onFinding: ((finding: Finding) => void) | undefined;
  private readonly passingFlows: number;
  private readonly listedFlows: number;
  private readonly keptFindings: number;

  constructor(
    private readonly facts: JudgeFacts,
    options: JudgeOptions,
  ) {
    this.labels = options.labels;
    this.onFinding = options.onFinding;
    this.onFlowJudged = options.onFlowJudged;
    this.passingFlows = options.passingFlows ?? MAX_LISTED_PASSING;
    this.listedFlows = options.listedFlows ?? MAX_LISTED_FLOWS;
    this.keptFindings = options.keptFindings ?? MAX_FINDINGS_PER_RULE;
    const rules = options.rules;
    this.serverRules = new Set(rules.filter((r) => r.kind === 'server').map((r) => r.id));
    if (this.onFinding !== undefined) this.windowHealth = new HealthTracker();
    this.resolution = resolve(facts);
    this.analysis = this.makeAnalysis();
    this.balance = new BalanceTracker(facts.given, options.keptConnections, options.keptConnections !== undefined);
    const judge = this;
    this.listeners = rules.map((rule) => ({
      rule,
      on: rule.create({
        get analysis() {
          return judge.analysis;
        },
        report: (d) => judge.report(rule, d),
      }),
    }));
  }

  /** Re-resolves the topology from everything seen so far. */
  refresh(): void {
    const before = this.resolution.services;
    const counts = this.flowsPerService;
    this.resolution = resolve(this.facts);
    // Keep the counts of services that are still services (the given ones always are).
    this.flowsPerService = this.resolution.services.map((s) => {
      const i = before.findIndex((b) => b.ip === s.ip && b.port === s.port && b.proto === s.proto);
      return i >= 0 ? (counts[i] ?? 0) : 0;
    });
    this.analysis = this.makeAnalysis();
    this.addressVersion = -1;
  }

  isVipFlow(flow: Flow): boolean {
    if (this.facts.book.isGroupOrUnspecified(flow.clientIp)) return false;
    return this.resolution.isService(flow.serverIp, flow.serverPort, flow.proto);
  }

  /** Judges one finished VIP flow; `captureEnd` is the time up to which the captures are known. */
  judgeFlow(flow: Flow, flowLegs: LegList, captureEnd: number): void {
    const service = this.resolution.serviceIndex(flow.serverIp, flow.serverPort, flow.proto);
    if (service >= 0) this.flowsPerService[service] = (this.flowsPerService[service] ?? 0) + 1;
    const view = this.flowView(flow, flowLegs, captureEnd);
    this.currentFlow = view;
    this.flowFindings = [];
    for (const { on } of this.listeners) on.flowEnd?.(view);
    const indices = this.flowFindings;
    this.flowFindings = null;
    this.currentFlow = undefined;
    const rsMac = this.writeReport(view, flow, indices);
    this.balance.add(view, flow, rsMac);
    const rs = this.flowRs;
    const known = rs !== undefined && this.analysis.isRealServerMac(rs);
    // Silence counts only where answers would show and had time to come.
    const answered = view.replies.length > 0 || !view.observable.replies || view.endedBeforeReplyDue;
    if (known) {
      this.health.add(rs, flow, answered);
      this.windowHealth?.add(rs, flow, answered);
    }
    this.onFlowJudged?.({
      vip: view.vip.ip,
      port: view.vip.port,
      proto: view.proto,
      verdict: this.lastVerdict,
      realServer: known ? rs : undefined,
      answered,
      handshakeMicros: flow.handshakeMicros,
      segmentsToServer: flow.requestSegments,
      segmentsFromServer: flow.replySegments,
      retransmittedToServer: flow.requestRetransmitted,
      retransmittedFromServer: flow.replyRetransmitted,
      resets: flow.serverResets,
      zeroWindows: flow.serverZeroWindows,
    });
  }

  /**
   * Watching a live director: runs the address rules on the claims seen so far and hands over
   * the findings not told yet, without keeping them (the end of the input judges them for the
   * result). `now`: the time of the newest frame.
   */
  preview(now: number): void {
    const addresses = this.buildAddressViews(now);
    const found: Finding[] = [];
    this.previewing = found;
    try {
      for (const { rule, on } of this.listeners) if (rule.kind === 'address') on.addresses?.(addresses);
    } finally {
      this.previewing = null;
    }
    for (const f of found) this.emit(f);
  }

  /**
   * Watching a live director: once a health window has passed, compares the real servers over
   * it (rs-health) and starts the next. A server's finding is told when it first stands out,
   * and again only after a window in which it did not.
   */
  previewHealth(now: number): void {
    const tracker = this.windowHealth;
    if (tracker === null) return;
    if (Number.isNaN(this.windowStart)) this.windowStart = now;
    if (now - this.windowStart < HEALTH_WINDOW_SECONDS) return;
    const views = tracker.views((mac) => this.analysis.realServerIp(mac));
    const found: Finding[] = [];
    this.previewing = found;
    try {
      for (const { on } of this.listeners) on.realServers?.(views);
    } finally {
      this.previewing = null;
    }
    const keys = new Set<string>();
    for (const f of found) {
      const key = subjectKey(f);
      keys.add(key);
      if (this.windowKeys.has(key)) continue;
      this.healthKeys.add(key);
      this.onFinding?.(f);
    }
    this.windowKeys = keys;
    this.windowHealth = new HealthTracker();
    this.windowStart = now;
  }

  /** Each VIP's owner now (the last owner change, or its first claimant), by its claims. */
  owners(): { vip: string; mac: string; role: 'director' | 'rs' | 'other' }[] {
    const analysis = this.analysis;
    const out: { vip: string; mac: string; role: 'director' | 'rs' | 'other' }[] = [];
    for (const av of this.addresses()) {
      if (!av.isVip) continue;
      const own = analyseOwnership(av.sequence, (mac) => analysis.isDirectorMac(mac));
      const mac = own.changes.length > 0 ? own.changes[own.changes.length - 1]!.to : own.firstOwner?.mac;
      if (mac === undefined) continue;
      out.push({ vip: av.ip, mac, role: analysis.isDirectorMac(mac) ? 'director' : analysis.isRealServerMac(mac) ? 'rs' : 'other' });
    }
    return out;
  }

  /** Some director is known, given or shown by the capture (copies, the VIP's claims, the L2 path). */
  knowsDirector(): boolean {
    return this.resolution.directors.size > 0;
  }

  /** The IP of a real server's MAC, when known. */
  realServerIp(mac: string): string | undefined {
    return this.analysis.realServerIp(mac);
  }

  /** Hands a finding to onFinding unless it was told already (by a preview). */
  private emit(f: Finding): void {
    const onFinding = this.onFinding;
    if (onFinding === undefined) return;
    // A flow is judged once: its findings are new by construction.
    if (f.flow === undefined) {
      const server = this.serverRules.has(f.rule);
      const key = server ? subjectKey(f) : findingKey(f);
      if (server ? this.healthKeys.has(key) : this.emitted.has(key)) return;
      if (!server) {
        if (this.emitted.size >= MAX_EMITTED_KEYS) this.emitted.clear();
        this.emitted.add(key);
      }
    }
    onFinding(f);
  }

  /** Runs the address and scheduling rules and assembles the judgement; call once, last. */
  finish(): Judgement {
    this.refresh();
    const r = this.resolution;
    const addresses = this.addresses();
    for (const { on } of this.listeners) on.addresses?.(addresses);
    const balance = this.balance.views(r, this.facts.book);
    for (const { on } of this.listeners) on.balance?.(balance);
    const givenServices = this.givenServices();
    for (const { on } of this.listeners) on.givenServices?.(givenServices);
    const vrrp = buildVrrpView(this.facts.vrrp, this.facts.book, this.facts.given.vrrpInstances ?? [], this.captureEnd());
    for (const { on } of this.listeners) on.vrrp?.(vrrp);
    const health = this.health.views((mac) => this.analysis.realServerIp(mac));
    for (const { on } of this.listeners) on.realServers?.(health);
    const unreached = givenServices.filter((s) => s.flows === 0).map((s) => serviceLabel({ vip: s.vip, port: s.port, proto: s.proto }));
    const services = balance.map((v) => {
      const label = serviceLabel(v);
      const mine = this.findings.filter((f) => f.service === label);
      const verdict = !v.configured
        ? 'observed'
        : mine.some((f) => f.severity === 'error')
          ? 'fail'
          : mine.some((f) => f.severity === 'warning')
            ? 'warning'
            : 'pass';
      return balanceReport(v, verdict);
    });

    // Stable order: flow findings by first frame, then address findings by first frame.
    const order = this.findings.map((f, i) => ({ f, i }));
    const firstOf = (f: Finding): [number, number] => [f.frames[0]?.capture ?? 0, f.frames[0]?.frame ?? 0];
    order.sort((x, y) => {
      const ax = x.f.flow ? 0 : 1;
      const ay = y.f.flow ? 0 : 1;
      if (ax !== ay) return ax - ay;
      const [cx, fx] = firstOf(x.f);
      const [cy, fy] = firstOf(y.f);
      return cx - cy || fx - fy || (x.f.rule < y.f.rule ? -1 : x.f.rule > y.f.rule ? 1 : 0);
    });
    const newIndex = new Map<number, number>();
    order.forEach((o, n) => newIndex.set(o.i, n));
    const findings = order.map((o) => o.f);
    const causes = findCauses(findings, this.analysis);
    const reports = this.reports.sort((x, y) => x.firstFrame.capture - y.firstFrame.capture || x.firstFrame.frame - y.firstFrame.frame);
    for (const rep of reports) rep.findings = rep.findings.map((i) => newIndex.get(i) ?? i).sort((x, y) => x - y);

    const book = this.facts.book;
    const rsReport: TopologyReport['realServers'] = [...r.realServers.entries()].map(([mac, rs]) => ({
      mac: formatMac(mac),
      ...(rs.ip !== undefined ? { ip: book.format(rs.ip) } : {}),
      source: rs.source,
      flows: this.flowsPerRs.get(formatMac(mac)) ?? 0,
      ...(rs.evidence ? { evidence: rs.evidence } : {}),
      ...(this.health.has(formatMac(mac)) ? { health: this.health.report(formatMac(mac)) } : {}),
    }));
    const notes = [...r.notes];
    const copyCount = r.serviceCopies.reduce((n, c) => n + c.count, 0);
    const confidence = r.confidence;
    if (r.services.length === 0) {
      notes.push(
        'no VIP given and none could be inferred: no client packet was seen re-sent by a director (a client- or RS-side capture cannot show it); give --vip to judge flows',
      );
    } else if (r.directors.size === 0) {
      notes.push('no director could be identified: no forwarded copies and no single owner of the VIP; give --director-mac');
    }
    if (unreached.length > 0) notes.push(`no flow in this capture reached ${unreached.join(', ')}`);
    if (copyCount === 0 && r.services.length > 0 && !r.forwardingVisible) {
      notes.push("this vantage point does not show the director's forwarding: director rules were not judged");
    }
    return {
      topology: { vips: r.vipReport, directors: [...r.directors.values()], realServers: rsReport, clients: this.clientCount(), vrrp: vrrpRouters(vrrp), notes, confidence },
      flows: reports,
      causes,
      findings,
      timeline: this.timeline(vrrp),
      services,
      vantagePoints: r.vantagePoints,
      unlistedFlows: this.unlisted,
      suppressedFindings: this.suppressed,
      flowsByVerdict: this.byVerdict,
    };
  }

  // ---------------------------------------------------------------------------------------------

  private report(rule: Rule, d: Parameters<Parameters<Rule['create']>[0]['report']>[0]): void {
    const flow = d.flow ?? this.currentFlow;
    let severity: Severity = d.severity ?? rule.defaultSeverity;
    const guessed = severity === 'error' && !this.resolution.confident && d.certain !== true;
    if (guessed) severity = 'warning';
    if (this.previewing !== null) {
      this.previewing.push(this.finding(rule, d, severity, guessed, flow));
      return;
    }
    const kept = this.perRule.get(rule.id) ?? 0;
    if (kept >= this.keptFindings) {
      this.suppressed[rule.id] = (this.suppressed[rule.id] ?? 0) + 1;
      // The flow still fails: remember the verdict without keeping the finding.
      if (this.flowFindings && severity === 'error') this.flowFindings.push(-1);
      // Watching live, every finding is told, kept or not.
      if (this.onFinding !== undefined) this.emit(this.finding(rule, d, severity, guessed, flow));
      return;
    }
    this.perRule.set(rule.id, kept + 1);
    this.findings.push(this.finding(rule, d, severity, guessed, flow));
    if (this.flowFindings && flow === this.currentFlow) this.flowFindings.push(this.findings.length - 1);
    this.emit(this.findings[this.findings.length - 1]!);
  }

  private finding(rule: Rule, d: Parameters<Parameters<Rule['create']>[0]['report']>[0], severity: Severity, guessed: boolean, flow: FlowView | undefined): Finding {
    const data = d.data;
    return {
      rule: rule.id,
      severity,
      messageId: d.messageId,
      message:
        fillTemplate(rule.messages[d.messageId] ?? d.messageId, data) +
        (guessed ? ' (a warning only: the topology is a guess; give --vip to confirm)' : ''),
      data,
      frames: d.frames,
      ...(flow ? { flow: { client: flow.client, vip: flow.vip, proto: flow.proto } } : {}),
      ...(d.mac !== undefined ? { mac: d.mac } : {}),
      ...(d.service !== undefined ? { service: d.service } : {}),
      remediation: d.remediation,
      displayFilter: displayFilter(d.frames),
      cause: -1,
    };
  }

  private clientCount(): number {
    return this.clients4.size + this.clients6.size;
  }

  /**
   * Text of a server-side address. Judging formats the same few addresses (VIP, RS) for
   * every flow: the texts are kept, and one string per address also makes the rules' string
   * comparisons pointer checks.
   */
  private ipText(n: number): string {
    let t = this.ipTexts.get(n);
    if (t === undefined) {
      t = this.facts.book.format(n);
      if (this.ipTexts.size >= IP_TEXT_CACHE) this.ipTexts.clear();
      this.ipTexts.set(n, t);
    }
    return t;
  }

  private mac(n: number): string | undefined {
    if (n < 0) return undefined;
    let t = this.macText.get(n);
    if (t === undefined) {
      t = formatMac(n);
      this.macText.set(n, t);
    }
    return t;
  }

  private roleOf(leg: Leg): LegRole {
    const r = this.resolution;
    if (leg.direction === Direction.Reply) {
      if (leg.srcMac >= 0 && r.isDirector(leg.srcMac)) return 'reply-from-director';
      if (leg.dstMac >= 0 && r.isDirector(leg.dstMac)) return 'reply-to-director';
      return 'reply';
    }
    if (leg.srcMac >= 0 && r.isDirector(leg.srcMac) && !(leg.dstMac >= 0 && r.isDirector(leg.dstMac))) return 'forwarded';
    if (leg.dstMac >= 0 && r.isDirector(leg.dstMac)) return 'to-director';
    if (leg.dstMac >= 0 && r.isRealServer(leg.dstMac)) return 'bypass';
    if (leg.copies > 0) return 'forwarded';
    if (leg.dstMac < 0 && !leg.outgoing) {
      // Cooked capture: an incoming frame on the director is addressed to it.
      const host = r.hostMacs[leg.firstCapture] ?? -1;
      if (host >= 0 && r.isDirector(host)) return 'to-director';
    }
    return 'request-other';
  }

  /** `clientIp`/`clientText`: the flow's client, formatted once per flow rather than per leg. */
  private legView(leg: Leg, clientIp: number, clientText: string): LegView {
    return {
      role: this.roleOf(leg),
      srcMac: this.mac(leg.srcMac),
      dstMac: this.mac(leg.dstMac),
      srcIp: leg.srcIp === clientIp ? clientText : this.ipText(leg.srcIp),
      dstIp: leg.dstIp === clientIp ? clientText : this.ipText(leg.dstIp),
      srcPort: leg.srcPort,
      dstPort: leg.dstPort,
      packets: leg.packets,
      first: frameRef(leg.firstCapture, leg.firstFrame),
      firstTime: leg.firstTime,
      last: frameRef(leg.lastCapture, leg.lastFrame),
      lastTime: leg.lastTime,
      uncopied: leg.uncopied,
      firstUncopied: leg.uncopied > 0 ? frameRef(leg.firstUncopiedCapture, leg.firstUncopiedFrame) : null,
      copies: leg.copies,
      encapsulated: leg.encapsulated,
    };
  }

  // Built once per judged flow, so it avoids the array helpers' closures and temporary arrays:
  // on a healthy capture the views were most of what the check allocated.
  private flowView(flow: Flow, flowLegs: LegList, captureEnd: number): FlowView {
    const r = this.resolution;
    const clientText = this.facts.book.format(flow.clientIp);
    const legs: LegView[] = [];
    for (let i = 0; i < flowLegs.count; i++) legs.push(this.legView(flowLegs.legs[i]!, flow.clientIp, clientText));
    sortByFirstFrame(legs);
    const toDirector: LegView[] = [];
    const forwarded: LegView[] = [];
    const bypass: LegView[] = [];
    const replies: LegView[] = [];
    let lastForwarded = -Infinity;
    for (const l of legs) {
      switch (l.role) {
        case 'to-director':
          toDirector.push(l);
          break;
        case 'forwarded':
          forwarded.push(l);
          if (l.lastTime > lastForwarded) lastForwarded = l.lastTime;
          break;
        case 'bypass':
          bypass.push(l);
          break;
        case 'reply':
        case 'reply-to-director':
        case 'reply-from-director':
          replies.push(l);
          break;
        default:
          break;
      }
    }
    const cd = flow.copyDifference;
    return {
      proto: flow.proto === 17 ? 'udp' : 'tcp',
      client: { ip: clientText, port: flow.clientPort },
      vip: { ip: this.ipText(flow.serverIp), port: flow.serverPort },
      legs,
      toDirector,
      forwarded,
      bypass,
      replies,
      copyDifference: cd
        ? { copy: frameRef(cd.copyCapture, cd.copyFrame), original: frameRef(cd.originalCapture, cd.originalFrame), changes: cd.changes, mode: cd.mode }
        : null,
      firstFrame: frameRef(flow.firstCapture, flow.firstFrame),
      lastFrame: frameRef(flow.lastCapture, flow.lastFrame),
      sawStart: flow.proto !== 6 || flow.sawSyn,
      sawEnd: flow.proto !== 6 || flow.sawRst || (flow.finFromClient && flow.finFromServer),
      observable: { forwarding: r.forwardingVisible, replies: repliesVisible(r.vantagePoints, legs, forwarded) },
      endedBeforeReplyDue: captureEnd - lastForwarded < REPLY_WAIT_SECONDS,
      retransmissions: flow.retransmissions,
      retransmittedAfterCopy: flow.retransmittedAfterCopy,
      requestAcked: flow.requestAcked,
    };
  }

  /** Writes the flow's report (when listed) and returns the RS the director scheduled it to, if known. */
  private writeReport(fv: FlowView, flow: Flow, indices: number[]): string | undefined {
    let errors = false;
    for (const i of indices) {
      if (i < 0 || this.findings[i]?.severity === 'error') {
        errors = true;
        break;
      }
    }
    let verdict: FlowVerdict = errors ? 'fail' : 'pass';
    let incompleteReason: string | undefined;
    let note: string | undefined;
    if (!errors) {
      if (!fv.sawStart) incompleteReason = 'no SYN seen: the connection started before the capture';
      else if (fv.replies.length === 0 && !fv.observable.replies) {
        // Every leg this point can see is right: the flow passes here. A TCP connection whose
        // client never closed it is still open, as far as anything here can tell.
        if (flow.proto === 6 && !flow.sawRst && !flow.finFromClient) incompleteReason = 'still open at the end of the capture';
        else note = REPLIES_NOT_VISIBLE;
      } else if (!fv.sawEnd) incompleteReason = 'still open at the end of the capture';
      else if (fv.replies.length === 0 && fv.endedBeforeReplyDue) incompleteReason = 'the capture ended before an answer was due';
      if (incompleteReason) verdict = 'incomplete';
    }
    const rsMacs: string[] = [];
    for (const l of fv.forwarded) if (l.dstMac !== undefined && !rsMacs.includes(l.dstMac)) rsMacs.push(l.dstMac);
    // The director scheduled the connection if it forwarded it, or (from the client's side,
    // where copies never show) if the client sent it to the director; not if it bypassed it.
    const scheduled = rsMacs.length > 0 || fv.toDirector.length > 0;
    for (const l of fv.bypass) if (l.dstMac !== undefined && !rsMacs.includes(l.dstMac)) rsMacs.push(l.dstMac);
    if (rsMacs.length === 0) {
      // A client-side capture never sees the copy; the RS shows as the sender of the replies.
      for (const l of fv.replies) {
        if (l.role === 'reply' && l.srcMac !== undefined && this.analysis.isRealServerMac(l.srcMac) && !rsMacs.includes(l.srcMac)) rsMacs.push(l.srcMac);
      }
    }
    this.byVerdict[verdict]++;
    this.lastVerdict = verdict;
    if (this.clientCount() < MAX_CLIENTS_COUNTED) {
      if (flow.clientIp < 0x100000000) this.clients4.add(flow.clientIp | 0);
      else this.clients6.add(flow.clientIp);
    }
    if (rsMacs[0] !== undefined) this.flowsPerRs.set(rsMacs[0], (this.flowsPerRs.get(rsMacs[0]) ?? 0) + 1);
    this.flowRs = rsMacs[0];
    const scheduledRs = scheduled ? rsMacs[0] : undefined;
    const listed =
      verdict === 'pass'
        ? this.listedPassing < this.passingFlows
        : this.reports.length < MAX_LISTED_FLOWS && this.reports.length - this.listedPassing < this.listedFlows;
    if (!listed) {
      this.unlisted++;
      return scheduledRs;
    }
    if (verdict === 'pass') this.listedPassing++;
    const realServers = rsMacs.map((mac) => {
      const ip = this.analysis.realServerIp(mac);
      return ip !== undefined ? { mac, ip } : { mac };
    });
    const count = (legs: LegView[]): number => legs.reduce((n, l) => n + l.packets, 0);
    this.reports.push({
      // Copies, not the view's own objects: a report outlives its view, and V8 allocates
      // straight into the old generation from any allocation site whose objects tend to
      // survive. Reports keeping views' parts alive made every later view old-space garbage
      // (peak RSS of a 10M-frame check 221 MB, 160 MB with copies: commit dbe87e8, 2026-11-26).
      client: { ip: fv.client.ip, port: fv.client.port },
      vip: { ip: fv.vip.ip, port: fv.vip.port },
      proto: fv.proto,
      realServer: realServers[0] ?? null,
      realServers,
      packets: { toDirector: count(fv.toDirector), forwarded: count(fv.forwarded), replies: count(fv.replies), bypass: count(fv.bypass) },
      firstFrame: frameRef(fv.firstFrame.capture, fv.firstFrame.frame),
      lastFrame: frameRef(fv.lastFrame.capture, fv.lastFrame.frame),
      start: epoch(flow.firstTime),
      end: epoch(flow.lastTime),
      verdict,
      ...(incompleteReason ? { incompleteReason } : {}),
      ...(note ? { note } : {}),
      findings: indices.filter((i) => i >= 0),
    });
    return scheduledRs;
  }

  private makeAnalysis(): AnalysisView {
    const r = this.resolution;
    const book = this.facts.book;
    const vipTexts = [...r.vipIps].map((ip) => book.format(ip));
    const labels = this.labels;
    const judge = this;
    return {
      vantage: r.vantagePoints[0] ?? { kind: 'unknown', hostMac: undefined, hostRole: undefined, description: 'no capture' },
      realServersGiven: r.realServersGiven,
      isDirectorMac: (mac) => mac !== undefined && r.isDirector(parseMac(mac) ?? -1),
      isRealServerMac: (mac) => mac !== undefined && r.isRealServer(parseMac(mac) ?? -1),
      realServerIp: (mac) => {
        const ip = r.realServers.get(parseMac(mac) ?? -1)?.ip;
        return ip !== undefined ? book.format(ip) : undefined;
      },
      isVip: (ip) => vipTexts.includes(ip),
      host: (mac, family, options) => judge.hostOf(mac, family, options?.ip, options?.unknownAs ?? 'host'),
      clientGateway: (clientIp, senderMac) => judge.clientGateway(clientIp, senderMac),
      directorHosts: (family) => [...r.directors.keys()].map((m) => judge.hostOf(formatMac(m), family, undefined)),
      realServerHosts: (family) => [...r.realServers.keys()].map((m) => judge.hostOf(formatMac(m), family, undefined)),
      vips: vipTexts,
      frameLabel: (ref) => (labels.length > 1 ? `${labels[ref.capture] ?? '?'} frame ${ref.frame}` : `frame ${ref.frame}`),
      get addresses() {
        return judge.addresses();
      },
      get destinations() {
        return judge.destinations();
      },
    };
  }

  /** A MAC's own addresses of one family as claimed in ARP/ND, VIPs left out. */
  private ownAddresses(mac: number, family: 4 | 6): string[] {
    const book = this.facts.book;
    const vips = this.resolution.vipIps;
    const own = (this.facts.claims.firstIpOfMac.get(mac) ?? []).filter((ip) => !vips.has(ip) && book.family(ip) === family).map((ip) => book.format(ip));
    // A link-local address names the host on one link only (and every IPv6 host has one): its
    // global address first, where the capture shows one.
    const linkLocal = (ip: string): number => (/^fe80:/i.test(ip) ? 1 : 0);
    return own.sort((a, b) => linkLocal(a) - linkLocal(b));
  }

  /** See AnalysisView.host. */
  private hostOf(macText: string | undefined, family: 4 | 6, ip: string | undefined, unknownAs: HostRef['role'] = 'host'): HostRef {
    const r = this.resolution;
    const book = this.facts.book;
    const known = ip !== undefined && !this.analysis.isVip(ip) && ip.includes(':') === (family === 6) ? ip : undefined;
    const mac = macText === undefined ? -1 : (parseMac(macText) ?? -1);
    const withMac = (role: HostRef['role'], address: string | undefined): HostRef => ({
      role,
      ...(address !== undefined ? { ip: address } : {}),
      ...(macText !== undefined ? { mac: macText } : {}),
    });
    if (mac < 0) return withMac(unknownAs, known);
    const own = this.ownAddresses(mac, family);
    const director = r.directors.get(mac);
    if (director) {
      const dip = director.ip !== undefined && director.ip.includes(':') === (family === 6) ? director.ip : undefined;
      // Its address from its VRRP adverts is link-local over IPv6, which names no host off the
      // link: its global address where the capture shows one, else its MAC alone.
      if (known === undefined && dip !== undefined && /^fe80:/i.test(dip)) return withMac('director', own.find((a) => !/^fe80:/i.test(a)));
      return withMac('director', known ?? dip ?? own[0]);
    }
    const rs = r.realServers.get(mac);
    if (rs) {
      const rip = rs.ip !== undefined && book.family(rs.ip) === family ? book.format(rs.ip) : undefined;
      return withMac('real-server', known ?? rip ?? own[0]);
    }
    if (r.routers.has(mac)) return withMac('router', own[0]);
    return withMac(unknownAs, known ?? own[0]);
  }

  /** See AnalysisView.clientGateway. */
  private clientGateway(clientIp: string, senderMac: string | undefined): HostRef {
    const family = clientIp.includes(':') ? 6 : 4;
    let mac = senderMac === undefined ? -1 : (parseMac(senderMac) ?? -1);
    if (mac < 0) {
      // No frame of the client's on this capture: a MAC that claims the client's address is the client on the segment.
      const claims = this.facts.claims.byIp.get(this.facts.book.intern(clientIp));
      const claimant = claims ? [...claims.claimants.keys()][0] : undefined;
      if (claimant === undefined) return { role: 'router' };
      mac = claimant;
    }
    const macText = formatMac(mac);
    const own = this.ownAddresses(mac, family);
    if (this.resolution.routers.has(mac) || (own.length > 0 && !own.includes(clientIp))) {
      return { role: 'router', ...(own[0] !== undefined ? { ip: own[0] } : {}), mac: macText };
    }
    return { role: 'client', ip: clientIp, mac: macText };
  }

  /** Server endpoints with traffic, likeliest VIPs first (see AnalysisView.destinations). */
  private destinations(): DestinationView[] {
    const book = this.facts.book;
    const out: DestinationView[] = [];
    for (const p of this.facts.paths.paths.values()) {
      if (book.isGroupOrUnspecified(p.ip)) continue;
      const v = judgePath(p);
      out.push({ ip: book.format(p.ip), port: p.port, proto: p.proto === 17 ? 'udp' : 'tcp', flows: p.flows, evidence: v.asymmetric ? v.why : undefined });
    }
    return out.sort((x, y) => Number(y.evidence !== undefined) - Number(x.evidence !== undefined) || y.flows - x.flows);
  }

  private givenServices(): GivenServiceView[] {
    const r = this.resolution;
    const out: GivenServiceView[] = [];
    for (const s of this.facts.given.services) {
      if (s.vip === '') continue;
      const i = r.serviceIndex(this.facts.book.intern(s.vip), s.port ?? -1, s.proto === 'udp' ? 17 : 6);
      let flows = 0;
      // A service without a port is reached by a flow to any port of the VIP.
      if (s.port === undefined) {
        for (let j = 0; j < r.services.length; j++) if (r.services[j]!.ip === r.services[i]?.ip) flows += this.flowsPerService[j] ?? 0;
      } else if (i >= 0) flows = this.flowsPerService[i] ?? 0;
      const addressSeen = this.facts.claims.byIp.has(this.facts.book.intern(s.vip));
      out.push({ vip: s.vip, port: s.port, proto: s.proto, asserted: s.asserted === true, flows, addressSeen });
    }
    return out;
  }

  /** Address views of the claims so far, rebuilt only when a claim was added since. */
  private addresses(): AddressView[] {
    const version = this.facts.claims.version + this.facts.solicitations.version;
    if (this.addressVersion !== version) {
      this.addressViews = this.buildAddressViews(null);
      this.addressVersion = version;
    }
    return this.addressViews;
  }

  /** `liveNow`: the newest frame's time while watching live (a requester may still send), null at the end. */
  private buildAddressViews(liveNow: number | null): AddressView[] {
    const r = this.resolution;
    const book = this.facts.book;
    const macText = (n: number): string => this.mac(n) ?? '?';
    const duplicates = this.duplicateAnswerViews(liveNow);
    return [...this.facts.claims.byIp.values()]
      .sort((x, y) => x.ip - y.ip)
      .map((c) => ({
        ip: book.format(c.ip),
        family: book.family(c.ip),
        isVip: r.vipIps.has(c.ip),
        claimants: [...c.claimants.values()].map((cl) => ({
          mac: macText(cl.mac),
          role: r.isDirector(cl.mac) ? ('director' as const) : r.isRealServer(cl.mac) ? ('rs' as const) : ('other' as const),
          count: cl.count,
          frames: cl.frames.map((fr) => frameRef(fr.capture, fr.frame)),
          kinds: [...cl.kinds],
          firstTime: cl.firstTime,
          lastTime: cl.lastTime,
        })),
        sequence: c.sequence.map(
          (s): ClaimEvent => ({
            mac: macText(s.mac),
            kind: s.kind,
            frame: frameRef(s.capture, s.frame),
            time: s.time,
            to: s.to >= 0 && Math.floor(s.to / 0x10000000000) % 2 === 0 ? macText(s.to) : undefined,
          }),
        ),
        duplicateAnswers: duplicates.get(c.ip) ?? [],
      }));
  }

  private duplicateAnswerViews(liveNow: number | null): Map<number, DuplicateAnswerView[]> {
    const r = this.resolution;
    const book = this.facts.book;
    const macText = (n: number): string => this.mac(n) ?? '?';
    const byIp = new Map<number, DuplicateAnswerView[]>();
    for (const d of this.facts.solicitations.duplicates) {
      let list = byIp.get(d.ip);
      if (list === undefined) byIp.set(d.ip, (list = []));
      list.push({
        request: d.request ? frameRef(d.request.capture, d.request.frame) : null,
        requester: { mac: macText(d.requesterMac), ip: d.requesterIp >= 0 ? book.format(d.requesterIp) : undefined },
        answers: d.answers.map((a) => ({
          mac: macText(a.mac),
          frame: frameRef(a.capture, a.frame),
          role: r.isDirector(a.mac) ? ('director' as const) : r.isRealServer(a.mac) ? ('rs' as const) : ('other' as const),
        })),
        kept: d.kept ? { mac: macText(d.kept.mac), frame: frameRef(d.kept.capture, d.kept.frame) } : undefined,
        keptPending: d.kept === null && liveNow !== null && liveNow - d.time <= KEPT_WINDOW_SECONDS,
      });
    }
    return byIp;
  }

  /** The time up to which the captures are known. */
  private captureEnd(): number {
    return this.facts.captures.reduce((t, c) => Math.max(t, c.lastTime), 0);
  }

  private timeline(vrrp: VrrpView): TimelineEvent[] {
    const analysis = this.analysis;
    const roleName = (mac: string): string =>
      analysis.isDirectorMac(mac) ? 'director' : analysis.isRealServerMac(mac) ? 'real server' : 'unknown role';
    const timeline: TimelineEvent[] = [];
    for (const av of this.addresses()) {
      if (!av.isVip) continue;
      const own = analyseOwnership(av.sequence, (mac) => analysis.isDirectorMac(mac));
      if (own.firstOwner) {
        const e = own.firstOwner;
        timeline.push({ time: epoch(e.time), frame: e.frame, kind: 'claim', ip: av.ip, mac: e.mac, note: `${e.mac} (${roleName(e.mac)}) claims ${av.ip}` });
      }
      for (const ch of own.changes) {
        timeline.push({
          time: epoch(ch.event.time),
          frame: ch.event.frame,
          kind: 'owner-change',
          ip: av.ip,
          mac: ch.to,
          note: `${av.ip} moves from ${ch.from} to ${ch.to} (${roleName(ch.to)})`,
        });
      }
      for (const c of own.conflicts) {
        const e = c.events[0];
        if (!e) continue;
        timeline.push({
          time: epoch(e.time),
          frame: e.frame,
          kind: 'conflict',
          ip: av.ip,
          mac: c.mac,
          note: `${c.mac} (${roleName(c.mac)}) claims ${av.ip} while ${c.owner} owns it`,
        });
      }
    }
    // The first bypassing connection of each client: when balancing stopped for it.
    const bypassStart = new Map<string, { time: number; frame: FrameRef; mac: string; vip: string }>();
    for (const f of this.findings) {
      if (f.rule !== 'client-bypass' || !f.flow || !f.frames[0]) continue;
      const time = Number(f.data.at ?? 0);
      const prev = bypassStart.get(f.flow.client.ip);
      if (!prev || f.frames[0].capture < prev.frame.capture || f.frames[0].frame < prev.frame.frame) {
        bypassStart.set(f.flow.client.ip, { time, frame: f.frames[0], mac: f.mac ?? '?', vip: f.flow.vip.ip });
      }
    }
    for (const [client, b] of bypassStart) {
      timeline.push({
        time: epoch(b.time),
        frame: b.frame,
        kind: 'bypass-start',
        ip: b.vip,
        mac: b.mac,
        note: `client ${client} sends to ${b.vip} via ${b.mac}, bypassing the director`,
      });
    }
    timeline.push(...vrrpTimeline(vrrp, this.addresses()));
    timeline.sort((x, y) => Number(x.time) - Number(y.time) || x.frame.capture - y.frame.capture || x.frame.frame - y.frame.frame);
    return timeline;
  }
}

/** Legs by first frame; a stable insertion sort (a flow has a handful), allocating nothing. */
function sortByFirstFrame(legs: LegView[]): void {
  for (let i = 1; i < legs.length; i++) {
    const l = legs[i]!;
    let j = i - 1;
    while (j >= 0 && (legs[j]!.first.capture > l.first.capture || (legs[j]!.first.capture === l.first.capture && legs[j]!.first.frame > l.first.frame))) {
      legs[j + 1] = legs[j]!;
      j--;
    }
    legs[j + 1] = l;
  }
}

/**
 * Whether the replies of a flow can be seen from the capture points: on a mirror, on the port of
 * the RS that got the flow, or on the client's.
 */
function repliesVisible(points: readonly VantagePoint[], legs: readonly LegView[], forwarded: readonly LegView[]): boolean {
  for (const v of points) {
    if (v.kind === 'mirror') return true;
    if (v.hostMac === undefined) continue;
    if (v.hostRole === 'rs') {
      for (const l of forwarded) if (l.dstMac === v.hostMac) return true;
    } else if (v.hostRole === 'client' || v.hostRole === 'router') {
      for (const l of legs) if ((l.role === 'to-director' || l.role === 'bypass') && l.srcMac === v.hostMac) return true;
    }
  }
  return false;
}

/** Seconds since the epoch as a decimal string with microsecond precision (a float holds ~0.2 µs). */
export function epoch(t: number): string {
  return t.toFixed(6);
}

/** What makes a finding the same one when the rules run again on more of the capture. */
function findingKey(f: Finding): string {
  const first = f.frames[0];
  return `${f.rule}|${f.messageId}|${f.mac ?? ''}|${f.service ?? ''}|${first ? `${first.capture}:${first.frame}` : ''}`;
}

/** A real server's health finding is about the server, whatever frames a window cites. */
function subjectKey(f: Finding): string {
  return `${f.rule}|${f.messageId}|${f.mac ?? ''}`;
}
