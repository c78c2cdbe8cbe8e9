import { Layer, type DecodedFrame } from './frame.js';
import { markMalformed, markTruncated, readU32 } from './status.js';

/**
 * IPv4 header (RFC 791). Fills the header fields, verifies the header checksum and sets the
 * payload bounds: ipPayloadLength is what was captured, ipPayloadWireLength what the header
 * says (bounded by the wire length, as tshark bounds it). Returns the payload offset, or STOP.
 *
 * Malformed headers (version, IHL < 5, total length < IHL) stop before the addresses, as
 * tshark's dissector does. A total length beyond the wire frame is flagged malformed but
 * decoding goes on with the wire length, again as tshark does. A total length of 0 is taken
 * as TCP segmentation offload on the capturing host (tshark's ip.tso default), not an error.
 */
export function decodeIpv4(d: Uint8Array, o: number, end: number, f: DecodedFrame): number {
  f.ipVersion = 4;
  f.ipOffset = o;
  if (end - o < 20) return markTruncated(f, Layer.IPv4, 'truncated_ipv4');
  const vihl = d[o]!;
  if (vihl >>> 4 !== 4) return markMalformed(f, Layer.IPv4, 'bad_ip_version');
  const hl = (vihl & 15) << 2;
  if (hl < 20) return markMalformed(f, Layer.IPv4, 'bad_ip_header_length');
  f.ipHeaderLength = hl;
  let total = (d[o + 2]! << 8) | d[o + 3]!;
  f.ipTotalLength = total;
  // The reader guarantees caplen <= len; max() keeps us safe if a caller does not.
  const wire = f.offset + f.originalLength;
  const wireEnd = wire > end ? wire : end;
  const wireLen = wireEnd - o;
  if (total === 0) {
    total = wireLen;
  } else if (total > wireLen) {
    markMalformed(f, Layer.IPv4, 'ip_total_length_exceeds_packet');
    total = wireLen;
  }
  // Also catches options that run past the wire frame once the length was taken from it.
  if (total < hl) return markMalformed(f, Layer.IPv4, 'ip_total_length_too_small');
  f.ipTos = d[o + 1]!;
  f.ipId = (d[o + 4]! << 8) | d[o + 5]!;
  const frag = (d[o + 6]! << 8) | d[o + 7]!;
  f.ipDontFragment = (frag & 0x4000) !== 0;
  f.ipMoreFragments = (frag & 0x2000) !== 0;
  f.ipFragmentOffset = (frag & 0x1fff) << 3;
  f.ipTtl = d[o + 8]!;
  f.ipProto = d[o + 9]!;
  f.ipSrc = readU32(d, o + 12);
  f.ipDst = readU32(d, o + 16);
  if (end - o < hl) return markTruncated(f, Layer.IPv4, 'truncated_ipv4');
  // Options-free headers are the norm: sum their ten words without a loop.
  let sum =
    ((d[o]! << 8) | d[o + 1]!) +
    ((d[o + 2]! << 8) | d[o + 3]!) +
    ((d[o + 4]! << 8) | d[o + 5]!) +
    ((d[o + 6]! << 8) | d[o + 7]!) +
    ((d[o + 8]! << 8) | d[o + 9]!) +
    ((d[o + 10]! << 8) | d[o + 11]!) +
    ((d[o + 12]! << 8) | d[o + 13]!) +
    ((d[o + 14]! << 8) | d[o + 15]!) +
    ((d[o + 16]! << 8) | d[o + 17]!) +
    ((d[o + 18]! << 8) | d[o + 19]!);
  for (let i = o + 20; i < o + hl; i += 2) sum += (d[i]! << 8) | d[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  f.ipChecksumOk = sum === 0xffff;
  const payload = o + hl;
  const capEnd = o + total < end ? o + total : end;
  f.ipPayloadOffset = payload;
  f.ipPayloadLength = capEnd > payload ? capEnd - payload : 0;
  f.ipPayloadWireLength = total - hl;
  return payload;
}
