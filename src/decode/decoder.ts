import type { CaptureRecord } from '../capture/record.js';
import { Layer, type DecodedFrame } from './frame.js';
import { decodeArp } from './arp.js';
import { ETHERTYPE_ARP, ETHERTYPE_FABRICPATH, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_RARP, decodeEthernet } from './ethernet.js';
import { decodeIcmp } from './icmp.js';
import { decodeIcmpv6 } from './icmpv6.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeSll, decodeSll2 } from './sll.js';
import { STOP, markMalformed, markTruncated } from './status.js';
import { decodeTcp } from './tcp.js';
import { GUE_PORT, decodeGre, decodeGue, decodeIpInIp } from './tunnel.js';
import { decodeUdp } from './udp.js';
import { IP_PROTO_VRRP, decodeVrrp } from './vrrp.js';

/** LINKTYPE_* values we decode (https://www.tcpdump.org/linktypes.html). */
export const LinkType = {
  Null: 0,
  Ethernet: 1,
  /** DLT_RAW as written by platforms where it is 12 (most) or 14 (OpenBSD); libpcap reads both as raw IP. */
  RawDlt12: 12,
  RawDlt14: 14,
  Raw: 101,
  Loop: 108,
  LinuxSll: 113,
  Ipv4: 228,
  Ipv6: 229,
  LinuxSll2: 276,
} as const;

/** Link-layer-free "next layer" values the link decoders hand to the network dispatch. */
const NET_BY_VERSION = -2;
const NET_IPV4 = -4;
const NET_IPV6 = -6;

/**
 * Decodes one captured record into `out`: resets it, copies the record fields, then follows
 * the layers. Never throws and allocates nothing: every header is read with explicit bounds
 * checks, and problems end up in out.truncated / out.malformed / out.weird.
 */
export function decodeFrame(rec: CaptureRecord, out: DecodedFrame): void {
  out.reset();
  out.frameNumber = rec.frameNumber;
  out.tsSeconds = rec.tsSeconds;
  out.tsNanos = rec.tsNanos;
  out.interfaceId = rec.interfaceId;
  out.linkType = rec.linkType;
  out.capturedLength = rec.capturedLength;
  out.originalLength = rec.originalLength;
  const d = rec.data;
  out.data = d;
  const start = rec.offset;
  out.offset = start;
  let end = start + rec.capturedLength;
  let wireEnd: number;
  let o: number;
  let net: number;
  switch (rec.linkType) {
    case LinkType.Ethernet:
      o = decodeEthernet(d, start, end, out);
      wireEnd = start + rec.originalLength;
      // Cisco FabricPath, as tshark reads it: the switch header (its EtherType at byte 12, or at
      // 16 after one 802.1Q/802.1ad tag), 2 bytes of FTAG/TTL, the host's Ethernet frame, and a
      // 4-byte FCS that covers the whole. The host frame is the one DR is about.
      while (o >= 0 && out.etherType === ETHERTYPE_FABRICPATH && out.vlanCount <= 1) {
        if (end - o < 2) {
          o = markTruncated(out, Layer.Link, 'truncated_fabricpath');
          break;
        }
        const inner = o + 2;
        wireEnd -= 4;
        if (wireEnd - inner < 14) {
          o = markMalformed(out, Layer.Link, 'fabricpath_frame_too_short');
          break;
        }
        if (wireEnd < end) end = wireEnd;
        out.vlanCount = 0;
        out.vlanOuter = -1;
        out.vlanInner = -1;
        o = decodeEthernet(d, inner, end, out);
      }
      net = out.etherType;
      break;
    case LinkType.LinuxSll:
      o = decodeSll(d, start, end, out);
      net = out.etherType;
      break;
    case LinkType.LinuxSll2:
      o = decodeSll2(d, start, end, out);
      net = out.etherType;
      break;
    case LinkType.Raw:
    case LinkType.RawDlt12:
    case LinkType.RawDlt14:
      o = start;
      net = NET_BY_VERSION;
      break;
    case LinkType.Ipv4:
      o = start;
      net = NET_IPV4;
      break;
    case LinkType.Ipv6:
      o = start;
      net = NET_IPV6;
      break;
    case LinkType.Null:
    case LinkType.Loop:
      o = start;
      net = decodeNullFamily(d, start, end, rec.linkType === LinkType.Loop, out);
      if (net !== STOP) o = start + 4;
      break;
    default:
      out.unsupportedLink = true;
      return;
  }
  if (o < 0) return;
  if (net === NET_BY_VERSION) {
    if (end - o < 1) {
      markTruncated(out, Layer.Link, 'truncated_raw_ip');
      return;
    }
    net = d[o]! >>> 4 === 6 ? NET_IPV6 : NET_IPV4;
  }
  if (net === ETHERTYPE_IPV4 || net === NET_IPV4) {
    // tshark's "ip" dissector hands a version-6 packet under EtherType 0x0800 to IPv6.
    if (end - o >= 1 && d[o]! >>> 4 === 6) decodeIpPacket6(d, o, end, out);
    else decodeIpPacket4(d, o, end, out);
  } else if (net === ETHERTYPE_IPV6 || net === NET_IPV6) {
    decodeIpPacket6(d, o, end, out);
  } else if (net === ETHERTYPE_ARP || net === ETHERTYPE_RARP) {
    decodeArp(d, o, end, out);
  }
}

/**
 * BSD null/loopback header: a 4-byte address family, in the capturing host's byte order for
 * LINKTYPE_NULL (guessed as tshark does: a value above 0xffff must be the other order) and
 * big-endian for LINKTYPE_LOOP. Returns a network dispatch value, or STOP.
 */
function decodeNullFamily(d: Uint8Array, o: number, end: number, bigEndian: boolean, f: DecodedFrame): number {
  if (end - o < 4) return markTruncated(f, Layer.Link, 'truncated_null');
  const be = ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;
  let af = be;
  if (!bigEndian) {
    const le = ((d[o + 3]! << 24) | (d[o + 2]! << 16) | (d[o + 1]! << 8) | d[o]!) >>> 0;
    af = le > 0xffff ? be : le;
  }
  if (af === 2) return NET_IPV4;
  // AF_INET6 differs per OS: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30.
  if (af === 10 || af === 24 || af === 28 || af === 30) return NET_IPV6;
  return STOP;
}

function decodeIpPacket4(d: Uint8Array, o: number, end: number, f: DecodedFrame): void {
  const p = decodeIpv4(d, o, end, f);
  if (p < 0 || f.ipFragmentOffset !== 0) return;
  decodeTransport(d, p, p + f.ipPayloadLength, f.ipPayloadWireLength, f);
}

function decodeIpPacket6(d: Uint8Array, o: number, end: number, f: DecodedFrame): void {
  const p = decodeIpv6(d, o, end, f);
  if (p < 0 || f.ipFragmentOffset > 0) return;
  decodeTransport(d, p, p + f.ipPayloadLength, f.ipPayloadWireLength, f);
}

function decodeTransport(d: Uint8Array, o: number, end: number, l4Len: number, f: DecodedFrame): void {
  switch (f.ipProto) {
    case 6:
      decodeTcp(d, o, end, l4Len, f);
      return;
    case 17: {
      const p = decodeUdp(d, o, end, l4Len, f);
      if (p >= 0 && f.dstPort === GUE_PORT) decodeGue(d, p, end, f);
      return;
    }
    case 1:
      if (f.ipVersion === 4) decodeIcmp(d, o, end, f);
      return;
    case 58:
      decodeIcmpv6(d, o, end, f);
      return;
    case 4:
      decodeIpInIp(d, o, end, 4, f);
      return;
    case 41:
      decodeIpInIp(d, o, end, 6, f);
      return;
    case 47:
      decodeGre(d, o, end, f);
      return;
    case IP_PROTO_VRRP:
      decodeVrrp(d, o, end, l4Len, f);
      return;
    default:
      return;
  }
}
