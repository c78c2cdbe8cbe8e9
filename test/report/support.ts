/** Shared by the reporter tests: fixture results computed once, and a minimal CheckResult builder. */
import { readFileSync } from 'node:fs';
import { checkCaptures } from '../../src/check/check.js';
import type { CheckResult, FlowReport } from '../../src/result/result.js';
import { SCHEMA_VERSION } from '../../src/result/result.js';
import { rules } from '../../src/rules/index.js';
import { givenFrom, type FixtureDescription } from '../check/fixture-expectations.js';

/** The fixtures the reporters are shown on: healthy, broken ARP, broken forwarding, failover, cut short. */
export const REPORT_FIXTURES = ['healthy/bridge', 'arp-ignore-0/bridge', 'nat-director/bridge', 'failover/bridge', 'truncated/bridge'] as const;

export const RULES = rules.map((r) => ({ id: r.id, kind: r.kind }));

/**
 * Checked with relative paths (vitest runs from the repository root) so that nothing in the
 * output depends on where the repository is checked out.
 */
export async function checkFixture(name: string): Promise<CheckResult> {
  const description = JSON.parse(readFileSync(`fixtures/${name}.json`, 'utf8')) as FixtureDescription;
  const dir = name.slice(0, name.lastIndexOf('/'));
  return checkCaptures([`fixtures/${dir}/${description.capture.file}`], { given: givenFrom(description) });
}

/**
 * The same five captures frozen under test/report/golden/ for the golden-output tests: the lab
 * rewrites fixtures/ with new timestamps and ports on every run, and a golden report is only
 * meaningful against the very capture it was made from.
 */
export async function checkGolden(name: string): Promise<CheckResult> {
  const scenario = name.slice(0, name.indexOf('/'));
  const description = JSON.parse(readFileSync(`test/report/golden/${scenario}.json`, 'utf8')) as FixtureDescription;
  return checkCaptures([`test/report/golden/${description.capture.file}`], { given: givenFrom(description) });
}

export function flow(overrides: Partial<FlowReport> = {}): FlowReport {
  return {
    client: { ip: '10.0.0.1', port: 40000 },
    vip: { ip: '10.0.0.100', port: 80 },
    proto: 'tcp',
    realServer: { ip: '10.0.0.11', mac: '02:00:00:00:00:11' },
    realServers: [{ ip: '10.0.0.11', mac: '02:00:00:00:00:11' }],
    packets: { toDirector: 5, forwarded: 5, replies: 4, bypass: 0 },
    firstFrame: { capture: 0, frame: 1 },
    lastFrame: { capture: 0, frame: 14 },
    start: '1700000000.100000',
    end: '1700000000.100250',
    verdict: 'pass',
    findings: [],
    ...overrides,
  };
}

export function result(overrides: Partial<CheckResult> = {}): CheckResult {
  const flows = overrides.flows ?? [flow()];
  const findings = overrides.findings ?? [];
  const byVerdict = { pass: 0, fail: 0, incomplete: 0 };
  for (const f of flows) byVerdict[f.verdict] += 1;
  const bySeverity = { error: 0, warning: 0, info: 0 };
  for (const f of findings) bySeverity[f.severity] += 1;
  const rules = [...new Set(findings.map((f) => f.rule))];
  return {
    schemaVersion: SCHEMA_VERSION,
    verdict: bySeverity.error > 0 ? 'fail' : flows.length === 0 ? 'no-traffic' : 'pass',
    captures: [{ path: 'lab.pcap', format: 'pcap', linkTypes: [1], frames: 20, bytes: 2000, compressed: false, vantagePoint: 'mirror port', issues: [] }],
    topology: {
      vips: [{ ip: '10.0.0.100', port: 80, proto: 'tcp', source: 'given' }],
      directors: [{ mac: '02:00:00:00:00:01', source: 'given' }],
      realServers: [
        { ip: '10.0.0.11', mac: '02:00:00:00:00:11', source: 'given', flows: flows.length },
        { ip: '10.0.0.12', mac: '02:00:00:00:00:12', source: 'given', flows: 0 },
      ],
      clients: 1,
      vrrp: [],
      notes: [],
      confidence: 'high',
    },
    flows,
    // One cause per rule, as the judge makes for findings no shared cause explains.
    causes: rules.map((rule) => {
      const members = findings.flatMap((f, i) => (f.rule === rule ? [i] : []));
      const first = findings[members[0]!]!;
      return { id: rule, severity: first.severity, headline: first.message, findings: members, remediation: first.remediation };
    }),
    findings: findings.map((f) => ({ ...f, cause: rules.indexOf(f.rule) })),
    timeline: [],
    services: [],
    summary: {
      frames: 20,
      flows: flows.length,
      flowsByVerdict: byVerdict,
      findingsBySeverity: bySeverity,
      weirds: {},
      unsupportedLinkTypes: {},
      evictedFlows: 0,
      unlistedFlows: 0,
      suppressedFindings: {},
    },
    ...overrides,
  };
}
