import type { CaptureIssue } from '../capture/record.js';
import type { CheckResult } from '../result/result.js';

/** The one-line form of a reader issue: file, byte offset, reason. */
export function issueLine(path: string, issue: CaptureIssue): string {
  return `${path}: ${issue.fatal ? 'error' : 'warning'}: ${issue.message} (byte offset ${issue.offset})`;
}

/**
 * Prints every reader issue of every capture as one line on stderr; or, when nothing could be
 * analysed (exit 2), one line per capture saying why: its fatal issue, or the link types it
 * holds and we do not decode. The warnings about a file that is rejected anyway (a snaplen
 * exceeded in an 802.11 capture, say) would only bury that line.
 */
export function warnIssues(result: CheckResult, warn: (line: string) => void): void {
  const rejected = unusable(result);
  for (const c of result.captures) {
    if (rejected) {
      warn(rejectionLine(c));
      continue;
    }
    for (const i of c.issues) warn(issueLine(c.path, { code: i.code, offset: i.offset, message: i.message, fatal: i.severity === 'error' }));
  }
}

function rejectionLine(c: CheckResult['captures'][number]): string {
  const fatal = c.issues.find((i) => i.severity === 'error');
  if (fatal) return issueLine(c.path, { code: fatal.code, offset: fatal.offset, message: fatal.message, fatal: true });
  const unsupported = c.issues.filter((i) => i.code === 'unsupported_link_type');
  const first = unsupported[0];
  if (first === undefined) return `${c.path}: error: nothing to analyse`;
  const message = `nothing to analyse: ${unsupported.map((i) => i.message).join('; ')}`;
  return issueLine(c.path, { code: first.code, offset: first.offset, message, fatal: true });
}

/** Nothing to analyse: every capture was unreadable, or held only link types we do not decode. */
export function unusable(result: CheckResult): boolean {
  return result.captures.every(
    (c) => (c.frames === 0 && c.issues.some((i) => i.severity === 'error')) || (c.frames > 0 && c.unsupportedFrames === c.frames),
  );
}
