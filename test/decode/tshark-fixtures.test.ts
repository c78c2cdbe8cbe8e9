/**
 * Differential test of the decoders against tshark on every capture under fixtures/.
 * Skipped (with the reason) when tshark is not installed or there are no captures yet.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize, tsharkAvailable, tsharkDiff } from './tshark-diff.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'fixtures');

function captures(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...captures(p));
    else if (/\.(pcap|pcapng|cap)(\.gz)?$/i.test(name)) out.push(p);
  }
  return out;
}

const files = captures(FIXTURES);
const skipReason = !tsharkAvailable() ? 'tshark not installed' : files.length === 0 ? 'no captures under fixtures/ yet' : undefined;

describe.skipIf(skipReason !== undefined)('tshark differential: fixtures', () => {
  for (const file of files) {
    it(relative(ROOT, file), async () => {
      const r = await tsharkDiff(file);
      const unexplained = r.differences.filter((d) => d.explanation === undefined);
      if (unexplained.length > 0) {
        console.log(
          [...summarize(r.differences)].map(([k, n]) => `${n} ${k}`).join('\n') +
            '\n' +
            unexplained.slice(0, 20).map((d) => `#${d.frame} ${d.field} ${d.kind} ours=${d.ours} tshark=${d.theirs}`).join('\n'),
        );
      }
      expect(r.frames).toBeGreaterThan(0);
      expect(unexplained).toEqual([]);
    });
  }
});

if (skipReason !== undefined) {
  describe.skip(`tshark differential: fixtures (skipped: ${skipReason})`, () => {
    it('skipped', () => {});
  });
}
