/**
 * Golden outputs: the Markdown and JSON reports of the lab fixtures, stored under
 * __snapshots__/ (see the README there). Fixture paths are relative and nothing of the run
 * (time, host, checkout path) enters these outputs, so they only change when the reporters,
 * the engine or the fixtures do.
 */
import { describe, expect, it } from 'vitest';
import { gate } from '../../src/report/gate.js';
import { formatJson } from '../../src/report/json.js';
import { formatMarkdown } from '../../src/report/markdown.js';
import { checkFixture, REPORT_FIXTURES } from './support.js';

const file = (name: string, ext: string): string => `./__snapshots__/${name.replace('/', '-')}.${ext}`;

describe('golden reports of the lab fixtures', () => {
  for (const name of REPORT_FIXTURES) {
    it(`${name}: markdown`, async () => {
      const r = await checkFixture(name);
      const options = { failOn: 'error' as const };
      await expect(formatMarkdown(r, { gate: options, gateResult: gate(r, options) })).toMatchFileSnapshot(file(name, 'md'));
    });

    it(`${name}: json`, async () => {
      const json = formatJson(await checkFixture(name));
      expect(json).not.toContain(process.cwd());
      await expect(json).toMatchFileSnapshot(file(name, 'json'));
    });
  }

  it('markdown shows the gate reasons of --min-flows / --expect-rs', async () => {
    const r = await checkFixture('healthy/bridge');
    const options = { failOn: 'incomplete' as const, minFlows: 1000, expectRs: 3 };
    const md = formatMarkdown(r, { gate: options, gateResult: gate(r, options) });
    expect(md).toMatch(/^## ❌ FAIL \(CI gate; check verdict PASS\): lvs-pcap check\n/);
    expect(md).toContain('**CI gate ❌ failed** (--fail-on incomplete, --min-flows 1000, --expect-rs 3, exit 1):');
    expect(md).toMatch(/^- \d+ VIP flows in the capture, expected at least 1000 \(--min-flows\)$/m);
    expect(md).toMatch(/^- 2 real servers received flows, expected at least 3 \(--expect-rs\)$/m);
  });
});
