/** `--format json`: the CheckResult itself, documented in the README ("JSON output"). */
import type { CheckResult } from '../engine/result.js';

export function formatJson(result: CheckResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
