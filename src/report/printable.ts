/**
 * Text from outside (capture paths, configuration values, argument values) can hold characters
 * that change what a terminal, a Markdown renderer or a log viewer shows: an escape sequence
 * that moves the cursor and rewrites "FAIL" as "PASS", a bare carriage return that starts a
 * new Markdown block, a right-to-left override that reverses a file name. Every report but the
 * JSON one (whose string escaping already shows them) prints such characters as visible
 * escapes: `\x1b`, `\x0d`, `\u202e`.
 *
 * A byte that is not UTF-8 in a file name reaches us as a lone surrogate U+DC80..U+DCFF (see
 * src/cli/argv.ts) and is shown as the byte it was: `\xff`. visible() itself lives with the
 * other text formatting, in src/decode/format.ts, for the few places outside the reports.
 */
import { visible } from '../decode/format.js';

export { visible };

/**
 * A copy of `value` (plain data: a CheckResult, a list of lines...) with every string passed
 * through visible(). Objects and arrays without such a string are returned as they are, so a
 * clean result costs one scan of its strings and no copy.
 */
export function printable<T>(value: T): T {
  if (typeof value === 'string') return visible(value) as T;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const p = printable(v);
      if (p !== v) {
        out ??= value.slice();
        out[i] = p;
      }
    }
    return (out ?? value) as T;
  }
  if (value !== null && typeof value === 'object') {
    let out: Record<string, unknown> | null = null;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const p = printable(v);
      if (p !== v) {
        out ??= { ...(value as Record<string, unknown>) };
        out[k] = p;
      }
    }
    return (out ?? value) as T;
  }
  return value;
}
