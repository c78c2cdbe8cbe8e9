import { Layer, type DecodedFrame } from './frame.js';
import { STOP, markTruncated, readMac } from './status.js';

/** EtherTypes of the VLAN tags we unwrap: 802.1Q, 802.1ad, and the pre-standard QinQ 0x9100. */
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_QINQ_OLD = 0x9100;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
/** Reverse ARP (RFC 903): ARP's message format. */
export const ETHERTYPE_RARP = 0x8035;
/** Cisco FabricPath: a 16-byte switch header (20 with an 802.1Q tag) before the host's Ethernet frame. */
export const ETHERTYPE_FABRICPATH = 0x8903;
export const ETHERTYPE_IPV6 = 0x86dd;
/** Type/length values up to this are 802.3 lengths (tshark: IEEE_802_3_MAX_LEN), not EtherTypes. */
export const IEEE_802_3_MAX_LEN = 1500;

/**
 * Ethernet II header plus any stack of VLAN tags. Sets ethDst/ethSrc, the VLAN ids and
 * `etherType` (the one after the tags). An 802.3 frame (length field) leaves etherType -1,
 * as tshark shows eth.len instead of eth.type; it carries LLC, never IP for our purposes.
 * Returns the offset of the payload, or STOP.
 */
export function decodeEthernet(d: Uint8Array, o: number, end: number, f: DecodedFrame): number {
  if (end - o < 14) return markTruncated(f, Layer.Link, 'truncated_ethernet');
  f.ethDst = readMac(d, o);
  f.ethSrc = readMac(d, o + 6);
  let type = (d[o + 12]! << 8) | d[o + 13]!;
  o += 14;
  if (type <= IEEE_802_3_MAX_LEN) return STOP;
  f.etherType = type;
  while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
    if (end - o < 4) return markTruncated(f, Layer.Vlan, 'truncated_vlan');
    const id = ((d[o]! << 8) | d[o + 1]!) & 0x0fff;
    if (f.vlanCount === 0) f.vlanOuter = id;
    else if (f.vlanCount === 1) f.vlanInner = id;
    f.vlanCount++;
    type = (d[o + 2]! << 8) | d[o + 3]!;
    o += 4;
    if (type <= IEEE_802_3_MAX_LEN) {
      f.etherType = -1;
      return STOP;
    }
    f.etherType = type;
  }
  return o;
}
