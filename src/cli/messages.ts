import type { CaptureIssue } from '../capture/record.js';
import type { CheckResult } from '../result/result.js';

/** The one-line form of a reader issue: file, byte offset, reason. */
export function issueLine(path: string, issue: CaptureIssue): string {
  return `${path}: ${issue.fatal ? 'error' : 'warning'}: ${issue.message} (byte offset ${issue.offset})`;
}

/** Prints every reader issue of every capture as one line on stderr. */
export function warnIssues(result: CheckResult, warn: (line: string) => void): void {
  for (const c of result.captures) {
    for (const i of c.issues) warn(issueLine(c.path, { code: i.code, offset: i.offset, message: i.message, fatal: i.severity === 'error' }));
  }
}

/** Nothing to analyse: every capture was unreadable, or held only link types we do not decode. */
export function unusable(result: CheckResult): boolean {
  return result.captures.every(
    (c) => (c.frames === 0 && c.issues.some((i) => i.severity === 'error')) || (c.frames > 0 && c.unsupportedFrames === c.frames),
  );
}
