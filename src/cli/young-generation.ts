/**
 * Keeps V8's young generation at the size it has when called (the CLI calls it once start-up
 * is done: 1-2 MB semi-spaces) for the rest of the run. V8 doubles it, up to 16 MB
 * semi-spaces, as a long run's surviving objects add up: on the bench's 10M-frame capture
 * that was 30 MB of peak memory the 1M-frame capture did not have (commit e4aac5b,
 * 2026-11-26), memory growing with the length of the capture instead of its open flows. A
 * check's objects either die young (a flow's views) or live as long as a flow (pooled), so the
 * small nursery cost no measurable time (docs/performance.md).
 *
 * V8 reads the growth factor each time it would grow the space, so setting it after start-up
 * takes effect (test/cli/young-generation.test.ts shows it on this Node). The CLI calls it;
 * the library leaves the process's heap to its host.
 */
import { setFlagsFromString } from 'node:v8';

export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
