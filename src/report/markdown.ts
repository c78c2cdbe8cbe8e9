/**
 * `--format markdown`: a compact report for a CI job summary ($GITHUB_STEP_SUMMARY, GitLab
 * Markdown artifacts). Failing and incomplete flows are listed, passing ones only counted, so
 * the summary stays readable (and under GitHub's 1 MiB step-summary limit) for big captures.
 * Every verdict carries a word next to its symbol, so nothing depends on emoji rendering.
 */
import { displayFilter } from '../result/display-filter.js';
import type { CheckResult, Finding, FlowReport, RealServerRef } from '../result/result.js';
import type { GateOptions, GateResult } from './gate.js';
import { endpoint, frameText, framesText, HEALTH_HEAD, healthCells, plural } from './text.js';
import { fixBlocks } from '../result/hosts.js';
import { serviceLabel, vipLabel } from '../result/service-label.js';
import { printable, visible } from './printable.js';

export interface MarkdownOptions {
  gate: GateOptions;
  gateResult: GateResult;
}

/** Rows per table: beyond this the JSON output has them all. */
const MAX_ROWS = 50;
/** Address and scheduling findings listed per rule and cause. */
const MAX_FINDINGS_PER_RULE = 20;

/**
 * Characters GitHub/GitLab Markdown would read as markup or HTML, and table cell separators.
 * Line breaks become spaces; any other control character (a bare carriage return ends a line
 * for CommonMark too) is shown as an escape, so nothing can start a block of its own.
 */
export function mdText(s: string): string {
  return visible(s.replace(/\r?\n/g, ' ')).replace(/[\\`*_[\]<>|#~]/g, (c) => `\\${c}`);
}

/** A code span that survives backticks in its content; pipes escaped since GFM tables split on them even inside code. */
export function mdCode(s: string, inTable = false): string {
  const runs = s.match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const body = visible(s.replace(/\r?\n/g, ' '));
  const padded = body.startsWith('`') || body.endsWith('`') ? ` ${body} ` : body;
  return `${fence}${inTable ? padded.replace(/\|/g, '\\|') : padded}${fence}`;
}

function rsText(r: RealServerRef): string {
  if (r.ip && r.mac) return `${r.ip} (${r.mac})`;
  return r.ip ?? r.mac ?? '?';
}

/** The headline matches the job's result: a gate that fails a passing check says so here too. */
function verdictLine(result: CheckResult, gate: GateResult): string {
  const word = result.verdict === 'pass' ? 'PASS' : result.verdict === 'fail' ? 'FAIL' : 'NO TRAFFIC';
  if (result.verdict === 'fail') return '❌ FAIL';
  if (gate.status === 1) return `❌ FAIL (CI gate; check verdict ${word})`;
  return result.verdict === 'pass' ? '✅ PASS' : '⚠️ NO TRAFFIC';
}

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function flowFindings(result: CheckResult, f: FlowReport): Finding[] {
  return f.findings.map((i) => result.findings[i]).filter((x): x is Finding => x !== undefined);
}

export function formatMarkdown(raw: CheckResult, options: MarkdownOptions): string {
  const result = printable(raw);
  const out: string[] = [];
  const v = result.summary.flowsByVerdict;
  const sev = result.summary.findingsBySeverity;
  const g = options.gateResult;

  out.push(`## ${verdictLine(result, g)}: lvs-pcap check`, '');
  const gateWord = g.status === 0 ? '✅ passed' : '❌ failed';
  const limits = [
    `--fail-on ${options.gate.failOn}`,
    ...(options.gate.minFlows !== undefined ? [`--min-flows ${options.gate.minFlows}`] : []),
    ...(options.gate.expectRs !== undefined ? [`--expect-rs ${options.gate.expectRs}`] : []),
  ].join(', ');
  out.push(`**CI gate ${gateWord}** (${mdText(limits)}, exit ${g.status})${g.reasons.length > 0 ? ':' : ''}`);
  for (const r of g.reasons) out.push(`- ${mdText(r)}`);
  out.push('');
  out.push(
    `**${plural(result.summary.flows, 'flow')}**: ${v.pass} pass, ${v.fail} fail, ${v.incomplete} incomplete · ` +
      `**${plural(sev.error, 'error')}**, ${plural(sev.warning, 'warning')}, ${sev.info} info · ${plural(result.summary.frames, 'frame')}`,
  );
  out.push('');
  for (const c of result.captures) {
    out.push(`- ${mdCode(c.path)}: ${mdText(c.format)}, ${plural(c.frames, 'frame')}, vantage point: ${mdText(c.vantagePoint)}`);
    for (const i of c.issues) out.push(`  - ${i.severity === 'error' ? '❌ error' : '⚠️ warning'}: ${mdText(i.message)} (byte ${i.offset})`);
  }
  out.push('');

  const failing = result.flows.filter((f) => f.verdict === 'fail');
  if (failing.length > 0) {
    out.push(`### ❌ Failing flows (${v.fail})`, '');
    const rows = failing.slice(0, MAX_ROWS).map((f) => {
      const rules = [...new Set(flowFindings(result, f).filter((x) => x.severity === 'error').map((x) => x.rule))];
      return [
        mdText(endpoint(f.client)),
        mdText(`${endpoint(f.vip)}/${f.proto}`),
        mdText(f.realServers.map(rsText).join(', ') || '-'),
        mdText(rules.join(', ')),
        mdText(frameText(result, f.firstFrame)),
      ];
    });
    out.push(...table(['Client', 'VIP', 'Real server', 'Rule', 'First frame'], rows));
    if (v.fail > MAX_ROWS) out.push('', `… ${v.fail - MAX_ROWS} more failing flows (--format json lists them)`);
    out.push('');
  }

  const incomplete = result.flows.filter((f) => f.verdict === 'incomplete');
  if (incomplete.length > 0) {
    out.push(`### ❔ Incomplete flows (${v.incomplete})`, '');
    const rows = incomplete
      .slice(0, MAX_ROWS)
      .map((f) => [mdText(endpoint(f.client)), mdText(`${endpoint(f.vip)}/${f.proto}`), mdText(f.incompleteReason ?? '-'), mdText(frameText(result, f.firstFrame))]);
    out.push(...table(['Client', 'VIP', 'Why', 'First frame'], rows));
    if (v.incomplete > MAX_ROWS) out.push('', `… ${v.incomplete - MAX_ROWS} more incomplete flows (--format json lists them)`);
    out.push('');
  }

  if (v.pass > 0) out.push(`✅ ${plural(v.pass, 'passing flow')} not listed.`, '');
  const suppressed = Object.entries(result.summary.suppressedFindings).filter(([, n]) => n > 0);
  if (suppressed.length > 0) {
    out.push(`Findings counted but not listed: ${suppressed.map(([rule, n]) => `${mdText(rule)} ${n}`).join(', ')}.`, '');
  }

  if (result.causes.length > 0) {
    out.push(`### Causes (${result.causes.length})`, '');
    for (const cause of result.causes.slice(0, MAX_ROWS)) {
      out.push(`#### ${severityWord(cause.severity)}: ${mdText(cause.headline)}`, '');
      for (const block of fixBlocks(cause.remediation, 20, 20)) {
        out.push(`Fix on **${mdText(block.host)}**:`, '', '```sh', ...block.lines, '```', '');
      }
      const members = cause.findings.map((i) => result.findings[i]).filter((f): f is Finding => f !== undefined);
      const groups = new Map<string, Finding[]>();
      for (const f of members) groups.set(f.rule, [...(groups.get(f.rule) ?? []), f]);
      out.push(`Findings (${members.length}):`, '');
      for (const [rule, group] of groups) {
        const first = group[0]!;
        if (first.flow !== undefined) {
          out.push(`- ${severityMark(first)} **${mdText(rule)}**: ${plural(group.length, 'flow')}, first at frame ${mdText(first.frames[0] ? frameText(result, first.frames[0]) : '-')}: ${mdText(first.message)}`);
          const filter = displayFilter(group.flatMap((f) => (f.frames[0] ? [f.frames[0]] : [])));
          if (filter) out.push(`  - Wireshark filter (first frame of each flow): ${mdCode(filter)}`);
          continue;
        }
        // Address findings of one rule are cut: a crafted capture makes thousands.
        for (const f of group.slice(0, MAX_FINDINGS_PER_RULE)) {
          out.push(`- ${severityMark(f)} **${mdText(f.rule)}**: ${mdText(f.message)}`);
          if (f.frames.length > 0) out.push(`  - frames: ${mdText(framesText(result, f.frames))}${f.displayFilter ? ` · Wireshark filter: ${mdCode(f.displayFilter)}` : ''}`);
        }
        if (group.length > MAX_FINDINGS_PER_RULE) out.push(`- … ${group.length - MAX_FINDINGS_PER_RULE} more **${mdText(rule)}** findings (--format json lists them)`);
      }
      out.push('');
    }
    if (result.causes.length > MAX_ROWS) out.push(`… ${result.causes.length - MAX_ROWS} more causes (--format json lists them)`, '');
  }

  // As in the table: a service is shown when something judges it (a scheduler, weights, a finding).
  const balanced = result.services.filter((svc) => svc.scheduler !== undefined || svc.realServers.some((r) => r.weight !== undefined) || result.findings.some((f) => f.service === serviceLabel(svc)));
  if (balanced.length > 0) {
    out.push('### Balance (new connections per real server)', '');
    const rows = balanced.flatMap((svc) =>
      svc.realServers.map((r) => [
        mdText(serviceLabel(svc)),
        mdText(svc.scheduler ?? '-'),
        mdText(r.ip ?? r.mac ?? '?'),
        r.weight !== undefined ? String(r.weight) : '-',
        r.expectedShare !== undefined ? `${(r.expectedShare * 100).toFixed(1)}%` : '-',
        String(r.newConnections),
        `${(r.share * 100).toFixed(1)}%`,
        svc.verdict,
      ]),
    );
    out.push(...table(['Service', 'Scheduler', 'Real server', 'Weight', 'Expected', 'New conns', 'Share', 'Verdict'], rows), '');
  }

  out.push('### Topology', '');
  const t = result.topology;
  const rows: string[][] = [];
  for (const vip of t.vips) {
    rows.push(['VIP', mdText(vipLabel(vip)), '', mdText(vip.source)]);
  }
  for (const d of t.directors) rows.push(['director', mdText(d.ip ? `${d.mac} (${d.ip})` : d.mac), '', mdText(d.source)]);
  for (const r of t.realServers) rows.push(['real server', mdText(rsText(r)), String(r.flows), mdText(r.source)]);
  if (rows.length > 0) out.push(...table(['Role', 'Address', 'Flows', 'Source'], rows), '');
  const withHealth = t.realServers.filter((r) => r.health !== undefined);
  if (withHealth.length > 0) {
    out.push('#### Real server health', '');
    out.push(...table(['Real server', ...HEALTH_HEAD], withHealth.map((r) => [mdText(rsText(r)), ...healthCells(r.health!).map(mdText)])), '');
  }
  out.push(`${plural(t.clients, 'client')} · topology confidence: ${t.confidence}`);
  for (const n of t.notes) out.push(`- note: ${mdText(n)}`);
  out.push('');
  return `${out.join('\n')}`;
}

function severityMark(f: Finding): string {
  return severityWord(f.severity);
}

function severityWord(s: Finding['severity']): string {
  return s === 'error' ? '❌ error' : s === 'warning' ? '⚠️ warning' : 'ℹ️ info';
}
