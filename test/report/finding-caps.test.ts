/**
 * A crafted capture can make thousands of address findings of one rule (the judge keeps
 * 10,000 per rule): the terminal table lists as many of each as it lists flows of a rule (five),
 * the Markdown summary twenty, and both count the rest; JSON has them all.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/result/result.js';
import { DEFAULT_GATE, gate } from '../../src/report/gate.js';
import { formatMarkdown } from '../../src/report/markdown.js';
import { plainStyle } from '../../src/report/style.js';
import { formatTable } from '../../src/report/table.js';
import { result } from './support.js';

function claim(i: number): Finding {
  const mac = `00:0c:29:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
  return {
    rule: 'rs-arp-reply-vip',
    severity: 'error',
    messageId: 'answered',
    message: `real server ${mac} answers ARP for VIP 192.168.188.120`,
    data: {},
    frames: [{ capture: 0, frame: i + 1 }],
    mac,
    remediation: ['sysctl -w net.ipv4.conf.all.arp_ignore=1'],
    displayFilter: `frame.number == ${i + 1}`,
  };
}

describe('address findings of one rule', () => {
  const findings = Array.from({ length: 75 }, (_, i) => claim(i));
  const r = result({
    verdict: 'fail',
    findings,
    causes: [{ id: 'rs-claim-vip', severity: 'error', headline: 'real servers answer ARP for the VIP', findings: findings.map((_, i) => i), remediation: [] }],
  });

  it('the table lists five, then the count of the rest', () => {
    const text = formatTable(r, { style: plainStyle, allFlows: false, timeline: false });
    expect(text.match(/answers ARP for VIP/g)).toHaveLength(5);
    expect(text).toContain('... 70 more rs-arp-reply-vip findings (--format json lists all)');
  });

  it('so does the Markdown summary', () => {
    const md = formatMarkdown(r, { gate: DEFAULT_GATE, gateResult: gate(r, DEFAULT_GATE) });
    expect(md.match(/answers ARP for VIP/g)).toHaveLength(20);
    expect(md).toContain('- … 55 more **rs-arp-reply-vip** findings (--format json lists them)');
    expect(md).toContain('Findings (75):');
  });
});
