/**
 * Test names that carry their skip reason: `name` as it is when the test runs, with
 * " (skipped: reason)" when it does not, so the list test/support/skip-reporter.ts prints says why.
 */
export function orSkipped(name: string, reason: string | undefined): string {
  return reason === undefined ? name : `${name} (skipped: ${reason})`;
}
