import { describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/engine/check.js';
import { actualFindings, expectedFindings, givenFrom, listFixtures } from './fixture-expectations.js';

const fixtures = listFixtures();

describe('every lab fixture gives exactly its described findings', () => {
  it('has fixtures to check', () => {
    expect(fixtures.length).toBeGreaterThan(10);
  });

  for (const fx of fixtures) {
    const d = fx.description;
    it(`${fx.name}: topology given by flags`, async () => {
      const r = await checkCaptures([fx.capturePath], { given: givenFrom(d) });
      expect(actualFindings(r)).toEqual(expectedFindings(d));
      expect(r.verdict).toBe(d.expected.verdict);
      expect(r.flows.length).toBe(d.expected.flows);
    });

    it.runIf(d.inference.possible)(`${fx.name}: topology inferred`, async () => {
      const r = await checkCaptures([fx.capturePath]);
      expect(actualFindings(r)).toEqual(expectedFindings(d));
      expect(r.verdict).toBe(d.expected.verdict);
      expect(r.flows.length).toBe(d.expected.flows);
      const vips = new Set(r.topology.vips.map((v) => v.ip));
      for (const v of d.topology.vips) expect(vips.has(v.ip)).toBe(true);
    });
  }
});
