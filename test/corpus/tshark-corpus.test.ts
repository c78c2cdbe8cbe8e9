/**
 * Differential test of the decoders against tshark over the shared tcpdump test corpus:
 * every capture with Ethernet (1), Linux SLL (113) or SLL2 (276) frames. Runs under
 * `npm run test:corpus`. Deliberate differences are explained in tshark-diff.ts; the test
 * fails on any other one and prints the counts by kind.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/read.js';
import { summarize, tsharkAvailable, tsharkDiff, type DiffResult } from '../decode/tshark-diff.js';
import { corpusRoot } from './corpus-root.js';

const CORPUS = corpusRoot();
const LINK_TYPES: ReadonlySet<number> = new Set([1, 113, 276]);
const CONCURRENCY = 2;

const skipReason = !existsSync(CORPUS)
  ? `corpus not found at ${CORPUS}`
  : !tsharkAvailable()
    ? 'tshark not installed'
    : undefined;

async function linkTypesOf(file: string): Promise<number[]> {
  const r = await readCapture(file, { onRecord() {}, onIssue() {} });
  return r.linkTypes;
}

describe.skipIf(skipReason !== undefined)('tshark differential: tcpdump corpus', () => {
  it('matches tshark on every Ethernet / SLL / SLL2 capture', async () => {
    const files = readdirSync(CORPUS)
      .filter((n) => /\.(pcap|pcapng|cap)(\.gz)?$/.test(n))
      .sort()
      .map((n) => join(CORPUS, n));
    const selected: string[] = [];
    for (const f of files) {
      if ((await linkTypesOf(f)).some((t) => LINK_TYPES.has(t))) selected.push(f);
    }
    const results: DiffResult[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < selected.length) {
        const f = selected[next++]!;
        results.push(await tsharkDiff(f, { linkTypes: LINK_TYPES }));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const all = results.flatMap((r) => r.differences);
    const frames = results.reduce((n, r) => n + r.frames, 0);
    const matched = results.reduce((n, r) => n + r.matched, 0);
    const lines = [...summarize(all)].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${String(n).padStart(7)} ${k}`);
    const unexplained = all.filter((d) => d.explanation === undefined);
    console.log(
      `tshark corpus diff: ${selected.length} files, ${frames} frames compared, ${matched} field values equal, ${all.length} differences, ${unexplained.length} unexplained\n` +
        lines.join('\n') +
        '\n' +
        unexplained
          .slice(0, 40)
          .map((d) => `  ${d.file.split('/').pop()}#${d.frame} ${d.field} ${d.kind} ours=${d.ours} tshark=${d.theirs}`)
          .join('\n'),
    );
    const out = process.env['TSHARK_DIFF_REPORT'];
    if (out !== undefined && out !== '') writeFileSync(out, JSON.stringify(all, null, 0));
    expect(unexplained.length).toBe(0);
  });
});
if (skipReason !== undefined) {
  describe.skip(`tshark differential: tcpdump corpus (skipped: ${skipReason})`, () => {
    it('skipped', () => {});
  });
}
