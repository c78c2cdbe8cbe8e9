// The CLI asks for no passing-flow reports when its only output is a table without --all-flows
// (CheckOptions.passingFlows = 0). The table must read the same either way, and say how many
// flows it could not list when the bound cut the listing short.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkCaptures, type CheckOptions } from '../../src/check/check.js';
import { formatTable } from '../../src/report/table.js';
import { plainStyle } from '../../src/report/style.js';
import { givenFrom, type FixtureDescription } from '../check/fixture-expectations.js';

async function healthy(extra: CheckOptions = {}): Promise<ReturnType<typeof checkCaptures>> {
  const description = JSON.parse(readFileSync('test/report/golden/healthy.json', 'utf8')) as FixtureDescription;
  return checkCaptures([`test/report/golden/${description.capture.file}`], { given: givenFrom(description), ...extra });
}

const table = (result: Awaited<ReturnType<typeof checkCaptures>>, allFlows: boolean): string => formatTable(result, { style: plainStyle, allFlows, timeline: false });

describe('passing flows not listed', () => {
  it('the table without --all-flows is the same whether passing flows were listed or not', async () => {
    const listed = await healthy();
    const counted = await healthy({ passingFlows: 0 });
    const passing = listed.summary.flowsByVerdict.pass;
    expect(passing).toBeGreaterThan(2);
    expect(listed.flows.filter((f) => f.verdict === 'pass')).toHaveLength(passing);
    expect(counted.flows.filter((f) => f.verdict === 'pass')).toHaveLength(0);
    expect(counted.summary.unlistedFlows).toBe(passing);
    expect(table(counted, false)).toBe(table(listed, false));
    expect(table(counted, false)).toContain(`${passing} passing flows not listed (--all-flows lists them)`);
    expect(table(counted, false)).not.toContain('not kept for listing');
  });

  it('with --all-flows, names the passing flows the bound left out', async () => {
    const cut = await healthy({ passingFlows: 2 });
    const passing = cut.summary.flowsByVerdict.pass;
    expect(cut.flows.filter((f) => f.verdict === 'pass')).toHaveLength(2);
    expect(table(cut, true)).toContain(`${passing - 2} more flows judged and counted but not kept for listing (large capture)`);
    expect(table(cut, true)).not.toContain('passing flows not listed');
    expect(table(cut, false)).toBe(table(await healthy(), false));
  });
});
