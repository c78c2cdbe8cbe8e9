/**
 * The default report: per-flow verdict table, address findings, topology, timeline, summary.
 * Passing flows are folded into a count unless `allFlows` is set, so a capture with 50,000
 * healthy flows and one broken one shows the broken one.
 */
import Table from 'cli-table3';
import type { Cause, CheckResult, Finding, FlowReport } from '../result/result.js';
import { fixBlocks } from '../result/hosts.js';
import { displayFilter } from '../result/display-filter.js';
import type { Style } from './style.js';
import { writeGrid } from './grid.js';
import { endpoint, frameText, framesText, HEALTH_HEAD, healthCells, plural, summaryCounts } from './text.js';
import { serviceLabel, vipLabel } from '../result/service-label.js';
import { printable } from './printable.js';

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
export function writeTable(raw: CheckResult, options: TableOptions, writeLine: (line: string) => void): void {
  // Paths, configuration values and messages built from them reach a terminal: no control characters.
  const result = printable(raw);
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

  if (result.causes.length > 0) {
    emit(s.bold(`Causes (${result.causes.length}), each with its fix and the findings it explains`));
    for (const cause of result.causes) {
      emit(...causeLines(result, cause, s));
      emit('');
    }
  }

  emit(s.bold('Topology'));
  const t = result.topology;
  if (t.vips.length === 0) emit('  VIP: unknown');
  for (const vip of t.vips) {
    emit(`  VIP       ${vipLabel(vip)}  [${vip.source}${vip.evidence ? `: ${vip.evidence}` : ''}]`);
  }
  for (const d of t.directors) {
    emit(`  director  ${d.mac}${d.ip ? ` (${d.ip})` : ''}  [${d.source}${d.evidence ? `: ${d.evidence}` : ''}]`);
  }
  for (const r of t.realServers) {
    const weight = r.weight !== undefined ? `, weight ${r.weight}` : '';
    emit(`  real server ${r.ip ?? '?'} ${r.mac ?? ''}  ${plural(r.flows, 'flow')}${weight}  [${r.source}]`);
  }
  const withHealth = t.realServers.filter((r) => r.health !== undefined);
  if (withHealth.length > 0) {
    // What each real server's connections showed: the rs-health rule compares these.
    const health = new Table({ head: ['Real server', ...HEALTH_HEAD], style: { head: [], border: [] } });
    for (const r of withHealth) health.push([`${r.ip ?? '?'} ${r.mac ?? ''}`.trim(), ...healthCells(r.health!)]);
    emit(health.toString().replace(/^/gm, '  '));
  }
  for (const v of t.vrrp ?? []) {
    const senders = v.senders.map((x) => `${x.mac ?? x.ip} priority ${x.priorities.join('/')}`).join(', ');
    emit(`  vrrp      VRID ${v.vrid} ${v.addresses.join(', ')}: ${senders}`);
  }
  emit(`  clients   ${t.clients}   confidence: ${t.confidence}`);
  for (const n of t.notes) emit(s.yellow(`  note: ${n}`));
  emit('');

  // Without a scheduler or weights nothing is judged: the table is shown when asked for
  // (--all-flows), or for a service that has them or a finding.
  const balanced = result.services.filter(
    (svc) => options.allFlows || svc.scheduler !== undefined || svc.realServers.some((r) => r.weight !== undefined) || result.findings.some((f) => f.service === serviceLabel(svc)),
  );
  if (balanced.length > 0) {
    emit(s.bold('Balance (new connections per real server)'));
    for (const svc of balanced) {
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

  // A first owner, a MASTER advertising from the start and its announcements are the steady
  // state; anything else (a takeover, a conflict, a priority change...) shows the timeline.
  const hasAddressEvents = result.timeline.some((e) => e.kind !== 'claim' && e.kind !== 'vrrp-adverts' && e.kind !== 'garp');
  if ((options.timeline || hasAddressEvents) && result.timeline.length > 0) {
    emit(s.bold('Timeline'));
    const t0 = Number(result.timeline[0]?.time ?? 0);
    for (const e of result.timeline) {
      const dt = (Number(e.time) - t0).toFixed(3).padStart(9);
      emit(`  +${dt}s  frame ${frameText(result, e.frame).padEnd(6)} ${e.kind.padEnd(12)} ${e.note}`);
    }
    emit('');
  }

  emit(`Summary: ${verdictWord}: ${summaryCounts(result)}`);
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
  if (f.note) findings.push(s.dim(f.note));
  return [
    endpoint(f.client),
    endpoint(f.vip),
    f.proto,
    rs,
    packetsText(p),
    frameText(result, f.firstFrame),
    verdict,
    findings.join('\n'),
  ];
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** "7 6 5", and what of the first count went straight to a real server: the same words in every reporter. */
export function packetsText(p: FlowReport['packets']): string {
  return `${p.toDirector + p.bypass} ${p.forwarded} ${p.replies}${p.bypass > 0 ? ` (${p.bypass} bypass)` : ''}`;
}


/** Many findings share one root cause: name it and its fix once, then what it caused, rule by rule. */
const MAX_FLOWS_PER_RULE = 5;
/** A fix names every host and command in the JSON; the terminal shows this many. */
const MAX_FIX_HOSTS = 20;
const MAX_FIX_COMMANDS = 20;

function causeLines(result: CheckResult, cause: Cause, s: Style): string[] {
  const mark = cause.severity === 'error' ? s.red('✗ error') : cause.severity === 'warning' ? s.yellow('! warning') : s.dim('i info');
  const lines = [`  ${mark}  ${s.bold(cause.headline)}`];
  const blocks = fixBlocks(cause.remediation, MAX_FIX_HOSTS, MAX_FIX_COMMANDS);
  if (blocks.length > 0) lines.push('    Fix, host by host (each block pastes into a root shell on that host):');
  for (const b of blocks) {
    lines.push(`      on ${b.host}:`);
    for (const l of b.lines) lines.push(l.startsWith('#') ? s.dim(`        ${l}`) : `        ${l}`);
  }
  const members = cause.findings.map((i) => result.findings[i]).filter((f): f is Finding => f !== undefined);
  lines.push(`    Findings (${members.length}):`);
  for (const group of byRule(members)) {
    const first = group[0]!;
    if (first.flow !== undefined) {
      lines.push(`      ${severityMark(first, s)}  ${s.bold(first.rule)}  (${plural(group.length, 'flow')})`);
      for (const f of group.slice(0, MAX_FLOWS_PER_RULE)) {
        const where = f.flow ? `${endpoint(f.flow.client)} -> ${endpoint(f.flow.vip)}/${f.flow.proto}` : '';
        const at = f.frames[0] ? `frame ${frameText(result, f.frames[0])}` : '';
        lines.push(`          ${where}  ${at}: ${f.message}`);
      }
      if (group.length > MAX_FLOWS_PER_RULE) lines.push(s.dim(`          ... ${group.length - MAX_FLOWS_PER_RULE} more (--format json lists all)`));
      const firstFrames = group.flatMap((f) => (f.frames[0] ? [f.frames[0]] : []));
      if (firstFrames.length > 0) lines.push(`          Wireshark filter: ${displayFilter(firstFrames)}`);
      continue;
    }
    // Address findings of one rule are cut like flows: a crafted capture makes thousands.
    for (const f of group.slice(0, MAX_FLOWS_PER_RULE)) {
      const where = f.service !== undefined ? `${f.service}: ` : '';
      lines.push(`      ${severityMark(f, s)}  ${s.bold(f.rule)}  ${where}${f.message}`);
      if (f.frames.length > 0) lines.push(`          frames: ${framesText(result, f.frames)}    Wireshark filter: ${f.displayFilter}`);
    }
    if (group.length > MAX_FLOWS_PER_RULE) lines.push(s.dim(`      ... ${group.length - MAX_FLOWS_PER_RULE} more ${first.rule} findings (--format json lists all)`));
  }
  return lines;
}

function severityMark(f: Finding, s: Style): string {
  return f.severity === 'error' ? s.red('✗ error') : f.severity === 'warning' ? s.yellow('! warning') : s.dim('i info');
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
