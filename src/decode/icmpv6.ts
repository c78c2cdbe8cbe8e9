import { Layer, type DecodedFrame } from './frame.js';
import { STOP, markMalformed, markTruncated, readMac } from './status.js';

export const ND_NEIGHBOR_SOLICITATION = 135;
export const ND_NEIGHBOR_ADVERTISEMENT = 136;
const OPT_SOURCE_LLADDR = 1;
const OPT_TARGET_LLADDR = 2;

/**
 * ICMPv6 (RFC 4443): type and code. Neighbor Solicitation / Advertisement (RFC 4861) also
 * give the target address, the NA flags and the source (NS) or target (NA) link-layer
 * address option when it holds a 6-byte MAC: what an IPv6 real server answers for a VIP.
 */
export function decodeIcmpv6(d: Uint8Array, o: number, end: number, f: DecodedFrame): number {
  f.l4Offset = o;
  if (end - o < 4) return markTruncated(f, Layer.Icmpv6, 'truncated_icmpv6');
  const type = d[o]!;
  f.icmpType = type;
  f.icmpCode = d[o + 1]!;
  if (type !== ND_NEIGHBOR_SOLICITATION && type !== ND_NEIGHBOR_ADVERTISEMENT) return STOP;
  if (end - o < 24) return markTruncated(f, Layer.Icmpv6, 'truncated_icmpv6');
  f.ndType = type;
  const t = f.ndTarget;
  for (let i = 0; i < 16; i++) t[i] = d[o + 8 + i]!;
  const wanted = type === ND_NEIGHBOR_SOLICITATION ? OPT_SOURCE_LLADDR : OPT_TARGET_LLADDR;
  if (type === ND_NEIGHBOR_ADVERTISEMENT) f.ndFlags = d[o + 4]! & 0xe0;
  let p = o + 24;
  while (end - p >= 2) {
    const optLen = d[p + 1]! << 3;
    if (optLen === 0) return markMalformed(f, Layer.Icmpv6, 'nd_option_zero_length');
    if (end - p < optLen) return STOP;
    if (d[p]! === wanted && optLen === 8 && f.ndLinkAddr < 0) f.ndLinkAddr = readMac(d, p + 2);
    p += optLen;
  }
  return STOP;
}
