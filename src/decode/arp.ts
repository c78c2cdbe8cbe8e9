import { Layer, type DecodedFrame } from './frame.js';
import { STOP, markMalformed, markTruncated, readMac, readU32 } from './status.js';

/**
 * ARP (RFC 826). The op is read for any hardware/protocol sizes; addresses only for
 * Ethernet (6-byte) / IPv4 (4-byte), the only kind a director or real server sends.
 */
export function decodeArp(d: Uint8Array, o: number, end: number, f: DecodedFrame): number {
  if (end - o < 8) return markTruncated(f, Layer.Arp, 'truncated_arp');
  f.hasArp = true;
  const hwType = (d[o]! << 8) | d[o + 1]!;
  const protoType = (d[o + 2]! << 8) | d[o + 3]!;
  const hln = d[o + 4]!;
  const pln = d[o + 5]!;
  f.arpOp = (d[o + 6]! << 8) | d[o + 7]!;
  // Plain number arithmetic: the sum must not wrap the way a uint8 would.
  const need = 8 + 2 * hln + 2 * pln;
  if (end - o < need) {
    // Past the captured bytes: a snaplen cut if the wire frame was long enough, else a lie.
    const wireEnd = f.offset + f.originalLength;
    if (wireEnd - o < need) return markMalformed(f, Layer.Arp, 'arp_length_exceeds_packet');
    return markTruncated(f, Layer.Arp, 'truncated_arp');
  }
  if (hwType !== 1 || protoType !== 0x0800 || hln !== 6 || pln !== 4) {
    // Ethernet (1) and IEEE 802 (6) hardware addresses are always 6 bytes, IPv4 ones 4:
    // any other size declared for them is a broken packet, not another kind of ARP.
    const oddHw = (hwType === 1 || hwType === 6) && hln !== 6;
    const oddProto = protoType === 0x0800 && pln !== 4;
    if (oddHw || oddProto || hln === 0 || pln === 0) return markMalformed(f, Layer.Arp, 'arp_bad_address_sizes');
    return STOP;
  }
  f.arpIsEthIpv4 = true;
  f.arpSenderMac = readMac(d, o + 8);
  f.arpSenderIp = readU32(d, o + 14);
  f.arpTargetMac = readMac(d, o + 18);
  f.arpTargetIp = readU32(d, o + 24);
  return STOP;
}
