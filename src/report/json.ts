/** `--format json`: the CheckResult itself, documented in docs/formats.md ("JSON"). */
import type { CheckResult } from '../result/result.js';

/** The report as one string (tests, the fuzzer). */
export function formatJson(result: CheckResult): string {
  let text = '';
  writeJson(result, (chunk) => (text += chunk));
  return text;
}

/**
 * The same text as `JSON.stringify(result, null, 2)` and a newline, handed to `write` a piece at
 * a time: the result's arrays (flows, findings, timeline) one element each. 50,000 failing flows
 * are tens of MB of JSON, which need not be in memory at once on top of the result.
 */
export function writeJson(result: CheckResult, write: (chunk: string) => void): void {
  const entries = Object.entries(result).filter(([, value]) => value !== undefined);
  if (entries.length === 0) {
    write('{}\n');
    return;
  }
  write('{');
  entries.forEach(([key, value], i) => {
    write(`${i > 0 ? ',' : ''}\n  ${JSON.stringify(key)}: `);
    if (Array.isArray(value) && value.length > 0) {
      value.forEach((element: unknown, j) => {
        // Elements of a top-level array sit two levels deep: four spaces before each line.
        write(`${j > 0 ? ',' : '['}\n    ${(JSON.stringify(element, null, 2) ?? 'null').replace(/\n/g, '\n    ')}`);
      });
      write('\n  ]');
    } else {
      write((JSON.stringify(value, null, 2) ?? 'null').replace(/\n/g, '\n  '));
    }
  });
  write('\n}\n');
}
