import { Layer, type DecodedFrame } from './frame.js';
import { STOP, markMalformed, markTruncated, readU32 } from './status.js';

/**
 * TCP header (RFC 9293). `l4Len` is the segment length from the IP header (wire-bounded),
 * so l4PayloadLength is right even when the snaplen cut the payload. A data offset < 5
 * stops after the ports, seq and ack, as tshark stops before the flags. Checksums are not
 * verified: a capture on the sending host sees them before the NIC fills them in.
 *
 * A header cut short keeps what it holds, as tshark shows it: the ports from 4 bytes on, the
 * sequence and acknowledgement numbers, flags and window from 16. In the first fragment of a
 * fragmented packet (MF set) the rest of the header is in the next fragment: that is not a
 * fault, and the ports still name the flow.
 */
export function decodeTcp(d: Uint8Array, o: number, end: number, l4Len: number, f: DecodedFrame): number {
  f.l4Offset = o;
  if (end - o < 20) {
    partialHeader(d, o, end, f);
    if (f.ipMoreFragments && end - o === l4Len) return STOP;
    if (l4Len < 20) return markMalformed(f, Layer.Tcp, 'tcp_header_exceeds_packet');
    return markTruncated(f, Layer.Tcp, 'truncated_tcp');
  }
  f.srcPort = (d[o]! << 8) | d[o + 1]!;
  f.dstPort = (d[o + 2]! << 8) | d[o + 3]!;
  f.tcpSeq = readU32(d, o + 4);
  f.tcpAck = readU32(d, o + 8);
  const off = d[o + 12]!;
  const hl = (off >>> 4) << 2;
  if (hl < 20) return markMalformed(f, Layer.Tcp, 'bad_tcp_header_length');
  f.tcpHeaderLength = hl;
  f.tcpFlags = d[o + 13]! | ((off & 1) << 8);
  f.tcpWindow = (d[o + 14]! << 8) | d[o + 15]!;
  if (hl > l4Len) return markMalformed(f, Layer.Tcp, 'tcp_header_exceeds_packet');
  if (end - o < hl) return markTruncated(f, Layer.Tcp, 'truncated_tcp');
  f.l4PayloadOffset = o + hl;
  f.l4PayloadLength = l4Len - hl;
  return o + hl;
}

/** The fields of a header shorter than 20 bytes that are all there (see decodeTcp). */
function partialHeader(d: Uint8Array, o: number, end: number, f: DecodedFrame): void {
  if (end - o < 4) return;
  f.srcPort = (d[o]! << 8) | d[o + 1]!;
  f.dstPort = (d[o + 2]! << 8) | d[o + 3]!;
  if (end - o < 16) return;
  f.tcpSeq = readU32(d, o + 4);
  f.tcpAck = readU32(d, o + 8);
  const off = d[o + 12]!;
  const hl = (off >>> 4) << 2;
  if (hl < 20) return;
  f.tcpHeaderLength = hl;
  f.tcpFlags = d[o + 13]! | ((off & 1) << 8);
  f.tcpWindow = (d[o + 14]! << 8) | d[o + 15]!;
}
