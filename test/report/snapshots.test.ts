/**
 * Golden outputs: the Markdown and JSON reports of five lab captures, frozen under
 * test/report/golden/ (a lab run rewrites fixtures/ with new timestamps and ports), stored under
 * __snapshots__/ (see the README there). Paths are relative and nothing of the run (time, host,
 * checkout path) enters these outputs, so they only change when the reporters or the analysis do.
 */
import { describe, expect, it } from 'vitest';
import { gate } from '../../src/report/gate.js';
import { formatJson } from '../../src/report/json.js';
import { formatMarkdown } from '../../src/report/markdown.js';
import { checkGolden, REPORT_FIXTURES } from './support.js';

const file = (name: string, ext: string): string => `./__snapshots__/${name.replace('/', '-')}.${ext}`;

describe('golden reports of the lab fixtures', () => {
  for (const name of REPORT_FIXTURES) {
    it(`${name}: markdown`, async () => {
      const r = await checkGolden(name);
      const options = { failOn: 'error' as const };
      await expect(formatMarkdown(r, { gate: options, gateResult: gate(r, options) })).toMatchFileSnapshot(file(name, 'md'));
    });

    it(`${name}: json`, async () => {
      const json = formatJson(await checkGolden(name));
      expect(json).not.toContain(process.cwd());
      await expect(json).toMatchFileSnapshot(file(name, 'json'));
    });
  }

  it('markdown shows the gate reasons of --min-flows / --expect-rs', async () => {
    const r = await checkGolden('healthy/bridge');
    const options = { failOn: 'incomplete' as const, minFlows: 1000, expectRs: 3 };
    const md = formatMarkdown(r, { gate: options, gateResult: gate(r, options) });
    expect(md).toMatch(/^## ❌ FAIL \(CI gate; check verdict PASS\): lvs-pcap check\n/);
    expect(md).toContain('**CI gate ❌ failed** (--fail-on incomplete, --min-flows 1000, --expect-rs 3, exit 1):');
    expect(md).toMatch(/^- \d+ VIP flows in the capture, expected at least 1000 \(--min-flows\)$/m);
    expect(md).toMatch(/^- 2 real servers received flows, expected at least 3 \(--expect-rs\)$/m);
  });
});
