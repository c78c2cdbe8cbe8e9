import { Layer, type DecodedFrame } from './frame.js';
import { STOP, markMalformed, markTruncated, readU32 } from './status.js';

export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;

/**
 * IPv6 header (RFC 8200) and its extension header chain: hop-by-hop, routing, destination
 * options, fragment (fills ipId / ipFragmentOffset / ipMoreFragments) and AH are walked;
 * ESP, "no next header" and anything else end the chain and become ipProto. A non-first
 * fragment ends it too (its payload is not a transport header): ipFragmentOffset > 0 says so.
 * Returns the offset after the chain, or STOP.
 */
export function decodeIpv6(d: Uint8Array, o: number, end: number, f: DecodedFrame): number {
  f.ipVersion = 6;
  f.ipOffset = o;
  if (end - o < 40) return markTruncated(f, Layer.IPv6, 'truncated_ipv6');
  if (d[o]! >>> 4 !== 6) return markMalformed(f, Layer.IPv6, 'bad_ip_version');
  f.ipTos = ((d[o]! & 15) << 4) | (d[o + 1]! >>> 4);
  let plen = (d[o + 4]! << 8) | d[o + 5]!;
  f.ipTotalLength = 40 + plen;
  let nh = d[o + 6]!;
  f.ipTtl = d[o + 7]!;
  const s = f.ip6Src;
  const t = f.ip6Dst;
  for (let i = 0; i < 16; i++) {
    s[i] = d[o + 8 + i]!;
    t[i] = d[o + 24 + i]!;
  }
  const wire = f.offset + f.originalLength;
  const wireEnd = wire > end ? wire : end;
  const wireLen = wireEnd - o - 40;
  if (plen === 0) {
    // Jumbogram or segmentation offload: the wire length is the best we know.
    plen = wireLen;
  } else if (plen > wireLen) {
    markMalformed(f, Layer.IPv6, 'ipv6_payload_length_exceeds_packet');
    plen = wireLen;
  }
  const declEnd = o + 40 + plen;
  const capEnd = declEnd < end ? declEnd : end;
  let p = o + 40;
  for (;;) {
    if (nh === IPPROTO_HOPOPTS || nh === IPPROTO_ROUTING || nh === IPPROTO_DSTOPTS || nh === IPPROTO_AH) {
      if (capEnd - p < 8) return cut(f, p, declEnd);
      const len = nh === IPPROTO_AH ? (d[p + 1]! + 2) << 2 : (d[p + 1]! + 1) << 3;
      if (p + len > declEnd) return markMalformed(f, Layer.IPv6, 'ipv6_extension_header_exceeds_packet');
      if (p + len > capEnd) return markTruncated(f, Layer.IPv6, 'truncated_ipv6');
      nh = d[p]!;
      p += len;
    } else if (nh === IPPROTO_FRAGMENT) {
      if (capEnd - p < 8) return cut(f, p, declEnd);
      const off = (d[p + 2]! << 8) | d[p + 3]!;
      f.ipFragmentOffset = off & 0xfff8;
      f.ipMoreFragments = (off & 1) !== 0;
      f.ipId = readU32(d, p + 4);
      nh = d[p]!;
      p += 8;
      if (f.ipFragmentOffset !== 0) break;
    } else {
      break;
    }
  }
  f.ipProto = nh;
  f.ipHeaderLength = p - o;
  f.ipPayloadOffset = p;
  f.ipPayloadLength = capEnd > p ? capEnd - p : 0;
  f.ipPayloadWireLength = declEnd > p ? declEnd - p : 0;
  return p;
}

function cut(f: DecodedFrame, p: number, declEnd: number): number {
  if (declEnd - p < 8) return markMalformed(f, Layer.IPv6, 'ipv6_extension_header_exceeds_packet');
  markTruncated(f, Layer.IPv6, 'truncated_ipv6');
  return STOP;
}
