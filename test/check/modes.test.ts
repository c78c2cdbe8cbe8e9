/**
 * Every fixture capture, namespace lab and real IPVS alike, checked the three ways users run
 * lvs-pcap: with no topology at all, with only what the director's IPVS table says (ipvsadm
 * output, or a config naming VIPs and real-server IPs but no MAC), and with the whole topology;
 * where the lab ran keepalived, a fourth: the directors' keepalived.conf files alone.
 * The verdict must be right in all of them; with the table, the whole topology or the
 * keepalived.conf files the findings are exactly the ones the fixture's description derives
 * from the capture with tshark (those that judge the adverts against keepalived.conf only
 * where it is given).
 *
 * Without any topology, findings that need the configured scheduler (rs-share, persistence,
 * quiesced-rs) cannot exist: the expected verdict is worked out without them. Where the
 * description says the capture alone shows the VIP (`inference.possible`, derived with tshark),
 * the verdict is exact; where it cannot, a failure may go unseen but no false one is raised.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/check/check.js';
import { buildGivenTopology } from '../../src/topology/build.js';
import type { CheckResult } from '../../src/result/result.js';
import type { GivenTopology } from '../../src/topology/topology.js';
import { actualFindings, expectedFindings, FLOW_RULES, givenFrom, keepalivedFiles, KEEPALIVED_RULES, listFixtures, type Fixture, type FixtureDescription } from './fixture-expectations.js';

const SCHEDULING = new Set(['rs-share', 'persistence', 'quiesced-rs']);

type Mode = 'nothing given' | 'ipvsadm' | 'full topology' | 'keepalived.conf';

/** The director's IPVS table as lvs-pcap is given it: ipvsadm -Ln beside the capture, else a config without MACs. */
function tableOnly(fx: Fixture): GivenTopology {
  const ln = fx.capturePath.replace(/\.pcap(ng)?(\.gz)?$/, '.ipvsadm-Ln.txt');
  if (existsSync(ln)) return buildGivenTopology({ ipvsadm: { text: readFileSync(ln, 'utf8'), source: 'ipvsadm-Ln.txt' } });
  const d = fx.description;
  return {
    services: d.topology.vips.map((v) => ({ vip: v.ip, proto: v.proto, ...(v.port !== undefined ? { port: v.port } : {}) })),
    directorMacs: [],
    realServers: d.topology.realServers.flatMap((r) => (r.ip ? [{ ip: r.ip }] : [])),
    sources: ['config without MACs'],
  };
}

/** The whole topology: the IPVS table (when there is one, for the scheduler and weights) and every MAC. */
function fullTopology(fx: Fixture): GivenTopology {
  const flags = givenFrom(fx.description);
  const table = tableOnly(fx);
  if (table.sources[0] === 'config without MACs') return flags;
  return { ...table, directorMacs: flags.directorMacs, realServers: flags.realServers, sources: [...table.sources, 'fixture description'] };
}

function expectedVerdictWithoutScheduling(d: FixtureDescription): FixtureDescription['expected']['verdict'] {
  const rest = d.expected.findings.filter((f) => !SCHEDULING.has(f.rule) && !KEEPALIVED_RULES.has(f.rule));
  // No flow to a VIP and no ARP request answered twice: nothing in the capture names a VIP
  // (a real server's port that no client picked shows only its ARP answers, like any host's).
  if (d.expected.flows === 0 && !rest.some((f) => f.rule === 'duplicate-address')) return 'no-traffic';
  if (rest.some((f) => f.severity === 'error')) return 'fail';
  if (d.expected.verdict === 'no-traffic') return 'no-traffic';
  return 'pass';
}

/** Where the lab ran keepalived: the directors' keepalived.conf files and nothing else. */
function keepalivedOnly(fx: Fixture): GivenTopology | undefined {
  const files = keepalivedFiles(fx);
  return files.length > 0 ? buildGivenTopology({ keepalived: files }) : undefined;
}

/** The verdict without the findings only keepalived.conf can give. */
function verdictWithoutKeepalived(d: FixtureDescription): FixtureDescription['expected']['verdict'] {
  if (d.expected.verdict !== 'fail') return d.expected.verdict;
  return d.expected.findings.some((f) => f.severity === 'error' && !KEEPALIVED_RULES.has(f.rule)) ? 'fail' : 'pass';
}

function errors(r: CheckResult): string[] {
  return r.findings.filter((f) => f.severity === 'error').map((f) => `${f.rule}: ${f.message}`);
}

const fixtures = listFixtures({ withIpvs: true });

describe('every fixture, in the three modes', () => {
  it('has fixtures of both labs', () => {
    expect(fixtures.filter((f) => f.name.startsWith('ipvs/')).length).toBeGreaterThan(5);
    expect(fixtures.filter((f) => !f.name.startsWith('ipvs/')).length).toBeGreaterThan(10);
  });

  it('has keepalived fixtures', () => {
    expect(fixtures.filter((f) => keepalivedFiles(f).length > 0).length).toBeGreaterThanOrEqual(5);
  });

  const modes: [Mode, (fx: Fixture) => GivenTopology | undefined][] = [
    ['nothing given', () => undefined],
    ['ipvsadm', tableOnly],
    ['full topology', fullTopology],
    ['keepalived.conf', keepalivedOnly],
  ];
  for (const fx of fixtures) {
    for (const [mode, given] of modes) {
      if (mode === 'keepalived.conf' && keepalivedFiles(fx).length === 0) continue;
      it(`${fx.name}: ${mode}`, async () => {
        const g = given(fx);
        const r = await checkCaptures([fx.capturePath], g ? { given: g } : {});
        const d = fx.description;
        if (mode === 'nothing given') {
          const verdict = expectedVerdictWithoutScheduling(d);
          const seen = JSON.stringify(r.findings.map((f) => `${f.severity} ${f.rule}`));
          if (d.inference.possible || verdict !== 'fail') {
            expect(r.verdict, seen).toBe(verdict);
          } else {
            // The capture alone cannot show which host is which (a real server's port of a
            // poisoned network: one server answering for its own addresses, as any server does),
            // so a failure that rests on those roles may go unseen here; never a false one.
            expect(['fail', 'pass', 'no-traffic'], seen).toContain(r.verdict);
          }
          if (verdict === 'pass') expect(errors(r)).toEqual([]);
          // Where the description says the capture alone shows the VIP, the flow findings and
          // duplicate answers are exact too. Findings that name a claimant's role may be fewer
          // (which of several silent claimants of a VIP is the director cannot be told when no
          // copy shows it) but never other than described.
          if (d.inference.possible && !d.expected.findings.some((f) => SCHEDULING.has(f.rule))) {
            const exact = (k: string): boolean => FLOW_RULES.has(k.split('@')[0]!) || k.startsWith('duplicate-address@');
            const got = actualFindings(r);
            const want = expectedFindings(d);
            expect(got.filter(exact)).toEqual(want.filter(exact));
            for (const k of got.filter((x) => !exact(x))) expect(want).toContain(k);
            const vips = new Set(r.topology.vips.map((v) => v.ip));
            for (const v of d.topology.vips) expect(vips.has(v.ip)).toBe(true);
          }
          return;
        }
        const keepalived = mode === 'keepalived.conf';
        // keepalived.conf gives the weights keepalived starts with; a weight its health checks
        // changed during the capture (configured.changes) is in no file, so scheduling is not compared.
        const comparable = (k: string): boolean => !(keepalived && d.configured?.changes !== undefined && SCHEDULING.has(k.split('@')[0]!));
        expect(actualFindings(r).filter(comparable)).toEqual(expectedFindings(d, { keepalived }).filter(comparable));
        expect(r.verdict).toBe(keepalived ? d.expected.verdict : verdictWithoutKeepalived(d));
        expect(r.flows.length).toBe(d.expected.flows);
      });
    }
  }
});
