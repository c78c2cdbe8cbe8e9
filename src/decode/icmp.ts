import { Layer, type DecodedFrame } from './frame.js';
import { STOP, markTruncated, readU32 } from './status.js';

/**
 * ICMP (RFC 792): type and code; for the error messages (destination unreachable 3, source
 * quench 4, redirect 5, time exceeded 11, parameter problem 12) the quoted original IPv4
 * header's addresses and protocol, and the ports of a quoted TCP/UDP header. The quote is
 * payload, so a short quote leaves the quoted fields absent without flagging the frame.
 */
export function decodeIcmp(d: Uint8Array, o: number, end: number, f: DecodedFrame): number {
  f.l4Offset = o;
  if (end - o < 8) return markTruncated(f, Layer.Icmp, 'truncated_icmp');
  const type = d[o]!;
  f.icmpType = type;
  f.icmpCode = d[o + 1]!;
  if (type !== 3 && type !== 4 && type !== 5 && type !== 11 && type !== 12) return STOP;
  const q = o + 8;
  if (end - q < 20 || d[q]! >>> 4 !== 4) return STOP;
  const qhl = (d[q]! & 15) << 2;
  if (qhl < 20) return STOP;
  f.icmpQuotedProto = d[q + 9]!;
  f.icmpQuotedSrc = readU32(d, q + 12);
  f.icmpQuotedDst = readU32(d, q + 16);
  const nonFirst = (((d[q + 6]! << 8) | d[q + 7]!) & 0x1fff) !== 0;
  const proto = f.icmpQuotedProto;
  if (!nonFirst && (proto === 6 || proto === 17) && end - (q + qhl) >= 4) {
    const p = q + qhl;
    f.icmpQuotedSrcPort = (d[p]! << 8) | d[p + 1]!;
    f.icmpQuotedDstPort = (d[p + 2]! << 8) | d[p + 3]!;
  }
  return STOP;
}
