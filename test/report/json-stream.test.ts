import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/result/result.js';
import { formatJson, writeJson } from '../../src/report/json.js';
import { checkGolden, flow, REPORT_FIXTURES } from './support.js';

/** What the JSON report must be, byte for byte: the result through JSON.stringify. */
const whole = (r: unknown): string => `${JSON.stringify(r, null, 2)}\n`;

describe('the JSON report, written a piece at a time', () => {
  it('is JSON.stringify of the result for every golden fixture', async () => {
    for (const name of REPORT_FIXTURES) {
      const r = await checkGolden(name);
      expect(r.flows.length).toBeGreaterThan(0);
      const chunks: string[] = [];
      writeJson(r, (c) => chunks.push(c));
      expect(chunks.join('')).toBe(whole(r));
      // One piece per flow at least: nothing waits for the whole report.
      expect(chunks.length).toBeGreaterThan(r.flows.length);
    }
  });

  it('keeps JSON.stringify’s rules for empty arrays, undefined fields and nested values', async () => {
    const r = await checkGolden('healthy/bridge');
    const odd = { ...r, flows: [], findings: [flow()] as unknown as CheckResult['findings'], timeline: undefined } as unknown as CheckResult;
    expect(formatJson(odd)).toBe(whole(odd));
    expect(JSON.parse(formatJson(odd))).toEqual(JSON.parse(whole(odd)));
    expect(formatJson({} as CheckResult)).toBe(whole({}));
  });
});
