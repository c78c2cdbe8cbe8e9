import type { CaptureIssue } from '../capture/record.js';

/** The one-line form of a reader issue: file, byte offset, reason. */
export function issueLine(path: string, issue: CaptureIssue): string {
  return `${path}: ${issue.fatal ? 'error' : 'warning'}: ${issue.message} (byte offset ${issue.offset})`;
}
