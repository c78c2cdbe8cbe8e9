/**
 * The shape of a rule, after typescript-eslint's `createRule({ meta, create })`: a declarative
 * object with its documentation and message templates, and a `create` that returns listeners
 * for the analysis events it needs. Rules never build sentences or touch output: they report
 * a message id with data, and the reporters fill the template.
 */
import type { FrameRef, Remediation, Severity } from '../result/result.js';
import type { AddressView, AnalysisView, FlowView, GivenServiceView, RealServerHealthView, ServiceBalanceView, VrrpView } from '../result/views.js';

export type RuleKind = 'flow' | 'address' | 'service' | 'vrrp' | 'server';

export interface RuleMeta {
  /** Short statement of what the rule checks (one line, for `lvs-pcap rules`). */
  summary: string;
  /** Why LVS-DR needs it: what goes wrong on a real network when it is violated. */
  rationale: string;
  /**
   * What to change, in general, one line each (`lvs-pcap explain`, the README); `<name>` stands
   * for a value a report fills in. A finding carries its own fix as data (ReportDescriptor).
   */
  remediation: string[];
  /** What the rule needs to see in a capture, and what it does when it cannot (observability). */
  observability: string;
}

export interface ReportDescriptor<M extends string> {
  messageId: M;
  data: Record<string, string | number>;
  /** Evidence, the proving frame first. */
  frames: FrameRef[];
  /** The flow concerned (flow rules). */
  flow?: FlowView;
  /** The MAC concerned (address rules), as text. */
  mac?: string;
  /** The virtual service concerned (scheduling rules), as serviceLabel() names it. */
  service?: string;
  /** The fix for this finding: each change on the host that must make it. */
  remediation: Remediation[];
  /** Overrides the rule's default severity for this report (e.g. info for a benign case). */
  severity?: Severity;
  /**
   * The finding rests on facts that do not depend on who is director or real server (several
   * MACs answering one ARP request, a client retransmitting unanswered): it keeps its severity
   * even when the topology is only a guess.
   */
  certain?: boolean;
}

export interface RuleContext<M extends string> {
  /** Topology and vantage point as the analysis resolved them. */
  readonly analysis: AnalysisView;
  report(descriptor: ReportDescriptor<M>): void;
}

export interface RuleListeners {
  /** A finished flow to a VIP service, with its legs resolved into roles. */
  flowEnd?(flow: FlowView): void;
  /** Every IP address claimed on the wire (ARP replies/announcements, Neighbor Advertisements). */
  addresses?(addresses: readonly AddressView[]): void;
  /** Every virtual service with the new connections the director scheduled, at the end. */
  balance?(services: readonly ServiceBalanceView[]): void;
  /** Every virtual service the user gave, with the flows that reached it, at the end. */
  givenServices?(services: readonly GivenServiceView[]): void;
  /** The VRRP advertisements seen, with the instances the keepalived.conf files given configure, at the end. */
  vrrp?(view: VrrpView): void;
  /**
   * Every real server that got connections, with what they showed of its health: at the end,
   * and while watching a live director once per health window (then over that window only).
   */
  realServers?(servers: readonly RealServerHealthView[]): void;
}

export interface Rule<M extends string = string> {
  id: string;
  kind: RuleKind;
  defaultSeverity: Severity;
  meta: RuleMeta;
  messages: Readonly<Record<M, string>>;
  create(context: RuleContext<M>): RuleListeners;
}

/** Identity at run time; pins `M` so that reporting an unknown message id fails to compile. */
export function defineRule<M extends string>(rule: Rule<M>): Rule<M> {
  return rule;
}

/**
 * Fills `{name}` placeholders, and `{name|one|many}` with `one` when data[name] is 1, `many`
 * otherwise (so data holds only facts, no plural endings). Unknown names stay visible rather
 * than silently vanishing.
 */
export function fillTemplate(template: string, data: Record<string, string | number>): string {
  return template.replace(/\{(\w+)(?:\|([^|{}]*)\|([^|{}]*))?\}/g, (whole, name: string, one: string | undefined, many: string | undefined) => {
    const value = data[name];
    if (value === undefined) return whole;
    if (one !== undefined && many !== undefined) return Number(value) === 1 ? one : many;
    return String(value);
  });
}
