import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureOpenError, readCapture, readCaptureBuffer } from '../../src/capture/read.js';
import { compareWithOracle, DELIBERATE_DIFFERENCES, listFiles } from '../capture/oracle-lib.js';
import { orSkipped } from '../support/skip.js';
import { corpusRoot } from './corpus-root.js';

// The shared tcpdump test corpus (pcap and pcapng), next to the repository.
const root = corpusRoot();
const present = existsSync(root);
const files = present ? listFiles(root, () => true) : [];

describe.skipIf(!present)(orSkipped('reader over the tcpdump corpus', present ? undefined : `tcpdump's test corpus is not at ${root}`), () => {
  it('reads every file without an uncaught exception: fully, with a warning, or rejected in one line', async () => {
    const tally = { full: 0, warning: 0, rejected: 0, openError: 0 };
    const byCode = new Map<string, number>();
    const byFormat = new Map<string, number>();
    let frames = 0;
    for (const path of files) {
      let r;
      try {
        r = await readCapture(path, { onRecord: () => {}, onIssue: () => {} });
      } catch (err) {
        // Only an unopenable path may reject, and then with the documented error type.
        expect(err).toBeInstanceOf(CaptureOpenError);
        tally.openError++;
        continue;
      }
      frames += r.frames;
      byFormat.set(r.format, (byFormat.get(r.format) ?? 0) + 1);
      for (const i of r.issues) {
        expect(i.message, `${basename(path)}: ${i.message}`).not.toMatch(/\n/);
        expect(Number.isSafeInteger(i.offset)).toBe(true);
        byCode.set(i.code, (byCode.get(i.code) ?? 0) + 1);
      }
      const fatal = r.issues.filter((i) => i.fatal);
      expect(fatal.length).toBeLessThanOrEqual(1);
      if (fatal.length) tally.rejected++;
      else if (r.issues.length) tally.warning++;
      else {
        expect(r.complete).toBe(true);
        tally.full++;
      }
    }
    console.log(
      `reader corpus: ${files.length} files, ${frames} frames; read fully ${tally.full}, with a warning ${tally.warning}, ` +
        `rejected ${tally.rejected}, unopenable ${tally.openError}\n  formats: ${[...byFormat].map(([k, v]) => `${k} ${v}`).join(', ')}` +
        `\n  issue codes: ${[...byCode].sort().map(([k, v]) => `${k} ${v}`).join(', ')}`,
    );
    expect(tally.full + tally.warning + tally.rejected + tally.openError).toBe(files.length);
  });

  it('cut and damaged copies of every file: no exception, a prefix of the records, one-line issues', () => {
    const tally = { full: 0, warning: 0, rejected: 0 };
    let variants = 0;
    for (const path of files) {
      const bytes = readFileSync(path);
      const offsets: number[] = [];
      const full = readCaptureBuffer(bytes, { onRecord: (r) => void offsets.push(r.fileOffset), onIssue: () => {} });
      // Deterministic damage: cuts at 37 % and 1 byte short; 0xff bursts at 3 places.
      const copies: Array<[string, Uint8Array, boolean]> = [
        ['cut 37%', bytes.subarray(0, Math.floor(bytes.length * 0.37)), true],
        ['cut -1', bytes.subarray(0, Math.max(0, bytes.length - 1)), true],
      ];
      for (const at of [0.2, 0.5, 0.8]) {
        const b = Buffer.from(bytes);
        const p = Math.floor(b.length * at);
        b.fill(0xff, p, Math.min(b.length, p + 6));
        copies.push([`0xff at ${p}`, b, false]);
      }
      for (const [what, copy, isCut] of copies) {
        variants++;
        const got: number[] = [];
        const r = readCaptureBuffer(copy, { onRecord: (x) => void got.push(x.fileOffset), onIssue: () => {} }, { chunkSize: 4096 });
        for (const i of r.issues) expect(i.message, `${basename(path)} ${what}`).not.toMatch(/\n/);
        expect(r.issues.filter((i) => i.fatal).length).toBeLessThanOrEqual(1);
        if (isCut && full.complete) expect(got, `${basename(path)} ${what}`).toEqual(offsets.slice(0, got.length));
        if (r.issues.some((i) => i.fatal)) tally.rejected++;
        else if (r.issues.length) tally.warning++;
        else tally.full++;
      }
    }
    console.log(`reader corpus, damaged copies: ${variants} variants; read fully ${tally.full}, with a warning ${tally.warning}, rejected ${tally.rejected}`);
  });

  it('every classic pcap agrees with pcap-parser (count, timestamps, caplen, origlen, bytes)', async () => {
    const skipped = new Map<string, number>();
    let compared = 0;
    let prefixOnly = 0;
    const mismatches: string[] = [];
    for (const path of files) {
      const o = await compareWithOracle(path);
      if (o.kind === 'skipped') {
        skipped.set(o.reason, (skipped.get(o.reason) ?? 0) + 1);
        continue;
      }
      compared++;
      if (o.prefixOnly) prefixOnly++;
      if (o.ours.length !== o.theirs.length) mismatches.push(`${basename(path)}: ${o.ours.length} records, pcap-parser ${o.theirs.length}`);
      else {
        const i = o.ours.findIndex((r, k) => JSON.stringify(r) !== JSON.stringify(o.theirs[k]));
        if (i >= 0) mismatches.push(`${basename(path)}: record ${i + 1} differs`);
      }
    }
    console.log(
      `oracle (pcap-parser): compared ${compared} classic pcaps (${prefixOnly} up to our fatal issue); skipped ${[...skipped].map(([k, v]) => `${k} ${v}`).join(', ')}` +
        `\n  deliberate differences:\n${Object.values(DELIBERATE_DIFFERENCES).map((d) => `  - ${d}`).join('\n')}`,
    );
    expect(mismatches).toEqual([]);
  });
});


