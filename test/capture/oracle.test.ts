import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareWithOracle, DELIBERATE_DIFFERENCES, listFiles } from './oracle-lib.js';

// Our classic-pcap records must equal pcap-parser's for every fixture; the deliberate
// differences (and why) are listed in DELIBERATE_DIFFERENCES in oracle-lib.ts.
const root = join(import.meta.dirname, '../../fixtures');
const files = listFiles(root, (n) => n.endsWith('.pcap'));

describe('classic pcap fixtures agree with pcap-parser', () => {
  if (files.length === 0) it.skip(`nothing to compare (skipped: no .pcap file under ${root})`, () => {});
  it.each(files.map((f) => [f.slice(root.length + 1), f]))('%s', async (_name, path) => {
    const o = await compareWithOracle(path);
    if (o.kind === 'skipped') {
      console.log(`${path}: skipped: ${o.reason in DELIBERATE_DIFFERENCES ? DELIBERATE_DIFFERENCES[o.reason as keyof typeof DELIBERATE_DIFFERENCES] : o.reason}`);
      return;
    }
    expect(o.ours.length).toBe(o.theirs.length);
    expect(o.ours).toEqual(o.theirs);
  });
});
