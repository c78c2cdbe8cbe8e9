/**
 * `--format junit`: the result as JUnit XML, so CI systems (Jenkins, GitLab, GitHub test
 * reporters) show each flow and each address rule as a test. Valid against Jenkins' JUnit
 * schema (xunit-plugin junit-10.xsd, copied to test/report/junit.xsd), the one that allows
 * `<skipped>`; Ant's stricter schema has no skipped element at all.
 *
 * Layout: one <testsuite> per capture; a flow lives in the suite of the capture holding its
 * first frame, an address finding in the suite holding its first evidence frame. Every address
 * rule that ran is a testcase in every suite, passing where that capture shows no violation,
 * so a fixed problem shows as a test turning green rather than a test disappearing.
 *
 * What fails a testcase follows the same --fail-on level as the exit status, so the test
 * report and the job result never disagree; findings below that level (info, or warnings under
 * --fail-on error) are kept in the testcase's <system-out> instead.
 */
import type { CheckResult, Finding, FlowReport, FrameRef } from '../result/result.js';
import { failsGate, realServersWithFlows, type FailOn, type GateOptions } from './gate.js';
import { endpoint, frameText, framesText } from './text.js';
import { fixBlocks } from '../result/hosts.js';
import { serviceLabel } from '../result/service-label.js';
import { printable } from './printable.js';
import type { RuleKind } from '../rules/define.js';

export interface JunitOptions {
  /** The rules that ran; every address rule among them becomes a testcase. */
  rules: readonly { id: string; kind: RuleKind }[];
  gate: GateOptions;
}

const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Capture paths and messages may hold anything; characters XML 1.0 cannot carry become U+FFFD. */
export function xmlText(s: string): string {
  return s.replace(NOT_XML_CHAR, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Whitespace as references too: parsers normalise raw tabs and newlines in attributes to spaces. */
export function xmlAttr(s: string): string {
  return xmlText(s)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

type Outcome =
  | { kind: 'pass' }
  | { kind: 'failure'; type: string; message: string; body: string }
  | { kind: 'skipped'; message: string }
  | { kind: 'error'; type: string; message: string; body: string };

interface Case {
  classname: string;
  name: string;
  time: string;
  outcome: Outcome;
  /** Findings below the --fail-on level, and other context worth keeping. */
  out: string[];
}

interface Suite {
  name: string;
  properties: [string, string][];
  cases: Case[];
  out: string[];
  err: string[];
}

const SEVERITY_RANK: Record<string, number> = { error: 0, warning: 1, info: 2 };

function firstCapture(frames: readonly FrameRef[]): number {
  return frames[0]?.capture ?? 0;
}

/** Exact decimal difference of two "seconds.fraction" strings, as seconds with 6 decimals. */
export function duration(start: string, end: string): string {
  const ns = (t: string): bigint => {
    const [whole = '0', frac = ''] = t.split('.');
    if (!/^\d+$/.test(whole) || !/^\d*$/.test(frac)) return 0n;
    return BigInt(whole) * 1_000_000_000n + BigInt((frac + '000000000').slice(0, 9));
  };
  let d = ns(end) - ns(start);
  if (d < 0n) d = 0n;
  const us = d / 1000n;
  return `${us / 1_000_000n}.${String(us % 1_000_000n).padStart(6, '0')}`;
}

function findingText(result: CheckResult, f: Finding): string {
  const lines = [`${f.rule} (${f.severity}): ${f.message}`];
  if (f.frames.length > 0) lines.push(`frames: ${framesText(result, f.frames, 50)}`);
  if (f.displayFilter) lines.push(`Wireshark filter: ${f.displayFilter}`);
  const cause = result.causes[f.cause];
  if (cause) lines.push(`cause: ${cause.headline}`);
  for (const b of fixBlocks(f.remediation)) lines.push(`fix on ${b.host}:`, ...b.lines.map((l) => `  ${l}`));
  return lines.join('\n');
}

/** One <failure> per testcase (what GitLab and Jenkins display); every finding is in its text. */
function failureOf(result: CheckResult, failing: Finding[]): Outcome {
  const sorted = [...failing].sort((a, b) => (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3));
  const first = sorted[0]!;
  const more = sorted.length > 1 ? ` (+${sorted.length - 1} more)` : '';
  return {
    kind: 'failure',
    type: first.rule,
    message: `${first.message}${more}`,
    body: sorted.map((f) => findingText(result, f)).join('\n\n'),
  };
}

function flowCase(result: CheckResult, flow: FlowReport, failOn: FailOn): Case {
  const findings = flow.findings.map((i) => result.findings[i]).filter((f): f is Finding => f !== undefined);
  const failing = findings.filter((f) => failsGate(f.severity, failOn));
  const others = findings.filter((f) => !failsGate(f.severity, failOn));
  let outcome: Outcome = { kind: 'pass' };
  if (failing.length > 0) outcome = failureOf(result, failing);
  else if (flow.verdict === 'incomplete') {
    const reason = flow.incompleteReason ?? 'incomplete';
    // Under --fail-on incomplete the job fails on it, so the test report must show it failing too.
    outcome =
      failOn === 'incomplete'
        ? { kind: 'failure', type: 'incomplete', message: reason, body: `first frame: ${frameText(result, flow.firstFrame)}` }
        : { kind: 'skipped', message: reason };
  }
  return {
    classname: 'lvs-pcap.flow',
    name: `${endpoint(flow.client)} -> ${endpoint(flow.vip)}/${flow.proto}`,
    time: duration(flow.start, flow.end),
    outcome,
    out: others.map((f) => findingText(result, f)),
  };
}

function addressCase(result: CheckResult, rule: string, findings: Finding[], failOn: FailOn, classname: string): Case {
  const failing = findings.filter((f) => failsGate(f.severity, failOn));
  const others = findings.filter((f) => !failsGate(f.severity, failOn));
  return {
    classname,
    name: rule,
    time: '0.000000',
    outcome: failing.length > 0 ? failureOf(result, failing) : { kind: 'pass' },
    out: others.map((f) => findingText(result, f)),
  };
}

function gateCases(result: CheckResult, gate: GateOptions): Case[] {
  const cases: Case[] = [];
  const coverage = (name: string, seen: number, want: number, what: string): Case => ({
    classname: 'lvs-pcap.gate',
    name,
    time: '0.000000',
    outcome:
      seen < want
        ? { kind: 'failure', type: name, message: `${seen} ${what}, expected at least ${want} (--${name})`, body: `${seen} ${what}, expected at least ${want}` }
        : { kind: 'pass' },
    out: [`${seen} ${what} (at least ${want} expected)`],
  });
  if (gate.minFlows !== undefined) cases.push(coverage('min-flows', result.summary.flows, gate.minFlows, 'VIP flows in the capture'));
  if (gate.expectRs !== undefined) cases.push(coverage('expect-rs', realServersWithFlows(result), gate.expectRs, 'real servers received flows'));
  return cases;
}

export function formatJunit(raw: CheckResult, options: JunitOptions): string {
  const result = printable(raw);
  const failOn = options.gate.failOn;
  const suites: Suite[] = result.captures.map((c) => ({
    name: c.path,
    properties: [
      ['format', c.format],
      ['frames', String(c.frames)],
      ['vantagePoint', c.vantagePoint],
    ],
    cases: [],
    out: [],
    err: [],
  }));
  const suiteOf = (capture: number): Suite => suites[capture] ?? suites[0]!;

  result.captures.forEach((c, i) => {
    for (const issue of c.issues) {
      const line = `${issue.severity}: ${issue.message} (byte offset ${issue.offset})`;
      if (issue.severity === 'error') {
        suiteOf(i).cases.push({
          classname: 'lvs-pcap.capture',
          name: 'read',
          time: '0.000000',
          outcome: { kind: 'error', type: issue.code, message: issue.message, body: line },
          out: [],
        });
      } else suiteOf(i).err.push(line);
    }
  });

  for (const flow of result.flows) suiteOf(flow.firstFrame.capture).cases.push(flowCase(result, flow, failOn));

  // A flow finding without its flow (not expected) must still reach the report, not vanish.
  const referenced = new Set(result.flows.flatMap((f) => f.findings));
  result.findings.forEach((f, i) => {
    if (f.flow === undefined || referenced.has(i)) return;
    const failing = failsGate(f.severity, failOn);
    suiteOf(firstCapture(f.frames)).cases.push({
      classname: 'lvs-pcap.flow',
      name: `${endpoint(f.flow.client)} -> ${endpoint(f.flow.vip)}/${f.flow.proto}`,
      time: '0.000000',
      outcome: failing ? failureOf(result, [f]) : { kind: 'pass' },
      out: failing ? [] : [findingText(result, f)],
    });
  });

  // Real-server rules (rs-health) report like address rules: one case per rule, per capture.
  const addressRules = options.rules.filter((r) => r.kind === 'address' || r.kind === 'server').map((r) => r.id);
  const serverRules = new Set(options.rules.filter((r) => r.kind === 'server').map((r) => r.id));
  const isAddress = (f: Finding): boolean => f.flow === undefined && f.service === undefined;
  for (const f of result.findings) if (isAddress(f) && !addressRules.includes(f.rule)) addressRules.push(f.rule);
  suites.forEach((suite, i) => {
    for (const rule of addressRules) {
      const findings = result.findings.filter((f) => isAddress(f) && f.rule === rule && (suites[firstCapture(f.frames)] ? firstCapture(f.frames) : 0) === i);
      suite.cases.push(addressCase(result, rule, findings, failOn, serverRules.has(rule) ? 'lvs-pcap.server' : 'lvs-pcap.address'));
    }
  });
  // Scheduling as configured: one testcase per virtual service judged against its configuration.
  for (const svc of result.services) {
    if (svc.verdict === 'observed') continue;
    const label = serviceLabel(svc);
    const findings = result.findings.filter((f) => f.service === label);
    const failing = findings.filter((f) => failsGate(f.severity, failOn));
    const shares = svc.realServers.map((r) => `${r.ip ?? r.mac ?? '?'}: ${r.newConnections} new connections (weight ${r.weight ?? '-'})`);
    suites[0]?.cases.push({
      classname: 'lvs-pcap.service',
      name: `${label} ${svc.scheduler ?? ''}`.trim(),
      time: '0.000000',
      outcome: failing.length > 0 ? failureOf(result, failing) : { kind: 'pass' },
      out: [...findings.filter((f) => !failing.includes(f)).map((f) => findingText(result, f)), ...shares],
    });
  }

  const notes = result.topology.notes.map((n) => `note: ${n}`);
  // Big captures: the result lists a bounded number of flows and findings; say what is missing.
  if (result.summary.unlistedFlows > 0) notes.push(`${result.summary.unlistedFlows} more flows judged but not listed (no testcase)`);
  for (const [rule, n] of Object.entries(result.summary.suppressedFindings)) notes.push(`${n} more ${rule} findings counted but not listed`);
  if (suites[0]) suites[0].out.push(...notes);

  const gate = gateCases(result, options.gate);
  if (gate.length > 0) suites.push({ name: 'lvs-pcap gate', properties: [], cases: gate, out: [], err: [] });

  return render(suites);
}

function count(cases: readonly Case[], kind: Outcome['kind']): number {
  return cases.filter((c) => c.outcome.kind === kind).length;
}

function suiteTime(cases: readonly Case[]): string {
  const us = cases.reduce((n, c) => n + BigInt(c.time.replace('.', '')), 0n);
  return `${us / 1_000_000n}.${String(us % 1_000_000n).padStart(6, '0')}`;
}

function render(suites: Suite[]): string {
  const all = suites.flatMap((s) => s.cases);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  // The schema's <testsuites> has no "skipped" attribute: it is given per suite only.
  out.push(
    `<testsuites name="lvs-pcap" tests="${all.length}" failures="${count(all, 'failure')}" errors="${count(all, 'error')}" time="${suiteTime(all)}">`,
  );
  for (const s of suites) {
    out.push(
      `  <testsuite name="${xmlAttr(s.name)}" tests="${s.cases.length}" failures="${count(s.cases, 'failure')}" errors="${count(s.cases, 'error')}" skipped="${count(s.cases, 'skipped')}" time="${suiteTime(s.cases)}">`,
    );
    if (s.properties.length > 0) {
      out.push('    <properties>');
      for (const [name, value] of s.properties) out.push(`      <property name="${xmlAttr(name)}" value="${xmlAttr(value)}"/>`);
      out.push('    </properties>');
    }
    for (const c of s.cases) out.push(...renderCase(c));
    if (s.out.length > 0) out.push(`    <system-out>${xmlText(s.out.join('\n'))}</system-out>`);
    if (s.err.length > 0) out.push(`    <system-err>${xmlText(s.err.join('\n'))}</system-err>`);
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

function renderCase(c: Case): string[] {
  const open = `    <testcase classname="${xmlAttr(c.classname)}" name="${xmlAttr(c.name)}" time="${c.time}"`;
  const o = c.outcome;
  const inner: string[] = [];
  if (o.kind === 'failure' || o.kind === 'error') {
    inner.push(`      <${o.kind} message="${xmlAttr(o.message)}" type="${xmlAttr(o.type)}">${xmlText(o.body)}</${o.kind}>`);
  } else if (o.kind === 'skipped') {
    inner.push(`      <skipped message="${xmlAttr(o.message)}"/>`);
  }
  if (c.out.length > 0) inner.push(`      <system-out>${xmlText(c.out.join('\n\n'))}</system-out>`);
  if (inner.length === 0) return [`${open}/>`];
  return [`${open}>`, ...inner, '    </testcase>'];
}
