import { Layer, type DecodedFrame } from './frame.js';
import { STOP, markMalformed, markTruncated } from './status.js';

/** IP protocol number of VRRP (both versions, IPv4 and IPv6). */
export const IP_PROTO_VRRP = 112;
export const VRRP_TYPE_ADVERTISEMENT = 1;
const HEADER = 8;

/**
 * VRRP advertisement: version 2 (RFC 3768: auth type, interval in seconds, 8 bytes of auth
 * data after the addresses) and version 3 (RFC 5798: a 12-bit interval in centiseconds, IPv4
 * or IPv6). Another version is read with the version 2 layout, as tshark reads it. The
 * addresses are left in the packet (vrrpAddrOffset, one per 4 or 16 bytes by the IP version):
 * a director's advert carries a handful, and copying them out would allocate per frame.
 *
 * The checksum is verified when the whole message was captured (version 3 with the IP
 * pseudo-header), as tshark does; `l4Len` is the message length the IP header gives.
 */
export function decodeVrrp(d: Uint8Array, o: number, end: number, l4Len: number, f: DecodedFrame): number {
  f.l4Offset = o;
  if (end - o < HEADER) {
    if (l4Len < HEADER) return markMalformed(f, Layer.Vrrp, 'vrrp_header_exceeds_packet');
    return markTruncated(f, Layer.Vrrp, 'truncated_vrrp');
  }
  const version = d[o]! >>> 4;
  f.vrrpVersion = version;
  f.vrrpType = d[o]! & 15;
  f.vrrpVrid = d[o + 1]!;
  f.vrrpPriority = d[o + 2]!;
  const count = d[o + 3]!;
  f.vrrpAddrCount = count;
  if (version === 3) {
    f.vrrpIntervalCentis = ((d[o + 4]! & 15) << 8) | d[o + 5]!;
  } else {
    f.vrrpAuthType = d[o + 4]!;
    f.vrrpIntervalCentis = d[o + 5]! * 100;
  }
  const size = f.ipVersion === 6 ? 16 : 4;
  f.vrrpAddrOffset = o + HEADER;
  const room = Math.floor((end - o - HEADER) / size);
  f.vrrpAddrsCaptured = room < count ? room : count;
  // Only a whole message can be checked: not a fragment, not one the snaplen cut.
  if (!f.ipMoreFragments && l4Len >= 0 && end - o >= l4Len) f.vrrpChecksum = checksum(d, o, l4Len, version === 3, f) === 0xffff ? 1 : 0;
  else f.vrrpChecksum = 2;
  if (version !== 2 && version !== 3 && f.weird === '') f.weird = 'vrrp_unknown_version';
  if (room < count) {
    // Past the captured bytes: a snaplen cut if the message was long enough, else a lie.
    if (l4Len >= 0 && l4Len - HEADER < count * size) return markMalformed(f, Layer.Vrrp, 'vrrp_addresses_exceed_packet');
    return markTruncated(f, Layer.Vrrp, 'truncated_vrrp');
  }
  return STOP;
}

/** Ones' complement sum of the message (plus the pseudo-header for version 3), folded. */
function checksum(d: Uint8Array, o: number, len: number, pseudo: boolean, f: DecodedFrame): number {
  let sum = 0;
  const last = o + (len & ~1);
  for (let i = o; i < last; i += 2) sum += (d[i]! << 8) | d[i + 1]!;
  if (len & 1) sum += d[o + len - 1]! << 8;
  if (pseudo) {
    sum += len + IP_PROTO_VRRP;
    if (f.ipVersion === 4) {
      sum += (f.ipSrc >>> 16) + (f.ipSrc & 0xffff) + (f.ipDst >>> 16) + (f.ipDst & 0xffff);
    } else {
      const s = f.ip6Src;
      const t = f.ip6Dst;
      for (let i = 0; i < 16; i += 2) sum += ((s[i]! << 8) | s[i + 1]!) + ((t[i]! << 8) | t[i + 1]!);
    }
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}
