/**
 * `check --keepalived` and `topology --keepalived` as an SRE types them (one --keepalived per
 * director, before the capture), on the lab captures of two keepalived directors: the exit
 * status and the findings are the ones the fixture's oracle derived with tshark.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/result/result.js';
import { actualFindings, expectedFindings, type FixtureDescription } from '../check/fixture-expectations.js';
import { CLI_BIN, cliBuilt, REPO_ROOT } from '../support/cli.js';

function lvsPcap(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI_BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SCENARIOS = [
  'fixtures/ipvs/ipvs-keepalived-pair',
  'fixtures/ipvs/ipvs-keepalived-split-brain',
  'fixtures/ipvs/ipvs-keepalived-vrid-mismatch',
  'fixtures/ipvs/ipvs-keepalived-left-vip',
  'fixtures/ipv6-keepalived-failover',
  'fixtures/keepalived-unicast-one-side',
];

describe.skipIf(!cliBuilt())('lvs-pcap --keepalived on the lab captures', () => {
  for (const dir of SCENARIOS) {
    const d = JSON.parse(readFileSync(join(REPO_ROOT, dir, 'bridge.json'), 'utf8')) as FixtureDescription;
    const files = (d.configured?.keepalived?.files ?? []).flatMap((f) => ['--keepalived', `${dir}/${f}`]);
    const capture = `${dir}/${d.capture.file}`;

    it(`check ${files.join(' ')} ${capture}`, () => {
      expect(files.length).toBe(4);
      const r = lvsPcap('check', ...files, capture, '--format', 'json');
      expect(r.stderr).toBe('');
      expect(actualFindings(JSON.parse(r.stdout) as CheckResult)).toEqual(expectedFindings(d, { keepalived: true }));
      expect(r.status).toBe(d.expected.findings.some((f) => f.severity === 'error') ? 1 : 0);
    });

    it(`watch ${files.join(' ')} ${capture}: every rule the oracle expects, the VRRP ones included`, () => {
      const r = lvsPcap('watch', ...files, capture, '--format', 'json');
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; rule?: string });
      const printed = new Set(lines.filter((l) => l.type === 'finding').map((l) => l.rule));
      // Only inclusion: the live checks also flag a client-bypass across a healthy failover, which check does not.
      for (const f of d.expected.findings) expect(printed, f.rule).toContain(f.rule);
    });

    it(`topology ${files.join(' ')} ${capture}: the virtual router with each director's priorities`, () => {
      const r = lvsPcap('topology', ...files, capture);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^services:$/m);
      // The description (stderr, beside the YAML) names the VRID the lab configured and both senders.
      const vrids = [...new Set((d.configured?.keepalived?.instances ?? []).map((i) => i.vrid))];
      const vrrp = r.stderr.split('\n').filter((l) => l.startsWith('vrrp '));
      expect(vrrp.map((l) => Number(/VRID (\d+)/.exec(l)?.[1])).sort()).toEqual(vrids.sort());
      for (const x of d.topology.directors) expect(vrrp.join('\n')).toMatch(new RegExp(`${x.mac} \\([^)]+\\) priority \\d+`));
    });
  }
});
