import { Layer, type DecodedFrame } from './frame.js';
import { STOP, markTruncated, readMac, readU32 } from './status.js';

/** ARPHRD_NETLINK: the protocol field is a netlink family, not an EtherType. */
const ARPHRD_NETLINK = 824;

/**
 * Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113): packet type, ARPHRD type, address length,
 * 8 address bytes, protocol. Only the sender's address is carried; it is a MAC when 6 bytes.
 */
export function decodeSll(d: Uint8Array, o: number, end: number, f: DecodedFrame): number {
  if (end - o < 16) return markTruncated(f, Layer.Link, 'truncated_sll');
  f.sllPacketType = (d[o]! << 8) | d[o + 1]!;
  const hatype = (d[o + 2]! << 8) | d[o + 3]!;
  const halen = (d[o + 4]! << 8) | d[o + 5]!;
  if (halen === 6) f.ethSrc = readMac(d, o + 6);
  if (hatype === ARPHRD_NETLINK) return STOP;
  f.etherType = (d[o + 14]! << 8) | d[o + 15]!;
  return o + 16;
}

/**
 * Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276): protocol, reserved, interface index,
 * ARPHRD type, packet type, address length, 8 address bytes.
 */
export function decodeSll2(d: Uint8Array, o: number, end: number, f: DecodedFrame): number {
  if (end - o < 20) return markTruncated(f, Layer.Link, 'truncated_sll');
  const protocol = (d[o]! << 8) | d[o + 1]!;
  f.sllIfIndex = readU32(d, o + 4);
  const hatype = (d[o + 8]! << 8) | d[o + 9]!;
  f.sllPacketType = d[o + 10]!;
  if (d[o + 11] === 6) f.ethSrc = readMac(d, o + 12);
  if (hatype === ARPHRD_NETLINK) return STOP;
  f.etherType = protocol;
  return o + 20;
}
