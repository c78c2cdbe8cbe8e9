/**
 * The command line as the user typed it. Node decodes arguments as UTF-8 and replaces bytes
 * that are not (a file name from an old Latin-1 system, say) with U+FFFD, so such a file could
 * not be opened. On Linux the exact bytes are in /proc/self/cmdline: an argument that lost
 * bytes is taken from there, with the bytes carried as fsPath() expects.
 */
import { readFileSync } from 'node:fs';
import { decodeFileName } from '../capture/fs-path.js';

/** process.argv without node and the script, with arguments that were not UTF-8 restored. */
export function userArguments(argv: readonly string[] = process.argv): string[] {
  const args = argv.slice(2);
  if (!args.some((a) => a.includes('\ufffd'))) return args;
  let raw: Buffer;
  try {
    raw = readFileSync('/proc/self/cmdline');
  } catch {
    return args;
  }
  return restore(args, raw);
}

/** `args` with each one that lost bytes replaced from `cmdline` (NUL-separated), when they line up. */
export function restore(args: readonly string[], cmdline: Buffer): string[] {
  const all: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < cmdline.length; i++) {
    if (cmdline[i] === 0) {
      all.push(cmdline.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < cmdline.length) all.push(cmdline.subarray(start));
  if (all.length < args.length) return [...args];
  const tail = all.slice(all.length - args.length);
  // Only when every argument is the same as Node's reading of the same bytes.
  if (!tail.every((b, i) => b.toString('utf8') === args[i])) return [...args];
  return args.map((a, i) => (a.includes('\ufffd') ? decodeFileName(tail[i]!) : a));
}
