/**
 * A skipped test says why: vitest's summary only counts them, so this reporter lists every
 * skipped test by name after it, and each skip names its reason in the test's name ("(skipped:
 * tshark is not installed)"), as the tests that skip do (test/support/skip.ts).
 */
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export default class SkipReasons implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    for (const m of testModules) {
      for (const t of m.children.allTests('skipped')) lines.push(`  ${relative(process.cwd(), m.moduleId)} > ${t.fullName}`);
    }
    if (lines.length > 0) process.stdout.write(`\n Skipped (${lines.length}), each with its reason:\n${lines.join('\n')}\n`);
  }
}
