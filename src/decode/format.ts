/**
 * Text forms of the numbers a DecodedFrame holds, and the reverse parsers used for
 * configuration (topology files, CLI options). Off the per-frame path: these allocate strings.
 */

import { TcpFlag } from './frame.js';

const HEX = '0123456789abcdef';

function hex2(b: number): string {
  return HEX[(b >>> 4) & 15]! + HEX[b & 15]!;
}

/** 48-bit MAC number to "00:0c:29:50:d5:63" (lower case, as tshark prints it). */
export function formatMac(n: number): string {
  // A MAC exceeds 32 bits, so split it with division instead of shifts.
  const hi = Math.floor(n / 0x100000000);
  const lo = n >>> 0;
  return (
    hex2((hi >>> 8) & 255) +
    ':' +
    hex2(hi & 255) +
    ':' +
    hex2(lo >>> 24) +
    ':' +
    hex2((lo >>> 16) & 255) +
    ':' +
    hex2((lo >>> 8) & 255) +
    ':' +
    hex2(lo & 255)
  );
}

/** Unsigned 32-bit IPv4 number to dotted quad. */
export function formatIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/**
 * RFC 5952 text, identical to tshark's (which uses the C library's inet_ntop): lower case, no
 * leading zeros, the first longest run of two or more zero groups becomes "::", and the
 * IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) forms keep a dotted tail.
 */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    const w = (bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!;
    if (w === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else {
        curLen++;
      }
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
    } else {
      curBase = -1;
      curLen = 0;
    }
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i > 0) out += ':';
    const w5 = (bytes[offset + 10]! << 8) | bytes[offset + 11]!;
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w5 === 0xffff))) {
      out += `${bytes[offset + 12]!}.${bytes[offset + 13]!}.${bytes[offset + 14]!}.${bytes[offset + 15]!}`;
      return out;
    }
    const w = (bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!;
    out += w.toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** "00:0C:29:50:D5:63" or "00-0c-29-50-d5-63" (one separator style throughout) to a 48-bit number. */
export function parseMac(s: string): number | undefined {
  const m = /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i.exec(s);
  if (m === null) return undefined;
  let n = 0;
  for (const i of [1, 3, 4, 5, 6, 7]) n = n * 256 + parseInt(m[i]!, 16);
  return n;
}

/** Strict dotted quad: exactly four decimal octets 0-255, no leading zeros beyond "0" itself. */
export function parseIpv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    // Leading zeros are refused because inet_aton would read them as octal.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** Any RFC 4291 text form (with "::" and an optional dotted IPv4 tail) to 16 bytes. */
export function parseIpv6(s: string): Uint8Array | undefined {
  if (s.length < 2 || s.length > 45) return undefined;
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    // Rewrite the dotted tail as two hex groups so one parser handles both forms.
    const v4 = parseIpv4(last);
    if (v4 === undefined) return undefined;
    text = text.slice(0, lastColon + 1) + ((v4 >>> 16) & 0xffff).toString(16) + ':' + (v4 & 0xffff).toString(16);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]!);
  const rest = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (head === undefined || rest === undefined) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    if (head.length !== 8) return undefined;
    groups = head;
  }
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    bytes[2 * i] = groups[i]! >>> 8;
    bytes[2 * i + 1] = groups[i]! & 255;
  }
  return bytes;
}

function parseGroups(h: string): number[] | undefined {
  if (h === '') return [];
  const out: number[] = [];
  for (const g of h.split(':')) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    out.push(parseInt(g, 16));
  }
  return out;
}

const FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [TcpFlag.NS, 'NS'],
  [TcpFlag.CWR, 'CWR'],
  [TcpFlag.ECE, 'ECE'],
  [TcpFlag.URG, 'URG'],
  [TcpFlag.ACK, 'ACK'],
  [TcpFlag.PSH, 'PSH'],
  [TcpFlag.RST, 'RST'],
  [TcpFlag.SYN, 'SYN'],
  [TcpFlag.FIN, 'FIN'],
];

/**
 * TCP flags as "SYN,ACK", in a fixed order (SYN, then ACK, then the rest as in the header)
 * so the common handshake flags read the way people say them. "" when no flag is set.
 */
export function formatTcpFlags(flags: number): string {
  const names: string[] = [];
  if (flags & TcpFlag.SYN) names.push('SYN');
  if (flags & TcpFlag.FIN) names.push('FIN');
  if (flags & TcpFlag.RST) names.push('RST');
  if (flags & TcpFlag.PSH) names.push('PSH');
  if (flags & TcpFlag.ACK) names.push('ACK');
  for (const [bit, name] of FLAG_NAMES) {
    if (bit & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST | TcpFlag.PSH | TcpFlag.ACK)) continue;
    if (flags & bit) names.push(name);
  }
  return names.join(',');
}

function pad9(n: number): string {
  return String(n).padStart(9, '0');
}

/** The largest time JavaScript's Date can show: ±8.64e15 ms around 1970 (years -271821 to 275760). */
const MAX_DATE_SECONDS = 8.64e12;

/**
 * ISO-8601 UTC with nanoseconds: "2023-11-14T22:13:20.123456789Z". A capture's clock can say
 * anything (a pcapng timestamp or if_tsoffset near 2^63); outside Date's range the time is
 * given as epoch seconds after an `@`, as `date -d @SECONDS` reads it.
 */
export function formatTimestamp(sec: number, nanos: number): string {
  if (!(Math.abs(sec) < MAX_DATE_SECONDS)) return `@${formatEpoch(sec, nanos)}`;
  // Date carries milliseconds only; the full nanoseconds are appended by hand.
  const iso = new Date(sec * 1000).toISOString();
  return iso.slice(0, iso.length - 5) + '.' + pad9(nanos) + 'Z';
}

/** A number's decimal digits; above 2^53 those of the double itself ("4611686018427387904", not "4611686018427388000"). */
function digits(n: number): string {
  return Number.isInteger(n) && !Number.isSafeInteger(n) && Number.isFinite(n) ? BigInt(n).toString() : String(n);
}

/** ISO-8601 UTC of a time in seconds, to the millisecond ("@SECONDS" outside Date's range, see formatTimestamp). */
export function formatIsoTime(seconds: number): string {
  if (!(Math.abs(seconds) < MAX_DATE_SECONDS)) return `@${digits(seconds)}`;
  return new Date(seconds * 1000).toISOString();
}

/**
 * Seconds since the epoch with all nine fractional digits: "1700000000.123456789". A time
 * before 1970 (a negative if_tsoffset) has negative seconds and nanoseconds counted forward:
 * -5 s + 0.5 s is "-4.500000000".
 */
export function formatEpoch(sec: number, nanos: number): string {
  if (sec < 0 && nanos > 0) return `-${digits(-sec - 1)}.${pad9(1_000_000_000 - nanos)}`;
  return `${digits(sec)}.${pad9(nanos)}`;
}

/**
 * Characters that change the layout of what shows them (see src/report/printable.ts): C0 and C1
 * controls, DEL, line/paragraph separators, bidirectional controls, and lone surrogates (a byte
 * of a file name that is not UTF-8 arrives as U+DC80 + byte: src/capture/fs-path.ts).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]/u;
const UNSAFE_ALL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]/gu;

function escapeOne(c: string): string {
  const code = c.charCodeAt(0);
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code >= 0xdc80 && code <= 0xdcff) return `\\x${(code - 0xdc00).toString(16)}`;
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `s` with every character that could change the layout of what shows it written as an escape. */
export function visible(s: string): string {
  return UNSAFE.test(s) ? s.replace(UNSAFE_ALL, escapeOne) : s;
}

