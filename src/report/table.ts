/**
 * The default report: per-flow verdict table, address findings, topology, timeline, summary.
 * Passing flows are folded into a count unless `allFlows` is set, so a capture with 50,000
 * healthy flows and one broken one shows the broken one.
 */
import Table from 'cli-table3';
import type { CheckResult, Finding, FlowReport, FrameRef } from '../result/result.js';
import { displayFilter } from '../result/display-filter.js';
import type { Style } from './style.js';
import { writeGrid } from './grid.js';
import { endpoint, frameText, framesText, plural } from './text.js';
import { serviceLabel } from '../result/service-label.js';

export interface TableOptions {
  style: Style;
  allFlows: boolean;
  /** Include the VIP timeline section even without address events. */
  timeline: boolean;
}

export const FLOW_TABLE_HEAD = ['Client', 'VIP', 'Proto', 'Real server', 'Packets c>d d>rs rs>c', 'First', 'Verdict', 'Findings (rule: frame)'];
const SYMBOL = { pass: '✓', fail: '✗', incomplete: '?' } as const;

/** The report as one string (tests, files written whole). */
export function formatTable(result: CheckResult, options: TableOptions): string {
  const lines: string[] = [];
  writeTable(result, options, (line) => lines.push(line));
  return `${lines.join('\n')}\n`;
}

/**
 * The report, handed to `writeLine` line by line as it is made (a line may hold newlines of its
 * own): a table of 50,000 failing flows is tens of MB of text, which need not all be in memory.
 */
export function writeTable(result: CheckResult, options: TableOptions, writeLine: (line: string) => void): void {
  const s = options.style;
  const emit = (...lines: string[]): void => {
    for (const line of lines) writeLine(line);
  };
  const verdictWord =
    result.verdict === 'fail' ? s.red(s.bold('FAIL')) : result.verdict === 'pass' ? s.green(s.bold('PASS')) : s.yellow(s.bold('NO TRAFFIC'));
  emit(`lvs-pcap check: ${verdictWord}`);
  for (const c of result.captures) {
    emit(`  ${c.path}: ${c.format}, ${plural(c.frames, 'frame')}, vantage point: ${c.vantagePoint}`);
    for (const i of c.issues) emit(`    ${i.severity}: ${i.message} (byte ${i.offset})`);
  }
  emit('');

  const flows = result.flows;
  const shown = options.allFlows ? flows : flows.filter((f) => f.verdict !== 'pass');
  const v = result.summary.flowsByVerdict;
  const total = result.summary.flows;
  emit(s.bold(`Flows: ${total} (${v.pass} pass, ${v.fail} fail, ${v.incomplete} incomplete)`));
  if (shown.length > 0) {
    writeGrid(FLOW_TABLE_HEAD, shown.map((f) => flowTableRow(result, f, s)), emit);
  }
  // Without --all-flows every passing flow is a count, whether the result lists it or not
  // (the CLI then has none listed: see CheckOptions.passingFlows); the "not kept" line is left
  // with the failing and incomplete flows beyond the listing bound.
  let notKept = result.summary.unlistedFlows;
  if (!options.allFlows && v.pass > 0) {
    const passingListed = flows.length - shown.length;
    notKept -= v.pass - passingListed;
    emit(s.dim(`${plural(v.pass, 'passing flow')} not listed (--all-flows lists them)`));
  }
  if (notKept > 0) emit(s.dim(`${plural(notKept, 'more flow')} judged and counted but not kept for listing (large capture)`));
  if (result.summary.evictedFlows > 0) {
    emit(s.yellow(`note: the flow table was full: ${plural(result.summary.evictedFlows, 'flow')} judged before their end (--max-flows)`));
  }
  emit('');

  const flowFindings = result.findings.filter((f) => f.flow !== undefined);
  if (flowFindings.length > 0) {
    emit(s.bold('Flow findings'));
    for (const group of byRule(flowFindings)) emit(...flowGroupLines(result, group, s));
    emit('');
  }
  const addressFindings = result.findings.filter((f) => f.flow === undefined && f.service === undefined);
  if (addressFindings.length > 0) {
    emit(s.bold('Address findings'));
    for (const f of addressFindings) emit(...findingLines(result, f, s));
    emit('');
  }
  const serviceFindings = result.findings.filter((f) => f.service !== undefined);
  if (serviceFindings.length > 0) {
    emit(s.bold('Scheduling findings'));
    for (const f of serviceFindings) emit(...findingLines(result, f, s));
    emit('');
  }

  emit(s.bold('Topology'));
  const t = result.topology;
  if (t.vips.length === 0) emit('  VIP: unknown');
  for (const vip of t.vips) {
    const port = vip.port !== undefined && vip.port >= 0 ? `:${vip.port}` : ' (every port)';
    emit(`  VIP       ${vip.ip}${port}/${vip.proto}  [${vip.source}${vip.evidence ? `: ${vip.evidence}` : ''}]`);
  }
  for (const d of t.directors) {
    emit(`  director  ${d.mac}${d.ip ? ` (${d.ip})` : ''}  [${d.source}${d.evidence ? `: ${d.evidence}` : ''}]`);
  }
  for (const r of t.realServers) {
    const weight = r.weight !== undefined ? `, weight ${r.weight}` : '';
    emit(`  real server ${r.ip ?? '?'} ${r.mac ?? ''}  ${plural(r.flows, 'flow')}${weight}  [${r.source}]`);
  }
  emit(`  clients   ${t.clients}   confidence: ${t.confidence}`);
  for (const n of t.notes) emit(s.yellow(`  note: ${n}`));
  emit('');

  if (result.services.length > 0) {
    emit(s.bold('Balance (new connections per real server)'));
    for (const svc of result.services) {
      const sched = svc.scheduler ? `${svc.scheduler}${svc.persistence !== undefined ? ` persistent ${svc.persistence}` : ''}` : 'scheduler not given';
      const verdict =
        svc.verdict === 'fail' ? s.red('✗ fail') : svc.verdict === 'warning' ? s.yellow('! warning') : svc.verdict === 'pass' ? s.green('✓ pass') : 'observed';
      const how = svc.seesEveryNewConnection ? 'every new connection seen' : 'a sample of the new connections';
      emit(`  ${serviceLabel(svc)}  ${sched}  ${plural(svc.newConnections, 'new connection')} (${how})  ${verdict}`);
      const table = new Table({ head: ['Real server', 'Weight', 'Expected', 'New conns', 'Share'], style: { head: [], border: [] } });
      for (const r of svc.realServers) {
        table.push([
          `${r.ip ?? '?'} ${r.mac ?? ''}`.trim(),
          r.weight !== undefined ? String(r.weight) : '-',
          r.expectedShare !== undefined ? pct(r.expectedShare) : '-',
          String(r.newConnections),
          pct(r.share),
        ]);
      }
      emit(table.toString().replace(/^/gm, '  '));
    }
    emit('');
  }

  const hasAddressEvents = result.timeline.some((e) => e.kind !== 'claim');
  if ((options.timeline || hasAddressEvents) && result.timeline.length > 0) {
    emit(s.bold('Timeline'));
    const t0 = Number(result.timeline[0]?.time ?? 0);
    for (const e of result.timeline) {
      const dt = (Number(e.time) - t0).toFixed(3).padStart(9);
      emit(`  +${dt}s  frame ${frameText(result, e.frame).padEnd(6)} ${e.kind.padEnd(12)} ${e.note}`);
    }
    emit('');
  }

  const sev = result.summary.findingsBySeverity;
  const weirds = Object.values(result.summary.weirds).reduce((n, x) => n + x, 0);
  emit(
    `Summary: ${verdictWord}: ${plural(total, 'flow')} (${v.pass} pass, ${v.fail} fail, ${v.incomplete} incomplete), ` +
      `${plural(sev.error, 'error')}, ${plural(sev.warning, 'warning')}, ${sev.info} info; ` +
      `${plural(result.summary.frames, 'frame')}${weirds > 0 ? `, ${weirds} malformed or truncated` : ''}`,
  );
  }

/** One flow's cells in the flow table. */
export function flowTableRow(result: CheckResult, f: FlowReport, s: Style): string[] {
  const rs = f.realServers.map((r) => (r.ip ? `${r.ip}\n${r.mac ?? ''}` : (r.mac ?? ''))).join('\n') || '-';
  const p = f.packets;
  const verdict =
    f.verdict === 'fail'
      ? s.red(`${SYMBOL.fail} fail`)
      : f.verdict === 'pass'
        ? s.green(`${SYMBOL.pass} pass`)
        : s.yellow(`${SYMBOL.incomplete} incomplete`);
  const findings = f.findings
    .map((i) => result.findings[i])
    .filter((x): x is Finding => x !== undefined)
    .map((x) => `${x.rule}: ${x.frames[0] ? frameText(result, x.frames[0]) : '-'}`);
  if (f.verdict === 'incomplete' && f.incompleteReason) findings.push(s.dim(f.incompleteReason));
  return [
    endpoint(f.client),
    endpoint(f.vip),
    f.proto,
    rs,
    `${p.toDirector + p.bypass} ${p.forwarded} ${p.replies}`,
    frameText(result, f.firstFrame),
    verdict,
    findings.join('\n'),
  ];
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function severityMark(f: Finding, s: TableOptions['style']): string {
  return f.severity === 'error' ? s.red('✗ error') : f.severity === 'warning' ? s.yellow('! warning') : s.dim('i info');
}

function findingLines(result: CheckResult, f: Finding, s: TableOptions['style']): string[] {
  const where = f.service !== undefined ? `${f.service}: ` : '';
  const lines = [`  ${severityMark(f, s)}  ${s.bold(f.rule)}  ${where}${f.message}`];
  if (f.frames.length > 0) lines.push(`      frames: ${framesText(result, f.frames)}    Wireshark filter: ${f.displayFilter}`);
  for (const r of f.remediation) lines.push(`      fix: ${r}`);
  return lines;
}

/** Many flows usually share one problem: name the rule and its fix once, then each flow. */
const MAX_FLOWS_PER_RULE = 20;

function flowGroupLines(result: CheckResult, group: Finding[], s: TableOptions['style']): string[] {
  const first = group[0]!;
  const lines = [`  ${severityMark(first, s)}  ${s.bold(first.rule)}  (${plural(group.length, 'flow')})`];
  for (const f of group.slice(0, MAX_FLOWS_PER_RULE)) {
    const where = f.flow ? `${endpoint(f.flow.client)} -> ${endpoint(f.flow.vip)}/${f.flow.proto}` : '';
    const at = f.frames[0] ? `frame ${frameText(result, f.frames[0])}` : '';
    lines.push(`      ${where}  ${at}: ${f.message}`);
  }
  if (group.length > MAX_FLOWS_PER_RULE) lines.push(s.dim(`      ... ${group.length - MAX_FLOWS_PER_RULE} more (--format json lists all)`));
  const firstFrames = group.flatMap((f) => (f.frames[0] ? [f.frames[0]] : []));
  lines.push(`      Wireshark filter: ${displayFilter(firstFrames)}`);
  for (const r of first.remediation) lines.push(`      fix: ${r}`);
  return lines;
}

function byRule(findings: Finding[]): Finding[][] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const g = groups.get(f.rule) ?? [];
    g.push(f);
    groups.set(f.rule, g);
  }
  return [...groups.values()];
}
