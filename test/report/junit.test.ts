/**
 * The JUnit output is checked against the schema Jenkins reads (test/report/junit.xsd, source
 * named in its header) with xmllint from Debian's libxml2-utils, and its counts against the
 * result. Without xmllint the schema tests skip, saying so in their title.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/check/check.js';
import type { CheckResult, Finding } from '../../src/result/result.js';
import { duration, formatJunit, xmlAttr, xmlText } from '../../src/report/junit.js';
import { givenFrom, type FixtureDescription } from '../check/fixture-expectations.js';
import { checkFixture, flow, REPORT_FIXTURES, result, RULES } from './support.js';

const XSD = join(import.meta.dirname, 'junit.xsd');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const SKIP = hasXmllint ? '' : ' (skipped: xmllint missing; apt-get install libxml2-utils)';
const dir = mkdtempSync(join(tmpdir(), 'lvs-pcap-junit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(xml: string): string {
  const file = join(dir, `r${n++}.xml`);
  writeFileSync(file, xml);
  return file;
}

function validate(xml: string): { ok: boolean; output: string } {
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, write(xml)], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

function xpath(xml: string, expr: string): string {
  // xmllint ends what it prints with a newline of its own.
  return execFileSync('xmllint', ['--xpath', expr, write(xml)], { encoding: 'utf8' }).replace(/\n$/, '');
}

/** Counts of each testcase outcome, read back from the XML text. */
function outcomes(xml: string): { tests: number; failures: number; skipped: number; errors: number } {
  // Each chunk runs to the next testcase; element text is escaped, so a tag seen is a real one.
  const cases = xml.split('<testcase ').slice(1);
  return {
    tests: cases.length,
    failures: cases.filter((c) => c.includes('<failure ')).length,
    skipped: cases.filter((c) => c.includes('<skipped ')).length,
    errors: cases.filter((c) => c.includes('<error ')).length,
  };
}

function suiteAttr(xml: string, attr: string): number[] {
  return [...xml.matchAll(new RegExp(`<testsuite [^>]*\\b${attr}="(\\d+)"`, 'g'))].map((m) => Number(m[1]));
}

const gateOff = { failOn: 'error' as const };
/** One testcase per address rule and per real-server rule (rs-health), in every suite. */
const addressRules = RULES.filter((r) => r.kind === 'address' || r.kind === 'server').length;

describe('junit reporter on the lab fixtures', () => {
  for (const name of REPORT_FIXTURES) {
    it(`${name}: valid against junit.xsd${SKIP}`, async ({ skip }) => {
      if (!hasXmllint) skip();
      const xml = formatJunit(await checkFixture(name), { rules: RULES, gate: gateOff });
      const v = validate(xml);
      expect(v.output).toContain('validates');
      expect(v.ok).toBe(true);
    });

    it(`${name}: one testcase per flow and per address rule, counts right`, async () => {
      const r = await checkFixture(name);
      const xml = formatJunit(r, { rules: RULES, gate: gateOff });
      const o = outcomes(xml);
      expect(o.tests).toBe(r.flows.length + addressRules);
      expect(suiteAttr(xml, 'tests')).toEqual([o.tests]);
      expect(suiteAttr(xml, 'failures')).toEqual([o.failures]);
      expect(suiteAttr(xml, 'skipped')).toEqual([o.skipped]);
      expect(suiteAttr(xml, 'errors')).toEqual([o.errors]);
      expect(xml).toContain(`<testsuites name="lvs-pcap" tests="${o.tests}" failures="${o.failures}" errors="${o.errors}"`);
      const failingAddressRules = new Set(r.findings.filter((f) => f.flow === undefined && f.severity === 'error').map((f) => f.rule)).size;
      expect(o.failures).toBe(r.summary.flowsByVerdict.fail + failingAddressRules);
      expect(o.skipped).toBe(r.summary.flowsByVerdict.incomplete);
      expect(xml.match(/classname="lvs-pcap.flow"/g)?.length ?? 0).toBe(r.flows.length);
      expect(xml).toContain(`<testsuite name="fixtures/${name.split('/')[0]}/`);
    });
  }

  it('a failure names the rule, the frames, the display filter and the fix', async () => {
    const r = await checkFixture('nat-director/bridge');
    const xml = formatJunit(r, { rules: RULES, gate: gateOff });
    const first = r.findings.find((f) => f.flow !== undefined)!;
    expect(xml).toMatch(new RegExp(`<failure message="[^"]+" type="${first.rule}">`));
    expect(xml).toContain(`Wireshark filter: ${xmlText(first.displayFilter)}`);
    const fix = first.remediation[0]!;
    expect(xml).toContain(`fix on director ${fix.host.ip} (${fix.host.mac}):\n  # ${xmlText(fix.why)}\n  ${xmlText(fix.commands[0]!)}`);
    expect(xml).toContain(`cause: ${xmlText(r.causes[first.cause]!.headline)}`);
    expect(xml).toContain(`frames: ${first.frames[0]!.frame}`);
  });

  it('an info finding (failover) keeps its address rule passing, with the finding in system-out', async () => {
    const xml = formatJunit(await checkFixture('failover/bridge'), { rules: RULES, gate: gateOff });
    expect(xml).toMatch(/<testcase classname="lvs-pcap.address" name="vip-owner-change" time="[\d.]+">\n\s*<system-out>vip-owner-change \(info\)/);
    expect(outcomes(xml).failures).toBe(0);
  });

  it('an incomplete flow is skipped with its reason, or fails under --fail-on incomplete', async () => {
    const r = await checkFixture('truncated/bridge');
    const inc = r.flows.find((f) => f.verdict === 'incomplete')!;
    expect(formatJunit(r, { rules: RULES, gate: gateOff })).toContain(`<skipped message="${xmlAttr(inc.incompleteReason!)}"/>`);
    const strict = formatJunit(r, { rules: RULES, gate: { failOn: 'incomplete' } });
    expect(strict).toContain(`type="incomplete"`);
    expect(outcomes(strict).skipped).toBe(0);
  });
});

describe('junit reporter on several captures', () => {
  it(`healthy bridge + director: one suite per capture, each flow in the suite of its first frame${SKIP}`, async ({ skip }) => {
    const description = JSON.parse(readFileSync('fixtures/healthy/bridge.json', 'utf8')) as FixtureDescription;
    const paths = ['fixtures/healthy/bridge.pcap', 'fixtures/healthy/director.pcap'];
    const r = await checkCaptures(paths, { given: givenFrom(description) });
    const xml = formatJunit(r, { rules: RULES, gate: gateOff });
    const suites = xml.split('<testsuite ').slice(1);
    expect(suites.map((x) => /^name="([^"]*)"/.exec(x)?.[1])).toEqual(paths);
    suites.forEach((suite, i) => {
      const flows = r.flows.filter((f) => f.firstFrame.capture === i).length;
      expect(suite.match(/classname="lvs-pcap.flow"/g)?.length ?? 0).toBe(flows);
      expect(suite.match(/classname="lvs-pcap.(address|server)"/g)).toHaveLength(addressRules);
    });
    expect(outcomes(xml).tests).toBe(r.flows.length + 2 * addressRules);
    if (!hasXmllint) skip();
    expect(validate(xml).ok).toBe(true);
  });
});

describe('junit reporter, edge cases', () => {
  const nasty = 'a<b>&"c\'\u0000\u001b]]>\ttab\nline \uD800 é ✓';
  const f: Finding = {
    rule: 'reply-direct',
    severity: 'error',
    messageId: 'm',
    message: nasty,
    data: {},
    frames: [{ capture: 1, frame: 7 }],
    flow: { client: { ip: '10.0.0.1', port: 40000 }, vip: { ip: '10.0.0.100', port: 80 }, proto: 'tcp' },
    remediation: [{ id: 'x', host: { role: 'real-server', ip: nasty }, commands: ['echo "x" > /etc/sysctl.d/a & <b>'], why: nasty }],
    displayFilter: 'frame.number == 7',
    cause: 0,
  };
  const twoCaptures = (): CheckResult => {
    const base = result({
      flows: [flow(), flow({ client: { ip: '10.0.0.2', port: 1 }, firstFrame: { capture: 1, frame: 7 }, verdict: 'fail', findings: [0] })],
      findings: [f],
    });
    base.captures.push({ ...base.captures[0]!, path: `odd "name" <&>\u0001.pcap` });
    base.captures[1]!.issues.push({ severity: 'warning', code: 'truncated_record', offset: 99, message: 'cut <here>' });
    return base;
  };

  it(`escapes everything and stays valid${SKIP}`, ({ skip }) => {
    if (!hasXmllint) skip();
    const xml = formatJunit(twoCaptures(), { rules: RULES, gate: gateOff });
    expect(validate(xml).ok).toBe(true);
    const back = xpath(xml, 'string(//failure/@message)');
    // Control characters, even the tab and newline XML could carry, are shown as escapes.
    expect(back).toBe('a<b>&"c\'\\x00\\x1b]]>\\x09tab\\x0aline \\ud800 é ✓');
    expect(xpath(xml, 'string(//testsuite[2]/@name)')).toBe('odd "name" <&>\\x01.pcap');
  });

  it('puts a flow in the suite of the capture holding its first frame; address rules in every suite', () => {
    const xml = formatJunit(twoCaptures(), { rules: RULES, gate: gateOff });
    const suites = xml.split('<testsuite ').slice(1);
    expect(suites).toHaveLength(2);
    expect(suites[0]).toContain('name="10.0.0.1:40000 -&gt; 10.0.0.100:80/tcp"');
    expect(suites[1]).toContain('name="10.0.0.2:1 -&gt; 10.0.0.100:80/tcp"');
    expect(suites[1]).toContain('<system-err>warning: cut &lt;here&gt; (byte offset 99)</system-err>');
    for (const s of suites) expect(s.match(/classname="lvs-pcap.(address|server)"/g)).toHaveLength(addressRules);
    expect(suiteAttr(xml, 'failures')).toEqual([0, 1]);
  });

  it('a capture that could not be read is an error testcase', () => {
    const r = result();
    r.captures[0]!.issues.push({ severity: 'error', code: 'bad_magic', offset: 0, message: 'not a capture' });
    const xml = formatJunit(r, { rules: RULES, gate: gateOff });
    expect(xml).toContain('<error message="not a capture" type="bad_magic">');
    expect(suiteAttr(xml, 'errors')).toEqual([1]);
  });

  it(`--min-flows / --expect-rs add a gate suite that fails when unmet${SKIP}`, ({ skip }) => {
    const xml = formatJunit(result({ flows: [] }), { rules: RULES, gate: { failOn: 'error', minFlows: 1, expectRs: 2 } });
    expect(xml).toContain('<testsuite name="lvs-pcap gate" tests="2" failures="2"');
    expect(xml).toContain('type="min-flows"');
    expect(xml).toContain('type="expect-rs"');
    if (!hasXmllint) skip();
    expect(validate(xml).ok).toBe(true);
  });

  it('durations are exact decimal differences', () => {
    expect(duration('1795653861.463018', '1795653861.463043')).toBe('0.000025');
    expect(duration('1.9', '3.000000001')).toBe('1.100000');
    expect(duration('5', '4')).toBe('0.000000');
  });
});
