/**
 * The closed loop of the fixes (fixtures/lab/run.sh --verify-fixes, run by .ci/run) proves them on
 * the scenarios it runs by default, the list FAILING in run.sh. That list must be exactly the
 * namespace-lab scenarios whose bridge capture the oracle (fixtures/lab/expect.py) says fails, and
 * each of them must be able to run its traffic again once the fixes are applied; else a new broken
 * scenario would go unproved without anyone noticing. The real-IPVS lab's list VERIFIABLE in
 * fixtures/ipvs/run.sh must likewise be exactly its scenarios whose bridge capture fails (the pairings,
 * a capture checked against another scenario's configuration, are no scenario of their own; the
 * -martian capture is written and verified by ipvs-rs-gw-director), each calling verify_fixes, but
 * for those named in IPVS_WITHOUT_LOOP, whose closed loop is not written yet.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listFixtures } from '../check/fixture-expectations.js';

const LAB = readFileSync('fixtures/lab/run.sh', 'utf8');
const IPVS_LAB = readFileSync('fixtures/ipvs/run.sh', 'utf8');
const IPVS_GUEST = readFileSync('fixtures/ipvs/guest.sh', 'utf8');
/** Failing real-IPVS scenarios without a closed loop yet: each one a gap, not a choice. */
const IPVS_WITHOUT_LOOP = ['ipvs-rs-lossy'];

/** The words of a shell assignment NAME="a b c" in a script. */
function shellList(script: string, name: string): string[] {
  const m = new RegExp(`^${name}="([^"]*)"`, 'm').exec(script);
  if (!m) throw new Error(`${name}="..." not found`);
  return m[1]!.split(/\s+/).filter((w) => w !== '');
}

/** The text of a shell function NAME() { ... }: up to the next function defined at the start of a line (its heredocs may hold lines that are only "}"). */
function shellFunction(script: string, name: string): string | undefined {
  const start = script.search(new RegExp(`^${name}\\(\\) \\{`, 'm'));
  if (start < 0) return undefined;
  const next = script.slice(start).search(/\n[a-z_][a-z0-9_]*\(\) \{/);
  return script.slice(start, next < 0 ? undefined : start + next);
}

describe('the closed loop of the fixes', () => {
  const failing = shellList(LAB, 'FAILING');

  it('runs by default exactly the namespace-lab scenarios whose bridge capture fails', () => {
    const failingCaptures = listFixtures()
      .filter((f) => f.name.endsWith('/bridge') && f.description.expected.verdict === 'fail')
      .map((f) => f.name.split('/')[0]!);
    expect(failingCaptures.length).toBeGreaterThan(5);
    expect([...failing].sort()).toEqual([...new Set(failingCaptures)].sort());
  });

  it('can run the traffic of each of them again after the fixes', () => {
    const problems: string[] = [];
    for (const s of failing) {
      const body = shellFunction(LAB, `sc_${s.replace(/-/g, '_')}`);
      if (body === undefined) problems.push(`${s}: no function sc_${s.replace(/-/g, '_')} in run.sh`);
      else if (!/finish_traffic [a-z_]+/.test(body) || /finish_traffic true\b/.test(body)) problems.push(`${s}: its traffic cannot run again (finish_traffic TRAFFIC)`);
    }
    expect(problems).toEqual([]);
  });

  it('runs on real IPVS for every real-IPVS scenario whose bridge capture fails (but the gaps named)', () => {
    const verifiable = shellList(IPVS_LAB, 'VERIFIABLE');
    expect(verifiable).toEqual(expect.arrayContaining(['ipvs-nat', 'ipvs-poisoned', 'ipvs-vip-missing-end']));
    const failingCaptures = listFixtures({ withIpvs: true })
      .filter((f) => f.name.startsWith('ipvs/') && f.name.endsWith('/bridge') && f.description.expected.verdict === 'fail')
      .map((f) => f.name.split('/')[1]!)
      .filter((s) => !s.startsWith('ipvs-pair-'))
      .map((s) => s.replace(/-martian$/, ''));
    expect(failingCaptures.length).toBeGreaterThan(5);
    expect([...verifiable, ...IPVS_WITHOUT_LOOP].sort()).toEqual([...new Set(failingCaptures)].sort());
  });

  it('runs the closed loop in the guest code of each real-IPVS scenario it lists', () => {
    const problems: string[] = [];
    for (const s of shellList(IPVS_LAB, 'VERIFIABLE')) {
      const body = shellFunction(IPVS_GUEST, `sc_${s.replace(/-/g, '_')}`);
      if (body === undefined) problems.push(`${s}: no function sc_${s.replace(/-/g, '_')} in guest.sh`);
      else if (!/verify_fixes [a-z_]+|ka_verify_split/.test(body)) problems.push(`${s}: its guest code never calls verify_fixes`);
    }
    expect(problems).toEqual([]);
  });
});
