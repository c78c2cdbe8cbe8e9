/**
 * File names are bytes; JavaScript strings are UTF-16. A name that is not valid UTF-8 is
 * carried in a string the way Python's "surrogateescape" carries it: each byte that is not
 * part of a valid UTF-8 sequence becomes the lone surrogate U+DC80..U+DCFF (see src/cli/argv.ts),
 * and fsPath() turns such a string back into the exact bytes for the file system. Reports show
 * those characters as `\xNN` (src/report/printable.ts).
 */

const ESCAPED_BYTE = /[\udc80-\udcff]/u;

/** The path to hand to node:fs: the string itself, or its bytes when it carries escaped ones. */
export function fsPath(path: string): string | Buffer {
  if (!ESCAPED_BYTE.test(path)) return path;
  const parts: Buffer[] = [];
  for (const ch of path) {
    const code = ch.codePointAt(0)!;
    parts.push(code >= 0xdc80 && code <= 0xdcff ? Buffer.of(code - 0xdc00) : Buffer.from(ch, 'utf8'));
  }
  return Buffer.concat(parts);
}

const strict = new TextDecoder('utf-8', { fatal: true });

/** Bytes as a string, each byte outside a valid UTF-8 sequence as U+DC80 + byte (see fsPath). */
export function decodeFileName(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    // Decoded sequence by sequence below.
  }
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n === 1) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    if (n > 1 && i + n <= bytes.length) {
      try {
        out += strict.decode(bytes.subarray(i, i + n));
        i += n;
        continue;
      } catch {
        // Not a valid sequence: the lead byte alone is escaped.
      }
    }
    out += String.fromCharCode(0xdc00 + b);
    i++;
  }
  return out;
}
