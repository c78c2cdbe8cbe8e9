/**
 * keepalived.conf as keepalived 2.2.7's reader (lib/parser.c) turns it into lines: comments
 * (`#` or `!` outside double quotes) removed, quoted words kept whole, `include` expanded in
 * place (globs, relative to the including file), `$NAME=value` definitions substituted, and
 * every `{` and `}` a line of its own, as keepalived splits them off. What lvs-pcap does not
 * follow (per-host `@id` lines, `~SEQ`/`~LST` generators, multi-line definitions) is an error
 * naming the line, never silently skipped: the check would otherwise verify another setup.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../usage-error.js';

/** One line as keepalived's keyword matcher sees it: words, or a lone `{` / `}`. */
export interface ConfLine {
  words: string[];
  file: string;
  line: number;
}

export function where(l: { file: string; line: number }): string {
  return `${l.file}:${l.line}`;
}

export function fail(at: { file: string; line: number }, reason: string): never {
  throw new UsageError(`${where(at)}: ${reason}`);
}

/** Deeper than this, an include is taken for a loop (keepalived itself would recurse until it runs out of files). */
const MAX_INCLUDE_DEPTH = 32;
const INCLUDE = /^include[rmwba]?$/;

class Reader {
  readonly lines: ConfLine[] = [];
  private readonly definitions = new Map<string, string>();

  read(path: string, depth: number, at: { file: string; line: number } | undefined): void {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : code;
      if (at === undefined) throw new UsageError(`--keepalived ${path}: ${why}`);
      fail(at, `include ${path}: ${why}`);
    }
    const physical = text.split('\n');
    for (let i = 0; i < physical.length; i++) {
      const pos = { file: path, line: i + 1 };
      let raw = physical[i]!.replace(/\r+$/, '');
      raw = decomment(raw, pos).trim();
      if (raw === '') continue;
      if (raw.startsWith('@')) {
        fail(pos, `'${raw.split(/\s/)[0]!}' lines apply to one host's config id; lvs-pcap reads a config as one director runs it: give that director's lines without the @ prefixes`);
      }
      if (raw.startsWith('~SEQ') || raw.startsWith('~LST')) fail(pos, `${raw.slice(0, 4)} line generators are not supported by lvs-pcap: give the lines they expand to`);
      if (raw.startsWith('$') && this.define(raw, pos)) continue;
      if (raw.includes('$') && this.definitions.size > 0) raw = this.substitute(raw);
      const words = splitWords(raw, pos);
      if (words.length > 0 && INCLUDE.test(words[0]!)) {
        this.include(raw.slice(words[0]!.length).trim(), path, depth, pos);
        continue;
      }
      this.push(raw, pos);
    }
  }

  /** `$NAME=value`: false when the line is not a definition (keepalived then reads it as a line). */
  private define(raw: string, pos: { file: string; line: number }): boolean {
    const m = /^\$([A-Za-z_][A-Za-z0-9_]*)=[ \t]*(.*)$/.exec(raw);
    if (m === null) {
      if (/^\$[A-Za-z_][A-Za-z0-9_]*\(/.test(raw)) fail(pos, 'definitions with parameters are not supported by lvs-pcap: give the lines they expand to');
      return false;
    }
    const value = m[2]!;
    if (value.endsWith('\\')) fail(pos, 'multi-line definitions are not supported by lvs-pcap: give the lines they expand to');
    this.definitions.set(m[1]!, value);
    return true;
  }

  /** `$NAME` and `${NAME}` replaced by their definitions; unknown names are left as they are, as keepalived leaves them. */
  private substitute(raw: string): string {
    return raw.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced: string | undefined, bare: string | undefined) => {
      const v = this.definitions.get((braced ?? bare)!);
      return v ?? whole;
    });
  }

  private include(pattern: string, from: string, depth: number, pos: { file: string; line: number }): void {
    if (pattern === '') fail(pos, 'include without a file name');
    if (depth >= MAX_INCLUDE_DEPTH) fail(pos, `includes nested more than ${MAX_INCLUDE_DEPTH} deep (an include loop?)`);
    const base = dirname(from);
    const full = isAbsolute(pattern) ? pattern : join(base, pattern);
    const files = glob(full);
    if (files.length === 0) {
      // keepalived accepts a wildcard that matches nothing; a plain name that is missing fails its config test.
      if (/[*?[]/.test(pattern)) return;
      fail(pos, `include ${pattern}: no such file (looked for ${resolve(full)})`);
    }
    for (const f of files) {
      if (statSync(f).isDirectory()) fail(pos, `include ${pattern}: ${f} is a directory`);
      this.read(f, depth + 1, pos);
    }
  }

  /** Splits `{` and `}` off the way keepalived's read_line does: each brace is a line of its own. */
  private push(raw: string, pos: { file: string; line: number }): void {
    let rest = raw;
    while (rest !== '') {
      const b = firstBrace(rest);
      if (b < 0) {
        this.lines.push({ words: splitWords(rest, pos), ...pos });
        return;
      }
      if (b > 0) {
        const words = splitWords(rest.slice(0, b), pos);
        if (words.length > 0) this.lines.push({ words, ...pos });
      }
      this.lines.push({ words: [rest[b]!], ...pos });
      rest = rest.slice(b + 1).trim();
    }
  }
}

/** Removes a comment: `#` or `!` outside double quotes; `\#` and `\!` stand for themselves. */
function decomment(s: string, pos: { file: string; line: number }): string {
  let quote = false;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      const n = s[i + 1]!;
      if (!quote && (n === '#' || n === '!')) {
        out += n;
        i++;
        continue;
      }
      out += c + n;
      i++;
      continue;
    }
    if (c === '"') quote = !quote;
    if (!quote && (c === '#' || c === '!')) return out;
    out += c;
  }
  if (quote) fail(pos, 'unterminated quote');
  return out;
}

/** Index of the first `{` or `}` outside double quotes, or -1. */
function firstBrace(s: string): number {
  let quote = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') quote = !quote;
    else if (!quote && (c === '{' || c === '}')) return i;
  }
  return -1;
}

/** Words separated by blanks; a quoted part ("..." or '...') belongs to its word without the quotes. */
function splitWords(s: string, pos: { file: string; line: number }): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote !== '') {
      if (c === '\\' && i + 1 < s.length) {
        cur += s[++i]!;
      } else if (c === quote) {
        quote = '';
      } else {
        cur += c;
      }
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\f' || c === '\v') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === '"' || c === "'") quote = c;
    else if (c === '\\' && i + 1 < s.length) cur += s[++i]!;
    else cur += c;
  }
  if (quote !== '') fail(pos, `missing terminating ${quote}`);
  if (inWord) words.push(cur);
  return words;
}

/**
 * The files a glob(3) pattern names, sorted as glob sorts them (byte order in the C locale):
 * `*`, `?`, `[...]` within a path component, `{a,b}` alternatives. A pattern without
 * wildcards names its one file if it exists.
 */
export function glob(pattern: string): string[] {
  const out = new Set<string>();
  for (const p of expandBraces(pattern)) {
    if (!/[*?[]/.test(p)) {
      try {
        statSync(p);
        out.add(p);
      } catch {
        // missing: no match
      }
      continue;
    }
    const parts = p.split('/');
    let bases = [parts[0] === '' ? '/' : parts[0]!];
    if (/[*?[]/.test(parts[0]!)) bases = matchIn('.', parts[0]!).map((n) => n);
    for (let i = 1; i < parts.length; i++) {
      const part = parts[i]!;
      if (part === '') continue;
      const next: string[] = [];
      for (const b of bases) {
        if (!/[*?[]/.test(part)) {
          const c = join(b, part);
          try {
            statSync(c);
            next.push(c);
          } catch {
            // no such entry
          }
        } else {
          for (const n of matchIn(b, part)) next.push(join(b, n));
        }
      }
      bases = next;
    }
    for (const b of bases) out.add(b);
  }
  return [...out].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function matchIn(dir: string, part: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const re = globRegExp(part);
  // As glob(3): a leading dot is matched only by a pattern that starts with one.
  return names.filter((n) => re.test(n) && (!n.startsWith('.') || part.startsWith('.')));
}

function globRegExp(part: string): RegExp {
  let re = '^';
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = part.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let set = part.slice(i + 1, close);
      if (set.startsWith('!')) set = '^' + set.slice(1);
      re += `[${set.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

/** `a{b,c}d` -> `abd`, `acd` (nested braces too). */
function expandBraces(p: string): string[] {
  const open = p.indexOf('{');
  if (open < 0) return [p];
  let depth = 0;
  const commas: number[] = [];
  let close = -1;
  for (let i = open; i < p.length; i++) {
    if (p[i] === '{') depth++;
    else if (p[i] === '}') {
      depth--;
      if (depth === 0) {
        close = i;
        break;
      }
    } else if (p[i] === ',' && depth === 1) commas.push(i);
  }
  if (close < 0 || commas.length === 0) return [p];
  const head = p.slice(0, open);
  const tail = p.slice(close + 1);
  const cuts = [open, ...commas, close];
  const out: string[] = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    for (const t of expandBraces(head + p.slice(cuts[k]! + 1, cuts[k + 1]) + tail)) out.push(t);
  }
  return out;
}

/** Every line of `path` and the files it includes, in keepalived's reading order. */
export function readKeepalivedLines(path: string): ConfLine[] {
  const r = new Reader();
  r.read(path, 0, undefined);
  return r.lines;
}
