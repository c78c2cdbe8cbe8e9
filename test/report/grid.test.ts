import Table from 'cli-table3';
import { describe, expect, it } from 'vitest';
import { renderGrid } from '../../src/report/grid.js';
import { checkCaptures } from '../../src/check/check.js';
import { FLOW_TABLE_HEAD, flowTableRow } from '../../src/report/table.js';
import { colourStyle, plainStyle } from '../../src/report/style.js';

/** What cli-table3 makes of the same rows, with the options a cli-table3 flow table would take. */
function cliTable3(head: readonly string[], rows: readonly string[][]): string {
  const table = new Table({ head: [...head], style: { head: [], border: [] }, wordWrap: true });
  for (const r of rows) table.push(r);
  return table.toString();
}

describe('renderGrid draws what cli-table3 draws', () => {
  const head = ['Client', 'Verdict', 'Findings (rule: frame)'];
  const rows = Array.from({ length: 11 }, (_, i) => [
    `10.0.0.${i}:${40000 + i * 37}`,
    i % 3 === 0 ? colourStyle.red('✗ fail') : '✓ pass',
    i % 4 === 0 ? `rs-mac-answers-vip: ${i}\n${colourStyle.dim('still open at the end of the capture')}` : '',
  ]);

  it('for multi-line, coloured and empty cells', () => {
    expect(renderGrid(head, rows)).toBe(cliTable3(head, rows));
  });

  it('for wide characters, emoji and control characters (file names in multi-capture frame references)', () => {
    const odd = [
      ['测试抓包.pcap#12', '✓ pass', ''],
      ['🙂.pcap#3', colourStyle.yellow('? incomplete'), 'rs-arp-reply-vip: 数据.pcap#7'],
      ['tab\there', 'x', 'é accent'],
    ];
    expect(renderGrid(head, [...rows, ...odd])).toBe(cliTable3(head, [...rows, ...odd]));
  });

  it('for one row, and for none', () => {
    expect(renderGrid(head, rows.slice(0, 1))).toBe(cliTable3(head, rows.slice(0, 1)));
    expect(renderGrid(head, [])).toBe(cliTable3(head, []));
  });

  it('for the flow rows of real captures, plain and coloured', async () => {
    for (const path of ['fixtures/arp-announce-0/bridge.pcap', 'fixtures/vip-missing-on-rs/bridge.pcap', 'fixtures/ipv6-healthy/bridge.pcap']) {
      const result = await checkCaptures([path]);
      expect(result.flows.length).toBeGreaterThan(1);
      for (const style of [plainStyle, colourStyle]) {
        const rows = result.flows.map((f) => flowTableRow(result, f, style));
        expect(renderGrid(FLOW_TABLE_HEAD, rows)).toBe(cliTable3(FLOW_TABLE_HEAD, rows));
      }
    }
  });
});
