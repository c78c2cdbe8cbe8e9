// The CLI sets V8's semi-space growth factor after start-up (src/cli/young-generation.ts). That
// only works if V8 reads the flag when it grows the young generation (after one first step).
// Shown here in a child process, so vitest's own heap is left alone, with a workload whose
// surviving objects make V8 grow it. And it must come after the bundle is compiled: V8 checks
// a code cache against its flags.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, cliBuilt } from '../support/cli.js';
import { orSkipped } from '../support/skip.js';

const WORKLOAD = `
  const v8 = require('node:v8');
  const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
  const start = newSpace();
  const kept = [];
  for (let i = 0; i < 6e6; i++) {
    const o = { i, s: 'x' + (i % 1000) };
    if (i % 3 === 0) kept.push(o);
    if (kept.length > 2e5) kept.length = 0;
  }
  process.stdout.write(JSON.stringify({ start, end: newSpace() }));
`;

function run(keepSmall: boolean): { start: number; end: number } {
  const module = JSON.stringify(join(REPO_ROOT, 'dist/cli/young-generation.js'));
  const script = keepSmall ? `import(${module}).then((m) => { m.keepYoungGenerationSmall(); ${WORKLOAD} });` : WORKLOAD;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as { start: number; end: number };
}

/** What becomes of the CLI bundle's code cache when the flag is set before the bundle is loaded. */
function cacheAfterFlag(setFirst: boolean): string {
  const dist = (file: string): string => JSON.stringify(join(REPO_ROOT, 'dist/cli', file));
  const script = `Promise.all([import(${dist('young-generation.js')}), import(${dist('code-cache.js')})]).then(([y, c]) => {
    if (${setFirst}) y.keepYoungGenerationSmall();
    process.stdout.write(c.loadBundle(${dist('lvs-pcap.cjs')}, ${dist('lvs-pcap.cjs.cache')}).cache);
  });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

describe.skipIf(!cliBuilt())(orSkipped('young generation', cliBuilt() ? undefined : 'the CLI bundle is not built (npm test builds it)'), () => {
  it('is set after the bundle is loaded: set before, V8 rejects the code cache (src/cli/launch.ts)', () => {
    expect(cacheAfterFlag(false)).toBe('used');
    expect(cacheAfterFlag(true)).toBe('rejected');
  });

  it('grows under this workload by default, and stays near its starting size once kept small', () => {
    const grown = run(false);
    expect(grown.end).toBeGreaterThanOrEqual(4 * grown.start);
    // V8 still takes one step (1 -> 2 MB on Node 20) before the factor applies.
    const small = run(true);
    expect(small.end).toBeLessThanOrEqual(2 * small.start);
  });
});
