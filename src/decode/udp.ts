import { Layer, type DecodedFrame } from './frame.js';
import { STOP, markMalformed, markTruncated } from './status.js';

/**
 * UDP header (RFC 768). The payload length comes from the IP lengths; a UDP length field
 * below 8 or beyond the IP payload is flagged malformed (tshark's "bad length") but the
 * ports stay. Returns the payload offset, or STOP.
 *
 * A header cut short keeps its ports (from 4 bytes) and length (from 6), as tshark shows them.
 * In the first fragment of a fragmented datagram (MF set) the length counts the whole datagram,
 * and even the header may continue in the next fragment: neither is a fault.
 */
export function decodeUdp(d: Uint8Array, o: number, end: number, l4Len: number, f: DecodedFrame): number {
  f.l4Offset = o;
  if (end - o < 8) {
    if (end - o >= 4) {
      f.srcPort = (d[o]! << 8) | d[o + 1]!;
      f.dstPort = (d[o + 2]! << 8) | d[o + 3]!;
      if (end - o >= 6) f.udpLength = (d[o + 4]! << 8) | d[o + 5]!;
    }
    if (f.ipMoreFragments && end - o === l4Len) return STOP;
    if (l4Len < 8) return markMalformed(f, Layer.Udp, 'udp_header_exceeds_packet');
    return markTruncated(f, Layer.Udp, 'truncated_udp');
  }
  f.srcPort = (d[o]! << 8) | d[o + 1]!;
  f.dstPort = (d[o + 2]! << 8) | d[o + 3]!;
  const len = (d[o + 4]! << 8) | d[o + 5]!;
  f.udpLength = len;
  f.l4PayloadOffset = o + 8;
  f.l4PayloadLength = l4Len - 8;
  // Length 0 is legal for jumbograms over IPv6 (RFC 2675).
  if ((len < 8 && !(len === 0 && f.ipVersion === 6)) || (len > l4Len && !f.ipMoreFragments)) {
    return markMalformed(f, Layer.Udp, 'bad_udp_length');
  }
  return o + 8;
}
