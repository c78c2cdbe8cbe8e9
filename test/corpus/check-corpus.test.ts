// The whole check (reader, decoders, analyzer, rules, reporters) over the tcpdump project's own
// test captures: 830 files, many written to crash dissectors. None may make checkCaptures throw;
// each may be judged, judged with a warning, or rejected with one-line issues.
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureOpenError } from '../../src/capture/read.js';
import { checkCaptures } from '../../src/check/check.js';
import { formatJson } from '../../src/report/json.js';
import { plainStyle } from '../../src/report/style.js';
import { formatTable } from '../../src/report/table.js';
import { orSkipped } from '../support/skip.js';
import { corpusRoot } from './corpus-root.js';

const root = corpusRoot();
const present = existsSync(root);
const files = present ? readdirSync(root, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name)).sort() : [];

describe.skipIf(!present)(orSkipped('checkCaptures over the tcpdump corpus', present ? undefined : `tcpdump's test corpus is not at ${root}`), () => {
  it('no file makes the check throw; every issue is one line with an offset inside the stream', async () => {
    const tally = { judged: 0, warned: 0, rejected: 0 };
    const verdicts = new Map<string, number>();
    const failures: string[] = [];
    let frames = 0;
    let weirds = 0;
    const t0 = performance.now();
    for (const path of files) {
      try {
        const r = await checkCaptures([path]);
        formatJson(r);
        formatTable(r, { style: plainStyle, allFlows: true, timeline: true });
        const c = r.captures[0]!;
        for (const i of c.issues) {
          if (/[\r\n]/.test(i.message) || !Number.isSafeInteger(i.offset) || i.offset < 0 || i.offset > c.bytes) {
            failures.push(`${basename(path)}: bad issue ${JSON.stringify(i)}`);
          }
        }
        if (c.issues.filter((i) => i.severity === 'error').length > 1) failures.push(`${basename(path)}: more than one fatal issue`);
        frames += r.summary.frames;
        weirds += Object.values(r.summary.weirds).reduce((a, b) => a + b, 0);
        verdicts.set(r.verdict, (verdicts.get(r.verdict) ?? 0) + 1);
        if (c.issues.some((i) => i.severity === 'error')) tally.rejected++;
        else if (c.issues.length) tally.warned++;
        else tally.judged++;
      } catch (err) {
        // Only an unopenable path may reject; the corpus holds none.
        failures.push(`${basename(path)}: threw ${err instanceof CaptureOpenError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    }
    console.log(
      `check corpus: ${files.length} files, ${frames} frames (${weirds} weird) in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
        `judged ${tally.judged}, with a warning ${tally.warned}, with an error ${tally.rejected}; verdicts ${[...verdicts].map(([k, v]) => `${k} ${v}`).join(', ')}`,
    );
    expect(failures).toEqual([]);
    expect(tally.judged + tally.warned + tally.rejected).toBe(files.length);
  });
});

describe.skipIf(!present)(orSkipped('checkCaptures over the tcpdump corpus: never lie', present ? undefined : `tcpdump's test corpus is not at ${root}`), () => {
  // The corpus holds protocol samples (HSRP, NTP, ARP fuzz...), no LVS at all: an error finding
  // there is a DR failure reported about traffic that is not DR. Inference from such captures
  // must end in "no VIP" or in findings below error, never in exit 1.
  it('no error finding on captures that contain no LVS traffic', async () => {
    const lies: string[] = [];
    for (const path of files) {
      const r = await checkCaptures([path]);
      if (r.summary.findingsBySeverity.error === 0) continue;
      const rules = [...new Set(r.findings.filter((f) => f.severity === 'error').map((f) => f.rule))];
      lies.push(`${basename(path)}: ${r.summary.findingsBySeverity.error} error(s) ${rules.join(', ')} (topology confidence ${r.topology.confidence}; first: ${r.findings[0]?.message ?? ''})`);
    }
    expect(lies).toEqual([]);
  });
});


