import { Layer, type DecodedFrame } from './frame.js';
import { STOP, markMalformed, markTruncated, readMac, readU32 } from './status.js';

const ETHERTYPE_IPV4 = 0x0800;
/** IP over AX.25 (amateur radio): tshark reads its 4-byte protocol addresses as IPv4 too. */
const AX25_P_IP = 0xcc;
const ARPHRD_ATM2225 = 19;

/**
 * ARP (RFC 826), and RARP (RFC 903: the same message under EtherType 0x8035, ops 3 and 4).
 * The op is read for any hardware/protocol sizes; addresses only for Ethernet (6-byte) / IPv4
 * (4-byte), the only kind a director or real server sends.
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
  // Addresses are read where they have the size of a MAC / an IPv4 address, as tshark reads
  // them; other sizes are no fault (the frame holds what it declares: tcpdump and tshark decode
  // it), only not a binding any LVS host acts on. Linux's ARP on Ethernet takes hardware type
  // Ethernet (1) or IEEE 802 (6) with protocol IPv4: those are the claims.
  // ATM ARP (RFC 2225, hardware type 19) lays its addresses out differently: op only.
  if (hwType === ARPHRD_ATM2225) return STOP;
  const macs = (hwType === 1 || hwType === 6) && hln === 6;
  const ipv4 = (protoType === ETHERTYPE_IPV4 || protoType === AX25_P_IP) && pln === 4;
  if (macs) {
    f.arpSenderMac = readMac(d, o + 8);
    f.arpTargetMac = readMac(d, o + 8 + hln + pln);
  }
  if (ipv4) {
    f.arpSenderIp = readU32(d, o + 8 + hln);
    f.arpTargetIp = readU32(d, o + 8 + 2 * hln + pln);
  }
  f.arpIsEthIpv4 = macs && ipv4 && protoType === ETHERTYPE_IPV4;
  return STOP;
}
