import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printable, visible } from '../../src/report/printable.js';

describe('visible', () => {
  it.each([
    ['plain text', 'plain text'],
    ['tab\there', 'tab\\x09here'],
    ['new\nline\r', 'new\\x0aline\\x0d'],
    ['\u001b[2Jclear', '\\x1b[2Jclear'],
    ['osc\u001b]0;title\u0007', 'osc\\x1b]0;title\\x07'],
    ['del\u007f c1\u009b', 'del\\x7f c1\\x9b'],
    ['rtl \u202egnp.exe', 'rtl \\u202egnp.exe'],
    ['isolate \u2066x\u2069 mark \u200f', 'isolate \\u2066x\\u2069 mark \\u200f'],
    ['line sep \u2028 para \u2029', 'line sep \\u2028 para \\u2029'],
    ['byte \udce9 of a Latin-1 name', 'byte \\xe9 of a Latin-1 name'],
    ['lone \ud800 surrogate', 'lone \\ud800 surrogate'],
    ['café ✓ 🙂 漢字', 'café ✓ 🙂 漢字'],
  ])('%j', (input, want) => {
    expect(visible(input)).toBe(want);
  });

  it('leaves nothing that a terminal or Markdown reads as control, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const v = visible(s);
        expect(v).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
        expect(v).not.toMatch(/[\ud800-\udfff]/u);
        // Clean strings come back as they are.
        if (!/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]/u.test(s)) expect(v).toBe(s);
      }),
    );
  });
});

describe('printable', () => {
  it('returns clean data itself, not a copy', () => {
    const data = { path: 'a.pcap', list: ['x', 'y'], nested: { n: 1, s: 'ok' } };
    expect(printable(data)).toBe(data);
  });

  it('copies only what holds a control character, at every depth', () => {
    const data = { path: 'a\u001b.pcap', list: ['x', 'y\n'], nested: { n: 1, s: 'ok' }, none: undefined, nil: null };
    const p = printable(data);
    expect(p).toEqual({ path: 'a\\x1b.pcap', list: ['x', 'y\\x0a'], nested: { n: 1, s: 'ok' }, none: undefined, nil: null });
    expect(p.nested).toBe(data.nested);
    expect(data.path).toBe('a\u001b.pcap');
  });
});
