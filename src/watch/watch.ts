/**
 * `lvs-pcap watch`: the check's streaming engine on a live pipe (or a file), for days. Each
 * finding is printed once, as soon as it is known, as a text or JSON line with the time of the
 * frame that proves it; Prometheus metrics are served while it runs; a summary is printed when
 * the input ends or on SIGINT/SIGTERM. Memory stays bounded: no flow is kept for a report,
 * findings beyond a rule's limit are only counted, and the flow table is bounded (--max-flows).
 */
import Table from 'cli-table3';
import { checkCaptures, type LiveState } from '../check/check.js';
import type { CheckResult, Finding, Severity } from '../result/result.js';
import type { Rule } from '../rules/define.js';
import type { GivenTopology } from '../topology/topology.js';
import { endpoint, HEALTH_HEAD, healthCells, plural } from '../report/text.js';
import type { Style } from '../report/style.js';
import type { WatchMetrics } from './metrics.js';
import type { MetricsAddress, MetricsServer } from './server.js';

export type LineFormat = 'text' | 'json';

const LINE_WINDOW_SECONDS = 60;
/** Findings kept per rule for the summary (all are printed and counted). */
const KEPT_FINDINGS = 100;
/**
 * New connections kept per service for the scheduling rules judged at the end: the latest ones
 * (the metrics count every one).
 */
const KEPT_CONNECTIONS = 20_000;

export interface WatchOptions {
  /** A capture file, or '-' for stdin (tcpdump -U -w -). */
  input: string;
  given: GivenTopology;
  rules: readonly Rule[];
  format: LineFormat;
  style: Style;
  /** Serve /metrics and /healthz here. */
  metrics?: MetricsAddress;
  /** /healthz fails when no input arrived for this long. */
  staleSeconds: number;
  maxFlows?: number;
  /** Lines per rule per minute of capture time (0: no limit). */
  linesPerRule: number;
  version: string;
  signal: AbortSignal;
  /** Writes one line (no newline) to stdout. */
  out: (line: string) => void;
  /** Writes one line to stderr. */
  warn: (line: string) => void;
}

/** Runs until the input ends or `signal` aborts; returns the check's result (its summary is printed). */
export async function runWatch(o: WatchOptions): Promise<CheckResult> {
  let state: LiveState | null = null;
  let ended = false;
  let metrics: WatchMetrics | undefined;
  let server: MetricsServer | undefined;
  if (o.metrics !== undefined) {
    const { WatchMetrics } = await import('./metrics.js');
    const { serveMetrics } = await import('./server.js');
    metrics = new WatchMetrics(o.version, o.given, o.rules);
    server = await serveMetrics(o.metrics, metrics, { state: () => state, staleSeconds: o.staleSeconds, ended: () => ended });
    o.warn(`lvs-pcap: metrics on ${server.url}/metrics, health on ${server.url}/healthz`);
  }
  const limiter = new LineLimiter(o.linesPerRule, o.format, o.out);
  const timeOf = (f: Finding): number => {
    const first = f.frames[0];
    const t = first !== undefined && state !== null ? state.frameTime(first.capture, first.frame) : Number.NaN;
    return Number.isFinite(t) ? t : (state?.newestFrameTime ?? Number.NaN);
  };
  try {
    const result = await checkCaptures([o.input], {
      given: o.given,
      rules: o.rules,
      signal: o.signal,
      // Days of watching: no flow is kept for a report, a few findings per rule for the summary.
      passingFlows: 0,
      listedFlows: 0,
      keptFindings: KEPT_FINDINGS,
      keptConnections: KEPT_CONNECTIONS,
      ...(o.maxFlows !== undefined ? { maxFlows: o.maxFlows } : {}),
      onStart: (s) => {
        state = s;
        metrics?.attach(s);
      },
      onFinding: (f) => {
        const time = timeOf(f);
        metrics?.finding(f, time);
        limiter.finding(f, time, state?.newestFrameTime ?? time);
      },
      ...(metrics !== undefined
        ? { onFlowJudged: (j) => metrics?.flowJudged(j), onConnection: (vip, port, proto, mac) => metrics?.connection(vip, port, proto, mac) }
        : {}),
    });
    ended = true;
    limiter.flush();
    for (const line of summaryLines(result, o.format, o.style)) o.out(line);
    return result;
  } finally {
    ended = true;
    await server?.close();
  }
}

/**
 * Prints findings as lines, at most `perRule` per rule in each minute of capture time: a
 * failure that breaks every connection must not flood a log. What it holds back it counts, and
 * says so when the minute is over (or at the end).
 */
class LineLimiter {
  private windowStart = Number.NaN;
  private readonly printed = new Map<string, number>();
  private readonly held = new Map<string, { count: number; severity: Severity }>();

  constructor(
    private readonly perRule: number,
    private readonly format: LineFormat,
    private readonly out: (line: string) => void,
  ) {}

  finding(f: Finding, time: number, now: number): void {
    if (Number.isNaN(this.windowStart) && Number.isFinite(now)) this.windowStart = now;
    if (Number.isFinite(now) && now - this.windowStart >= LINE_WINDOW_SECONDS) {
      this.flush();
      this.windowStart = now;
    }
    const n = this.printed.get(f.rule) ?? 0;
    if (this.perRule > 0 && n >= this.perRule) {
      const h = this.held.get(f.rule);
      if (h !== undefined) h.count++;
      else this.held.set(f.rule, { count: 1, severity: f.severity });
      return;
    }
    this.printed.set(f.rule, n + 1);
    this.out(this.format === 'json' ? JSON.stringify({ type: 'finding', time: isoTime(time), ...f }) : findingLine(f, time));
  }

  /** Says what was held back, and starts counting afresh. */
  flush(): void {
    for (const [rule, h] of this.held) {
      this.out(
        this.format === 'json'
          ? JSON.stringify({ type: 'held-back', rule, severity: h.severity, count: h.count, perRule: this.perRule, windowSeconds: LINE_WINDOW_SECONDS })
          : `${plural(h.count, `more ${rule} finding`)} (${h.severity}) in this minute not printed (${this.perRule} a minute are; the metrics count them all)`,
      );
    }
    this.held.clear();
    this.printed.clear();
  }
}

/** One finding as a line: the proving frame's time and number, severity, rule, flow or subject, message. */
export function findingLine(f: Finding, time: number): string {
  const first = f.frames[0];
  const where = first !== undefined ? `frame ${first.frame}` : '-';
  const flow = f.flow ? ` ${endpoint(f.flow.client)} -> ${endpoint(f.flow.vip)}/${f.flow.proto}` : '';
  return `${isoTime(time)} ${where} ${f.severity} ${f.rule}${flow}: ${f.message}`;
}

/** Epoch seconds as ISO 8601 UTC with microseconds ("-" when unknown). */
export function isoTime(t: number): string {
  if (!Number.isFinite(t)) return '-';
  let seconds = Math.floor(t);
  let micros = Math.round((t - seconds) * 1e6);
  if (micros === 1_000_000) {
    seconds++;
    micros = 0;
  }
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
}

/** The summary printed when watching ends: counts, findings per rule, the real servers' health, the VIP owners. */
export function summaryLines(r: CheckResult, format: LineFormat, s: Style): string[] {
  const byRule: Record<string, number> = {};
  for (const f of r.findings) byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
  for (const [rule, n] of Object.entries(r.summary.suppressedFindings)) byRule[rule] = (byRule[rule] ?? 0) + n;
  if (format === 'json') {
    return [
      JSON.stringify({
        type: 'summary',
        verdict: r.verdict,
        captures: r.captures.map((c) => ({ path: c.path, frames: c.frames, vantagePoint: c.vantagePoint, issues: c.issues })),
        summary: r.summary,
        findingsByRule: byRule,
        topology: r.topology,
        timeline: r.timeline.filter((e) => e.kind !== 'claim'),
        services: r.services,
      }),
    ];
  }
  const v = r.summary.flowsByVerdict;
  const sev = r.summary.findingsBySeverity;
  const word = r.verdict === 'fail' ? s.red(s.bold('FAIL')) : r.verdict === 'pass' ? s.green(s.bold('PASS')) : s.yellow(s.bold('NO TRAFFIC'));
  const lines = [
    `lvs-pcap watch: ${word}: ${plural(r.summary.frames, 'frame')}, ${plural(r.summary.flows, 'flow')} (${v.pass} pass, ${v.fail} fail, ${v.incomplete} incomplete), ` +
      `${plural(sev.error, 'error')}, ${plural(sev.warning, 'warning')}, ${sev.info} info` +
      (r.summary.evictedFlows > 0 ? `; ${plural(r.summary.evictedFlows, 'flow')} judged early (flow table full)` : ''),
  ];
  const rules = Object.entries(byRule).sort((a, b) => b[1] - a[1]);
  if (rules.length > 0) lines.push(`  findings: ${rules.map(([rule, n]) => `${rule} ${n}`).join(', ')}`);
  for (const c of r.captures) lines.push(`  ${c.path}: vantage point: ${c.vantagePoint}`);
  const owners = r.timeline.filter((e) => e.kind === 'owner-change' || e.kind === 'conflict');
  if (owners.length > 0) lines.push(`  VIP ownership: ${plural(owners.filter((e) => e.kind === 'owner-change').length, 'owner change')}, ${plural(owners.filter((e) => e.kind === 'conflict').length, 'conflict')}`);
  const withHealth = r.topology.realServers.filter((x) => x.health !== undefined);
  if (withHealth.length > 0) {
    const table = new Table({ head: ['Real server', ...HEALTH_HEAD], style: { head: [], border: [] } });
    for (const x of withHealth) table.push([`${x.ip ?? '?'} ${x.mac ?? ''}`.trim(), ...healthCells(x.health!)]);
    lines.push(...table.toString().split('\n').map((l) => `  ${l}`));
  }
  return lines;
}
