/**
 * `lvs-pcap dump`: one JSON object per frame (JSON Lines), built from a DecodedFrame.
 * Field names are plain and stable; anything absent from the frame is omitted, never null.
 */
import { Encapsulation, LayerName, type DecodedFrame } from '../decode/frame.js';
import { formatEpoch, formatIpv4, formatIpv6, formatMac, formatTcpFlags } from '../decode/format.js';

/** Link-layer header of an Ethernet frame. */
export interface DumpEthernet {
  /** Source MAC, "00:0c:29:50:d5:63". */
  src: string;
  /** Destination MAC. */
  dst: string;
  /** EtherType after any VLAN tags, "0x0800"; omitted for 802.3 (length field) frames. */
  type?: string;
  /** VLAN ids, outermost first (at most two are kept); omitted when untagged. */
  vlan?: number[];
}

/** Linux cooked capture (SLL / SLL2) header: only the sender is known. */
export interface DumpSll {
  /** Sender MAC when the sender address is 6 bytes long. */
  src?: string;
  /** Packet type: 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us. */
  pkttype: number;
  /** Interface index on the capturing host (SLL2 only). */
  ifindex?: number;
  /** Protocol (EtherType), "0x0800". */
  type?: string;
}

/** ARP; addresses only for Ethernet/IPv4 ARP. */
export interface DumpArp {
  /** 1 request, 2 reply; RARP (EtherType 0x8035) 3 request, 4 reply. */
  op: number;
  senderMac?: string;
  senderIp?: string;
  targetMac?: string;
  targetIp?: string;
}

/** Outer IP header. */
export interface DumpIp {
  /** 4 or 6. */
  version: number;
  src?: string;
  dst?: string;
  /** IPv4 time to live. */
  ttl?: number;
  /** IPv6 hop limit. */
  hopLimit?: number;
  /** IPv4 identification, or the IPv6 fragment header's identification. */
  id?: number;
  /** Transport protocol number (after IPv6 extension headers). */
  proto?: number;
  /** IPv4 don't-fragment bit. */
  df?: boolean;
  /** More-fragments bit. */
  mf?: boolean;
  /** Fragment offset in bytes. */
  fragOffset?: number;
  /** IPv4 header checksum is right. */
  checksumOk?: boolean;
}

/** TCP header. */
export interface DumpTcp {
  srcPort: number;
  dstPort: number;
  /** "SYN,ACK"; omitted when the header is too broken to read the flags. */
  flags?: string;
  /** Raw (absolute) sequence number; omitted when the header is cut before it (a first fragment, a short snaplen). */
  seq?: number;
  /** Raw acknowledgement number; omitted with seq. */
  ack?: number;
  /** Payload length from the IP lengths (may exceed what the snaplen kept). */
  len?: number;
}

/** UDP header. */
export interface DumpUdp {
  srcPort: number;
  dstPort: number;
  /** Payload length from the IP lengths. */
  len?: number;
}

/** The original packet quoted by an ICMP error. */
export interface DumpIcmpQuoted {
  src: string;
  dst: string;
  proto: number;
  srcPort?: number;
  dstPort?: number;
}

/** ICMP or ICMPv6 message. */
export interface DumpIcmp {
  type: number;
  code: number;
  /** ICMP errors (IPv4): the quoted packet's header. */
  quoted?: DumpIcmpQuoted;
}

/** IPv6 Neighbor Solicitation / Advertisement. */
export interface DumpNd {
  type: 'ns' | 'na';
  /** Target address. */
  target: string;
  /** NA flags as letters: "R" router, "S" solicited, "O" override (NA only). */
  flags?: string;
  /** Source (NS) or target (NA) link-layer address option. */
  lladdr?: string;
}

/** VRRP advertisement (IP protocol 112), field by field as tshark's vrrp.* shows it. */
export interface DumpVrrp {
  /** 2 or 3 (vrrp.version). */
  version: number;
  /** 1 = advertisement (vrrp.type). */
  type: number;
  /** Virtual router id (vrrp.virt_rtr_id): keepalived's virtual_router_id. */
  vrid: number;
  /** 0 = the master stops, 255 = the address owner (vrrp.prio). */
  priority: number;
  /** Addresses announced (vrrp.addr_count). */
  addrCount: number;
  /** Version 2: authentication type (vrrp.auth_type: 0 none, 1 simple text, 2 AH). */
  authType?: number;
  /** Version 2: advertisement interval in seconds (vrrp.adver_int). */
  advertInt?: number;
  /** Version 3: advertisement interval in centiseconds (vrrp.short_adver_int). */
  maxAdvertInt?: number;
  /** The addresses captured (vrrp.ip_addr / vrrp.ipv6_addr). */
  addresses: string[];
  /** Checksum right (vrrp.checksum.status); omitted when it cannot be checked (a fragment, a message cut by the snaplen). */
  checksumOk?: boolean;
}

/** The packet carried inside a tunnel. */
export interface DumpInner {
  /** 4 or 6. */
  version: number;
  /** Inner IPv4 addresses (not filled for an inner IPv6 header). */
  src?: string;
  dst?: string;
  proto?: number;
  srcPort?: number;
  dstPort?: number;
}

/** Tunnel wrapping (IPVS tunnel mode, GRE, GUE). */
export interface DumpEncapsulation {
  type: 'ipip' | 'gre' | 'gue';
  inner?: DumpInner;
}

/** One line of `lvs-pcap dump`. */
export interface DumpRecord {
  /** Frame number, 1-based over the whole capture (as Wireshark numbers them). */
  frame: number;
  /** Capture time, seconds since the Unix epoch with nine fractional digits, as a string. */
  time: string;
  /** pcapng interface id, only when it is not 0. */
  iface?: number;
  /** LINKTYPE_* of the frame (1 Ethernet, 113 Linux SLL, 276 SLL2, 101 raw IP...). */
  linktype: number;
  /** Bytes captured. */
  caplen: number;
  /** Bytes on the wire. */
  len: number;
  /** Ethernet header. */
  eth?: DumpEthernet;
  /** Linux cooked capture header. */
  sll?: DumpSll;
  /** ARP message. */
  arp?: DumpArp;
  /** Outer IP header. */
  ip?: DumpIp;
  tcp?: DumpTcp;
  udp?: DumpUdp;
  /** ICMP / ICMPv6 type and code. */
  icmp?: DumpIcmp;
  /** IPv6 neighbor discovery. */
  nd?: DumpNd;
  /** Tunnel and its inner packet. */
  encapsulation?: DumpEncapsulation;
  /** VRRP advertisement. */
  vrrp?: DumpVrrp;
  /** The layer whose header the snaplen cut ("tcp", "ipv4"...). */
  truncated?: string;
  /** The layer whose header cannot be right. */
  malformed?: string;
  /** Zeek-style id of the first anomaly (`bad_ip_header_length`, `truncated_tcp`...). */
  weird?: string;
  /** Set when the link type is not decoded. */
  unsupportedLink?: true;
}

function hex16(n: number): string {
  return '0x' + n.toString(16).padStart(4, '0');
}

const ENCAP_NAME: Record<number, 'ipip' | 'gre' | 'gue'> = {
  [Encapsulation.IpInIp]: 'ipip',
  [Encapsulation.Gre]: 'gre',
  [Encapsulation.Gue]: 'gue',
};

/** Builds the dump record of a decoded frame (allocates: for output, not for the hot path). */
export function frameToDumpRecord(f: DecodedFrame): DumpRecord {
  const r: DumpRecord = {
    frame: f.frameNumber,
    time: formatEpoch(f.tsSeconds, f.tsNanos),
    linktype: f.linkType,
    caplen: f.capturedLength,
    len: f.originalLength,
  };
  if (f.interfaceId > 0) r.iface = f.interfaceId;
  if (f.unsupportedLink) r.unsupportedLink = true;
  if (f.sllPacketType >= 0) {
    const sll: DumpSll = { pkttype: f.sllPacketType };
    if (f.ethSrc >= 0) sll.src = formatMac(f.ethSrc);
    if (f.sllIfIndex >= 0) sll.ifindex = f.sllIfIndex;
    if (f.etherType >= 0) sll.type = hex16(f.etherType);
    r.sll = sll;
  } else if (f.ethDst >= 0 && f.ethSrc >= 0) {
    const eth: DumpEthernet = { src: formatMac(f.ethSrc), dst: formatMac(f.ethDst) };
    if (f.etherType >= 0) eth.type = hex16(f.etherType);
    if (f.vlanCount > 0) {
      eth.vlan = f.vlanInner >= 0 ? [f.vlanOuter, f.vlanInner] : [f.vlanOuter];
    }
    r.eth = eth;
  }
  if (f.hasArp) {
    const arp: DumpArp = { op: f.arpOp };
    if (f.arpSenderMac >= 0) arp.senderMac = formatMac(f.arpSenderMac);
    if (f.arpSenderIp >= 0) arp.senderIp = formatIpv4(f.arpSenderIp);
    if (f.arpTargetMac >= 0) arp.targetMac = formatMac(f.arpTargetMac);
    if (f.arpTargetIp >= 0) arp.targetIp = formatIpv4(f.arpTargetIp);
    r.arp = arp;
  }
  if (f.ipVersion !== 0) r.ip = dumpIp(f);
  if (f.srcPort >= 0 && f.ipProto === 6) {
    const tcp: DumpTcp = { srcPort: f.srcPort, dstPort: f.dstPort };
    if (f.tcpSeq >= 0) {
      tcp.seq = f.tcpSeq;
      tcp.ack = f.tcpAck;
    }
    if (f.tcpFlags >= 0) tcp.flags = formatTcpFlags(f.tcpFlags);
    if (f.l4PayloadLength >= 0) tcp.len = f.l4PayloadLength;
    r.tcp = tcp;
  } else if (f.srcPort >= 0 && f.ipProto === 17) {
    const udp: DumpUdp = { srcPort: f.srcPort, dstPort: f.dstPort };
    if (f.l4PayloadLength >= 0) udp.len = f.l4PayloadLength;
    r.udp = udp;
  }
  if (f.icmpType >= 0) {
    const icmp: DumpIcmp = { type: f.icmpType, code: f.icmpCode };
    if (f.icmpQuotedSrc >= 0) {
      const q: DumpIcmpQuoted = {
        src: formatIpv4(f.icmpQuotedSrc),
        dst: formatIpv4(f.icmpQuotedDst),
        proto: f.icmpQuotedProto,
      };
      if (f.icmpQuotedSrcPort >= 0) {
        q.srcPort = f.icmpQuotedSrcPort;
        q.dstPort = f.icmpQuotedDstPort;
      }
      icmp.quoted = q;
    }
    r.icmp = icmp;
  }
  if (f.ndType >= 0) {
    const nd: DumpNd = { type: f.ndType === 135 ? 'ns' : 'na', target: formatIpv6(f.ndTarget) };
    if (f.ndFlags >= 0) {
      nd.flags = (f.ndFlags & 0x80 ? 'R' : '') + (f.ndFlags & 0x40 ? 'S' : '') + (f.ndFlags & 0x20 ? 'O' : '');
    }
    if (f.ndLinkAddr >= 0) nd.lladdr = formatMac(f.ndLinkAddr);
    r.nd = nd;
  }
  if (f.vrrpVersion >= 0) r.vrrp = dumpVrrp(f);
  const encName = ENCAP_NAME[f.encapsulation];
  if (encName !== undefined) {
    const enc: DumpEncapsulation = { type: encName };
    if (f.innerIpVersion !== 0) {
      const inner: DumpInner = { version: f.innerIpVersion };
      if (f.innerIpSrc >= 0) inner.src = formatIpv4(f.innerIpSrc);
      if (f.innerIpDst >= 0) inner.dst = formatIpv4(f.innerIpDst);
      if (f.innerIpProto >= 0) inner.proto = f.innerIpProto;
      if (f.innerSrcPort >= 0) {
        inner.srcPort = f.innerSrcPort;
        inner.dstPort = f.innerDstPort;
      }
      enc.inner = inner;
    }
    r.encapsulation = enc;
  }
  if (f.truncated) r.truncated = LayerName[f.truncatedLayer];
  if (f.malformed) r.malformed = LayerName[f.malformedLayer];
  if (f.weird !== '') r.weird = f.weird;
  return r;
}

function dumpVrrp(f: DecodedFrame): DumpVrrp {
  const v: DumpVrrp = { version: f.vrrpVersion, type: f.vrrpType, vrid: f.vrrpVrid, priority: f.vrrpPriority, addrCount: f.vrrpAddrCount, addresses: vrrpAddresses(f) };
  if (f.vrrpVersion === 3) {
    v.maxAdvertInt = f.vrrpIntervalCentis;
  } else {
    v.authType = f.vrrpAuthType;
    v.advertInt = f.vrrpIntervalCentis / 100;
  }
  if (f.vrrpChecksum !== 2) v.checksumOk = f.vrrpChecksum === 1;
  return v;
}

/** The captured addresses of a VRRP advertisement, as text. */
export function vrrpAddresses(f: DecodedFrame): string[] {
  const out: string[] = [];
  const d = f.data;
  for (let i = 0; i < f.vrrpAddrsCaptured; i++) {
    if (f.ipVersion === 6) {
      out.push(formatIpv6(d, f.vrrpAddrOffset + 16 * i));
    } else {
      const o = f.vrrpAddrOffset + 4 * i;
      out.push(formatIpv4(((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0));
    }
  }
  return out;
}

function dumpIp(f: DecodedFrame): DumpIp {
  const ip: DumpIp = { version: f.ipVersion };
  if (f.ipVersion === 4) {
    if (f.ipSrc < 0) return ip;
    ip.src = formatIpv4(f.ipSrc);
    ip.dst = formatIpv4(f.ipDst);
    ip.ttl = f.ipTtl;
    ip.id = f.ipId;
    ip.proto = f.ipProto;
    ip.df = f.ipDontFragment;
    ip.mf = f.ipMoreFragments;
    ip.fragOffset = f.ipFragmentOffset;
    ip.checksumOk = f.ipChecksumOk;
    return ip;
  }
  if (f.ipTtl < 0) return ip;
  ip.src = formatIpv6(f.ip6Src);
  ip.dst = formatIpv6(f.ip6Dst);
  ip.hopLimit = f.ipTtl;
  if (f.ipProto >= 0) ip.proto = f.ipProto;
  if (f.ipId >= 0) {
    ip.id = f.ipId;
    ip.mf = f.ipMoreFragments;
    ip.fragOffset = f.ipFragmentOffset;
  }
  return ip;
}
