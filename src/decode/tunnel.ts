import { Encapsulation, Layer, type DecodedFrame } from './frame.js';
import { STOP, markTruncated, readU32 } from './status.js';

/** UDP port of GUE (RFC draft-ietf-intarea-gue), as used by IPVS's `--tun-type gue`. */
export const GUE_PORT = 6080;

/**
 * IP-in-IP (proto 4: IPv4 inside, proto 41: IPv6 inside), as an IPVS tunnel-mode director
 * sends it. Fills the inner header fields.
 */
export function decodeIpInIp(d: Uint8Array, o: number, end: number, innerVersion: number, f: DecodedFrame): number {
  f.encapsulation = Encapsulation.IpInIp;
  return decodeInner(d, o, end, innerVersion, f);
}

/**
 * GRE (RFC 2784 / 2890, version 0): flags word, protocol, then checksum+reserved (C), key (K)
 * and sequence number (S) when flagged. Only IPv4/IPv6 payloads are followed; RFC 1701 source
 * routing (R) and PPTP's enhanced GRE (version 1) are not IP tunnels of a director.
 */
export function decodeGre(d: Uint8Array, o: number, end: number, f: DecodedFrame): number {
  if (end - o < 4) return markTruncated(f, Layer.Gre, 'truncated_gre');
  const flags = (d[o]! << 8) | d[o + 1]!;
  if ((flags & 7) !== 0 || (flags & 0x4000) !== 0) return STOP;
  const proto = (d[o + 2]! << 8) | d[o + 3]!;
  let len = 4;
  if (flags & 0x8000) len += 4;
  if (flags & 0x2000) len += 4;
  if (flags & 0x1000) len += 4;
  f.encapsulation = Encapsulation.Gre;
  if (end - o < len) return markTruncated(f, Layer.Gre, 'truncated_gre');
  if (proto === 0x0800) return decodeInner(d, o + len, end, 4, f);
  if (proto === 0x86dd) return decodeInner(d, o + len, end, 6, f);
  return STOP;
}

/**
 * GUE on UDP: version 1 carries the IP packet directly (its first nibble says 4 or 6);
 * version 0 has a 4-byte header plus hlen words, and the inner IP protocol (4 or 41) in its
 * second byte. Control messages (C bit) carry no packet.
 */
export function decodeGue(d: Uint8Array, o: number, end: number, f: DecodedFrame): number {
  if (end - o < 4) return STOP;
  const b0 = d[o]!;
  const ver = b0 >>> 6;
  if (ver === 1) {
    const ipv = b0 >>> 4;
    if (ipv !== 4 && ipv !== 6) return STOP;
    f.encapsulation = Encapsulation.Gue;
    return decodeInner(d, o, end, ipv, f);
  }
  if (ver !== 0 || (b0 & 0x20) !== 0) return STOP;
  const proto = d[o + 1]!;
  if (proto !== 4 && proto !== 41) return STOP;
  f.encapsulation = Encapsulation.Gue;
  const len = 4 + ((b0 & 0x1f) << 2);
  if (end - o < len) return markTruncated(f, Layer.Inner, 'truncated_gue');
  return decodeInner(d, o + len, end, proto === 4 ? 4 : 6, f);
}

function decodeInner(d: Uint8Array, o: number, end: number, version: number, f: DecodedFrame): number {
  f.innerIpVersion = version;
  f.innerIpOffset = o;
  let p: number;
  if (version === 4) {
    if (end - o < 20) return markTruncated(f, Layer.Inner, 'truncated_inner_ip');
    f.innerIpProto = d[o + 9]!;
    f.innerIpSrc = readU32(d, o + 12);
    f.innerIpDst = readU32(d, o + 16);
    if (((((d[o + 6]! << 8) | d[o + 7]!) & 0x1fff)) !== 0) return STOP;
    const hl = (d[o]! & 15) << 2;
    if (hl < 20) return STOP;
    p = o + hl;
  } else {
    if (end - o < 40) return markTruncated(f, Layer.Inner, 'truncated_inner_ip');
    f.innerIpProto = d[o + 6]!;
    p = o + 40;
  }
  const proto = f.innerIpProto;
  if ((proto === 6 || proto === 17) && end - p >= 4) {
    f.innerSrcPort = (d[p]! << 8) | d[p + 1]!;
    f.innerDstPort = (d[p + 2]! << 8) | d[p + 3]!;
  }
  return STOP;
}
