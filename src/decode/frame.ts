/**
 * The decoded view of one frame: a single reusable struct, filled field by field by the
 * protocol decoders (gopacket's DecodingLayerParser idea). Every field is initialised here so
 * all instances share one V8 shape; `reset()` puts every field back before each frame, so a
 * field never leaks from the previous frame. "Absent" is -1 for numbers, false for flags.
 *
 * Addresses are numbers: a MAC is a 48-bit integer (exact in a double), an IPv4 address a
 * 32-bit unsigned integer. IPv6 addresses are copied into fixed 16-byte arrays owned by the
 * frame (no allocation per packet). Use src/decode/format.ts to turn them into text.
 *
 * `data` points at the reader's buffer and is only valid during the callback that received it.
 */

/** Layer ids, used for `truncatedLayer`, `malformedLayer` and `encapsulation`. */
export const Layer = {
  None: 0,
  Link: 1,
  Vlan: 2,
  Arp: 3,
  IPv4: 4,
  IPv6: 5,
  Tcp: 6,
  Udp: 7,
  Icmp: 8,
  Icmpv6: 9,
  Gre: 10,
  Inner: 11,
  Vrrp: 12,
} as const;
export type LayerId = (typeof Layer)[keyof typeof Layer];

export const LayerName: Readonly<Record<LayerId, string>> = {
  0: 'none',
  1: 'link',
  2: 'vlan',
  3: 'arp',
  4: 'ipv4',
  5: 'ipv6',
  6: 'tcp',
  7: 'udp',
  8: 'icmp',
  9: 'icmpv6',
  10: 'gre',
  11: 'inner',
  12: 'vrrp',
};

/** How the IP packet is wrapped when a director tunnels it (ipvsadm -i) or another tunnel carries it. */
export const Encapsulation = {
  None: 0,
  /** IPv4-in-IPv4 (IP proto 4) or IPv6-in-IPv4 (proto 41), IPv4/6-in-IPv6. */
  IpInIp: 1,
  Gre: 2,
  /** GUE (UDP port 6080) or FOU-like UDP encapsulation of an IP packet. */
  Gue: 3,
} as const;
export type EncapsulationId = (typeof Encapsulation)[keyof typeof Encapsulation];

/** TCP flag bits as in the header (byte 13, plus NS from byte 12 as 0x100). */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
  NS: 0x100,
} as const;

/** Linux cooked capture packet types (SLL / SLL2 `sll_pkttype`). */
export const SllPacketType = {
  Host: 0,
  Broadcast: 1,
  Multicast: 2,
  OtherHost: 3,
  Outgoing: 4,
} as const;

export class DecodedFrame {
  // ---- record ------------------------------------------------------------------------------
  frameNumber = 0;
  tsSeconds = 0;
  tsNanos = 0;
  interfaceId = 0;
  linkType = 0;
  capturedLength = 0;
  originalLength = 0;
  /** Reader's buffer; frame bytes are data[offset .. offset + capturedLength). */
  data: Uint8Array = EMPTY;
  offset = 0;

  // ---- decode outcome -----------------------------------------------------------------------
  /** The link type is not one we decode: nothing else below is filled. */
  unsupportedLink = false;
  /** The frame ends (snaplen) inside this layer's header; layers before it are complete. */
  truncated = false;
  truncatedLayer: LayerId = Layer.None;
  /** A header that cannot be right (IHL < 5, length past the packet...). Layers before it are valid. */
  malformed = false;
  malformedLayer: LayerId = Layer.None;
  /** Zeek-style stable id of the first anomaly (`bad_ip_header_length`, `truncated_tcp`...), '' if none. */
  weird = '';

  // ---- link layer ---------------------------------------------------------------------------
  /** Source / sender MAC (Ethernet src, SLL sender address when it is 6 bytes); -1 if absent. */
  ethSrc = -1;
  /** Destination MAC; -1 when the link type does not carry it (SLL, SLL2, raw IP, loopback). */
  ethDst = -1;
  /** EtherType after any VLAN tags (for SLL: the protocol field); -1 if none. */
  etherType = -1;
  /** Number of 802.1Q / 802.1ad tags; the first two ids are kept (outer first). */
  vlanCount = 0;
  vlanOuter = -1;
  vlanInner = -1;
  /** SLL/SLL2 packet type (SllPacketType), -1 for other link types. */
  sllPacketType = -1;
  /** SLL2 interface index on the capturing host, -1 otherwise. */
  sllIfIndex = -1;

  // ---- ARP / RARP: MACs when 6 bytes of an Ethernet-like hardware type, IPs when 4 bytes of IPv4 ----
  hasArp = false;
  /** An Ethernet (or IEEE 802) / IPv4 binding, the kind Linux's ARP acts on; the rest: op only, or some addresses. */
  arpIsEthIpv4 = false;
  arpOp = -1;
  arpSenderMac = -1;
  arpSenderIp = -1;
  arpTargetMac = -1;
  arpTargetIp = -1;

  // ---- IP (outer header when encapsulated) -------------------------------------------------
  /** 0 = no IP header, 4 or 6. */
  ipVersion = 0;
  /** Offset of the IP header in `data`. */
  ipOffset = -1;
  /** IPv4 addresses as unsigned 32-bit numbers; -1 for IPv6 (see ip6Src/ip6Dst). */
  ipSrc = -1;
  ipDst = -1;
  readonly ip6Src = new Uint8Array(16);
  readonly ip6Dst = new Uint8Array(16);
  /** TTL (IPv4) or hop limit (IPv6). */
  ipTtl = -1;
  /** IPv4 identification; IPv6: the fragment header's identification, else -1. */
  ipId = -1;
  /** Transport protocol after the IPv6 extension header chain (or IPv4 protocol). */
  ipProto = -1;
  ipHeaderLength = -1;
  /** IPv4 total length / IPv6 40 + payload length, as the header says. */
  ipTotalLength = -1;
  ipTos = -1;
  ipDontFragment = false;
  ipMoreFragments = false;
  /** Fragment offset in bytes. */
  ipFragmentOffset = -1;
  /** IPv4 header checksum verified (false when the header is incomplete). */
  ipChecksumOk = false;
  /** Offset and length of the IP payload within data (bounded by captured bytes: see l4 fields). */
  ipPayloadOffset = -1;
  ipPayloadLength = -1;
  /**
   * IP payload length as the header says (after the IPv6 extension headers), bounded by the
   * wire length as tshark bounds it; not limited by the snaplen. -1 without a complete header.
   */
  ipPayloadWireLength = -1;

  // ---- encapsulation (tunnel-mode directors) --------------------------------------------------
  encapsulation: EncapsulationId = Encapsulation.None;
  /** Inner IP header of an encapsulated packet (IPv4 numbers; IPv6 inner: innerIpVersion 6 only). */
  innerIpVersion = 0;
  innerIpOffset = -1;
  innerIpSrc = -1;
  innerIpDst = -1;
  innerIpProto = -1;
  innerSrcPort = -1;
  innerDstPort = -1;

  // ---- TCP / UDP (of the outermost IP packet) ------------------------------------------------
  /** Offset of the TCP/UDP/ICMP header in data. */
  l4Offset = -1;
  srcPort = -1;
  dstPort = -1;
  tcpSeq = -1;
  tcpAck = -1;
  /** TCP flags (TcpFlag bits), -1 when no TCP header. */
  tcpFlags = -1;
  tcpHeaderLength = -1;
  tcpWindow = -1;
  udpLength = -1;
  /** L4 payload length from the IP lengths (not limited by the snaplen). */
  l4PayloadLength = -1;
  /** Offset of the L4 payload in data. */
  l4PayloadOffset = -1;

  // ---- ICMP / ICMPv6 -----------------------------------------------------------------------------
  icmpType = -1;
  icmpCode = -1;
  /** Quoted original packet of an ICMP error (IPv4 quoted header only). */
  icmpQuotedSrc = -1;
  icmpQuotedDst = -1;
  icmpQuotedProto = -1;
  icmpQuotedSrcPort = -1;
  icmpQuotedDstPort = -1;

  // ---- IPv6 Neighbor Discovery (NS 135 / NA 136) ------------------------------------------------
  /** 135 or 136 when the frame is an NS/NA, else -1. */
  ndType = -1;
  readonly ndTarget = new Uint8Array(16);
  /** NA flags: 0x80 router, 0x40 solicited, 0x20 override; -1 for NS. */
  ndFlags = -1;
  /** Source (NS) or target (NA) link-layer address option, -1 if absent. */
  ndLinkAddr = -1;

  // ---- VRRP (IP protocol 112) ---------------------------------------------------------------------
  /** 2 or 3 (another value when the sender is broken), -1 when the frame carries no VRRP header. */
  vrrpVersion = -1;
  /** 1 = advertisement, the only type defined. */
  vrrpType = -1;
  vrrpVrid = -1;
  /** 0: the master is stopping; 255: the address owner. */
  vrrpPriority = -1;
  /** Addresses the header announces. */
  vrrpAddrCount = -1;
  /** Addresses present in the captured bytes (fewer than the count when the snaplen cut them). */
  vrrpAddrsCaptured = -1;
  /** Offset of the first address in `data`: 4 bytes each over IPv4, 16 over IPv6. */
  vrrpAddrOffset = -1;
  /** Advertisement interval in centiseconds (version 2 carries whole seconds). */
  vrrpIntervalCentis = -1;
  /** Version 2 authentication type (0 none, 1 simple text, 2 IP AH); -1 for version 3. */
  vrrpAuthType = -1;
  /** Checksum check, with tshark's values: 1 good, 0 bad, 2 not checked (a fragment, or cut by the snaplen). */
  vrrpChecksum = -1;

  /**
   * Puts every field back to "absent"; called by the decoder before each frame. Groups the
   * previous frame never reached are skipped: each group has a marker field that the decoders
   * set before any other field of the group (hasArp, ipVersion, encapsulation, icmpType, ndType,
   * vrrpVersion),
   * so an untouched marker proves the whole group is still absent. This halves the stores on
   * the common TCP path; the stale-state tests in test/decode guard the invariant.
   */
  reset(): void {
    this.unsupportedLink = false;
    this.truncated = false;
    this.truncatedLayer = Layer.None;
    this.malformed = false;
    this.malformedLayer = Layer.None;
    this.weird = '';
    this.ethSrc = -1;
    this.ethDst = -1;
    this.etherType = -1;
    this.vlanCount = 0;
    this.vlanOuter = -1;
    this.vlanInner = -1;
    this.sllPacketType = -1;
    this.sllIfIndex = -1;
    if (this.hasArp) {
      this.hasArp = false;
      this.arpIsEthIpv4 = false;
      this.arpOp = -1;
      this.arpSenderMac = -1;
      this.arpSenderIp = -1;
      this.arpTargetMac = -1;
      this.arpTargetIp = -1;
    }
    if (this.ipVersion !== 0) this.resetIp();
  }

  private resetIp(): void {
    if (this.ipVersion === 6) {
      // Clearing the arrays costs more than all the number fields, so only when written.
      this.ip6Src.fill(0);
      this.ip6Dst.fill(0);
    }
    this.ipVersion = 0;
    this.ipOffset = -1;
    this.ipSrc = -1;
    this.ipDst = -1;
    this.ipTtl = -1;
    this.ipId = -1;
    this.ipProto = -1;
    this.ipHeaderLength = -1;
    this.ipTotalLength = -1;
    this.ipTos = -1;
    this.ipDontFragment = false;
    this.ipMoreFragments = false;
    this.ipFragmentOffset = -1;
    this.ipChecksumOk = false;
    this.ipPayloadOffset = -1;
    this.ipPayloadLength = -1;
    this.ipPayloadWireLength = -1;
    if (this.encapsulation !== Encapsulation.None) {
      this.encapsulation = Encapsulation.None;
      this.innerIpVersion = 0;
      this.innerIpOffset = -1;
      this.innerIpSrc = -1;
      this.innerIpDst = -1;
      this.innerIpProto = -1;
      this.innerSrcPort = -1;
      this.innerDstPort = -1;
    }
    this.l4Offset = -1;
    this.srcPort = -1;
    this.dstPort = -1;
    this.tcpSeq = -1;
    this.tcpAck = -1;
    this.tcpFlags = -1;
    this.tcpHeaderLength = -1;
    this.tcpWindow = -1;
    this.udpLength = -1;
    this.l4PayloadLength = -1;
    this.l4PayloadOffset = -1;
    if (this.vrrpVersion >= 0) {
      this.vrrpVersion = -1;
      this.vrrpType = -1;
      this.vrrpVrid = -1;
      this.vrrpPriority = -1;
      this.vrrpAddrCount = -1;
      this.vrrpAddrsCaptured = -1;
      this.vrrpAddrOffset = -1;
      this.vrrpIntervalCentis = -1;
      this.vrrpAuthType = -1;
      this.vrrpChecksum = -1;
    }
    if (this.icmpType >= 0) {
      this.icmpType = -1;
      this.icmpCode = -1;
      this.icmpQuotedSrc = -1;
      this.icmpQuotedDst = -1;
      this.icmpQuotedProto = -1;
      this.icmpQuotedSrcPort = -1;
      this.icmpQuotedDstPort = -1;
      if (this.ndType >= 0) {
        this.ndTarget.fill(0);
        this.ndType = -1;
        this.ndFlags = -1;
        this.ndLinkAddr = -1;
      }
    }
  }
}

const EMPTY = new Uint8Array(0);
